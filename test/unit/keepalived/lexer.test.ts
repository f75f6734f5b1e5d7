import test from 'ava';
import { lex as lexText, render } from './read-text.js';

function lex(text: string, configId?: string) {
  const { tokens, errors } = lexText(text, configId === undefined ? {} : { configId });
  return { tokens, problems: errors };
}

const lexes = test.macro({
  exec(t, text: string, expected: readonly string[], configId?: string) {
    const { tokens, problems } = lex(text, configId);
    t.deepEqual(problems, []);
    t.deepEqual(render(tokens), expected);
  },
  title: (given, text: string) => `${given ?? ''} (${JSON.stringify(text)})`,
});

test('a line that is only a # comment gives no tokens', lexes, '# keepalived.conf', []);
test('a line that is only a ! comment gives no tokens', lexes, '! Configuration File for keepalived', []);
test('a # comment may follow a value', lexes, 'router_id lb1 # the first director', ['router_id', 'lb1', '<eol>']);
test('a ! comment may follow a value', lexes, 'router_id lb1 ! the first director', ['router_id', 'lb1', '<eol>']);
test('a comment may start inside a word', lexes, 'router_id lb1#x', ['router_id', 'lb1', '<eol>']);
test('# and ! inside double quotes are kept', lexes, 'auth_pass "a#b!c" # comment', ['auth_pass', 'a#b!c', '<eol>']);
test('\\# and \\! outside quotes are literal characters', lexes, 'name a\\#b\\!c', ['name', 'a#b!c', '<eol>']);
test('a quoted string is one word without its quotes', lexes, 'misc_path "/usr/bin/check --port 80"', ['misc_path', '/usr/bin/check --port 80', '<eol>']);
test('an empty quoted string is an empty word', lexes, 'smtp_helo_name ""', ['smtp_helo_name', '', '<eol>']);
test('a quote ends an unquoted word', lexes, 'a"b c"d', ['a', 'b c', 'd', '<eol>']);
test('a brace glued to a word ends the statement and is a line of its own', lexes, 'real_server 192.0.2.21 80{weight 1}', [
  'real_server',
  '192.0.2.21',
  '80',
  '<eol>',
  '<{>',
  'weight',
  '1',
  '<eol>',
  '<}>',
]);
test('braces inside quotes are part of the word', lexes, 'notify "/bin/x {a}"', ['notify', '/bin/x {a}', '<eol>']);
test('two closing braces on one line are two tokens', lexes, '}}', ['<}>', '<}>']);
test('carriage returns of CRLF files are dropped', lexes, 'router_id lb1\r\npriority 100\r\n', ['router_id', 'lb1', '<eol>', 'priority', '100', '<eol>']);
test('an include line names a glob pattern', lexes, 'include services/*.conf  # one file per domain', ['<include services/*.conf>']);
test('the include variants are recognised', lexes, 'includea /etc/keepalived/conf.d/*.conf', ['<includea /etc/keepalived/conf.d/*.conf>']);
test('include without a pattern is a plain word, as keepalived reads it', lexes, 'include   ', ['include', '<eol>']);
test('a keyword that only starts with include is a word', lexes, 'included_file x', ['included_file', 'x', '<eol>']);
test('@ID lines are kept when ID is the config id', lexes, '@lb1 priority 150\n@lb2 priority 100', ['priority', '150', '<eol>'], 'lb1');
test('@^ID lines are kept when ID is not the config id', lexes, '@^lb1 192.0.2.2\n@^lb2 192.0.2.3', ['192.0.2.2', '<eol>'], 'lb2');
test('without a config id @ID lines are dropped and @^ID lines kept', lexes, '@lb1 priority 150\n@^lb1 priority 100', ['priority', '100', '<eol>']);
test('parameters are replaced as $NAME and ${NAME}', lexes, '$IF=eth0\ninterface $IF\nlabel ${IF}:1', [
  'interface',
  'eth0',
  '<eol>',
  'label',
  'eth0:1',
  '<eol>',
]);
test('an undefined parameter stays as written', lexes, '$A=1\nvalue $B', ['value', '$B', '<eol>']);

test('every token carries its file and line', (t) => {
  const { tokens } = lex('global_defs {\n\n  router_id lb1\n}\n');
  t.deepEqual(
    tokens.map((token) => [token.kind, token.line]),
    [
      ['word', 1],
      ['eol', 1],
      ['open', 1],
      ['word', 3],
      ['word', 3],
      ['eol', 3],
      ['close', 4],
    ],
  );
  t.true(tokens.every((token) => token.file === 'k.conf'));
});

const reports = test.macro({
  exec(t, text: string, line: number, fragment: string) {
    const { problems } = lex(text);
    t.is(problems.length, 1);
    t.is(problems[0]?.line, line);
    t.true(problems[0]?.message.includes(fragment), problems[0]?.message);
  },
  title: (given) => given ?? '',
});

test('an unterminated quote is reported with its line', reports, 'global_defs {\n  router_id "lb1\n}', 2, 'unterminated quote');
