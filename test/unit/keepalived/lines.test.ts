import test from 'ava';
import { MAX_LINE_BYTES } from '../../../src/keepalived/lines.js';
import { lex, lines } from './read-text.js';

/** reads: the statement lines keepalived's parser would see, with no errors. */
const reads = test.macro({
  exec(t, text: string, expected: readonly string[], options: { configId?: string; env?: Record<string, string> } = {}) {
    const { tokens, errors } = lex(text, options);
    t.deepEqual(errors, []);
    t.deepEqual(lines(tokens), expected);
  },
  title: (given) => given ?? '',
});

test('$NAME is replaced before a blank, a comma, a ) or the end of the line', reads, '$P=80\na $P b\nc $P,x\nd ($P)\ne $P', ['a 80 b', 'c 80,x', 'd (80)', 'e 80']);
test('$NAME glued to other text stays as written; ${NAME} is replaced anywhere', reads, '$D=/etc/k\na $D/x.conf\nb ${D}/x.conf', ['a $D/x.conf', 'b /etc/k/x.conf']);
test('a parameter value may use other parameters, and later definitions replace earlier ones', reads, '$A=1\n$B=${A}2\nx $B\n$A=3\ny $B', ['x 12', 'y 32']);
test('a definition needs = right after the name', reads, '$A = 1\nx', ['$A = 1', 'x']);
test('a multi-line definition expands to one line per line of its value', reads, '$RS=real_server 192.0.2.21 80 { \\\n  weight 2 \\\n}\nvirtual_server 192.0.2.10 80 {\n$RS\n}', [
  'virtual_server 192.0.2.10 80',
  '{',
  'real_server 192.0.2.21 80',
  '{',
  'weight 2',
  '}',
  '}',
]);
test('a multi-line parameter is only replaced where it ends the line', reads, '$M=a \\\nb\nx $M y\nx $M', ['x $M y', 'x a', 'b']);
test('an empty line ends a multi-line definition; a comment line does not', reads, '$M=a \\\n# note\nb \\\n\nx $M', ['x a', 'b']);
test('${_HASH} makes a comment of a line that begins with it; ${_BANG} is !', reads, '${_HASH} priority 100\nname a${_BANG}b', ['name a']);
test('${_INSTANCE} is the config id', reads, 'router_id ${_INSTANCE}', ['router_id lb2'], { configId: 'lb2' });
test('${_PWD} is the directory of the file being read', reads, 'include ${_PWD}/conf.d/*.conf', ['<include /etc/keepalived/conf.d/*.conf>']);
test('@ID and @^ID lines are kept or dropped by the config id', reads, '@lb1 priority 150\n@^lb1 priority 100\n@lb1', ['priority 150'], { configId: 'lb1' });
test('a conditional may guard a definition and an include', reads, '@lb1 $PRIO=150\n@lb2 $PRIO=100\npriority $PRIO\n@lb1 include lb1.conf', ['priority 150', '<include lb1.conf>'], { configId: 'lb1' });
test('a parameter may expand to a conditional line', reads, '$ONLY1=@lb1\n$ONLY1 priority 150\n$ONLY2=@lb2\n$ONLY2 priority 100', ['priority 150'], { configId: 'lb1' });
test('include is found after parameters are replaced', reads, '$DIR=conf.d\ninclude ${DIR}/*.conf', ['<include conf.d/*.conf>']);
test('~SEQ repeats a line for each value: END, START END, or START STEP END', reads, '~SEQ(i, 3) a$i\n~SEQ(i, 5, 4) b$i\n~SEQ(i, 0, 10, 20) c${i}', ['a1', 'a2', 'a3', 'b5', 'b4', 'c0', 'c10', 'c20']);
test('~SEQx counts in hexadecimal, and sequences nest', reads, '~SEQx(n, 9, 10) ~SEQ(m, 1, 2) 2001:db8::${n}:${m}', ['2001:db8::9:1', '2001:db8::9:2', '2001:db8::a:1', '2001:db8::a:2']);
test('~SEQ numbers may come from parameters', reads, '$N=2\n~SEQ(i, 1, $N) x$i', ['x1', 'x2']);
test('~LST sets one variable per value, or several per set', reads, '~LST(ip, 192.0.2.21, 192.0.2.22) real_server $ip 80\n~LST({a, b}, {1, 2}, {3}) x ${a}-${b}', [
  'real_server 192.0.2.21 80',
  'real_server 192.0.2.22 80',
  'x 1-2',
  'x 3-',
]);
test('~SEQ lines come before the next line of the file', reads, '~SEQ(i, 1, 2) vs${i} {\nweight 1 }', ['vs1', '{', 'vs2', '{', 'weight 1', '}']);
test('a brace splits the line; the rest is read again, so a conditional there drops all of the rest', reads, 'vrrp_instance V { @lb1 priority 150 }\nb { @^lb1 priority 100 }', ['vrrp_instance V', '{', 'priority 150', '}', 'b', '{'], { configId: 'lb1' });
test('braces in quotes do not split the line', reads, 'notify "/bin/x {a}" {', ['notify /bin/x {a}', '{']);
test('an undefined parameter stays as written', reads, 'x $UNDEFINED y', ['x $UNDEFINED y']);
test('the brace of an undefined ${NAME} splits the line like any brace', reads, 'x ${ALSO}', ['x $', '{', 'ALSO', '}']);
test('a comment after a replacement is dropped, as keepalived decomments again', reads, '$C=a # b\nx $C', ['x a']);

test('${_RANDOM} is read as its lower bound, with a warning that says it is random', (t) => {
  const { tokens, warnings } = lex('priority ${_RANDOM 100 150}\nweight ${_RANDOM}');
  t.deepEqual(lines(tokens), ['priority 100', 'weight 0']);
  t.deepEqual(
    warnings.map((w) => [w.line, w.message]),
    [
      [1, '${_RANDOM 100 150} is a random number from 100 to 150, drawn again each time keepalived reads the configuration; lbfw read it as 100'],
      [2, '${_RANDOM} is a random number from 0 to 32767, drawn again each time keepalived reads the configuration; lbfw read it as 0'],
    ],
  );
});

test('${_ENV NAME} reads the environment, with a warning on keepalived versions', (t) => {
  const { tokens, warnings } = lex('router_id ${_ENV LB_NAME}', { env: { LB_NAME: 'lb7' } });
  t.deepEqual(lines(tokens), ['router_id lb7']);
  t.regex(warnings[0]?.message ?? '', /keepalived 2\.4 and later .* keepalived 2\.2\.7 \(Debian 12\) leaves it as written/);
});

const fails = test.macro({
  exec(t, text: string, line: number, fragment: RegExp) {
    const { errors } = lex(text);
    t.is(errors[0]?.line, line, JSON.stringify(errors));
    t.regex(errors[0]?.message ?? '', fragment);
  },
  title: (given) => given ?? '',
});

test('a parameter that refers to itself is an error, not an endless loop', fails, '$A=${A}\nx $A', 2, /still being replaced after 1000 replacements/);
test('a parameter that doubles itself is stopped at keepalived\'s line length', fails, '$A=${B}${B}\n$B=${C}${C}\n$C=${D}${D}\n$D=${E}${E}\n$E=${F}${F}\n$F=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nx ${A}', 7, /longer than keepalived's 1023 bytes/);
test('a line longer than keepalived reads is an error naming its size', fails, `x ${'y'.repeat(MAX_LINE_BYTES)}`, 1, /line of 1025 bytes; keepalived reads at most 1023 bytes a line/);
test('a NUL byte in a line is an error', fails, 'a\nb\0c', 2, /NUL byte/);
test('an invalid ~SEQ is an error naming the expected form', fails, '~SEQ(i, 1, 0, 5) x', 1, /invalid ~SEQ specification .* expected ~SEQ\(VAR, \[START,\] \[STEP,\] END\) TEXT/);

test('a ~SEQ of millions of lines is bounded with an error', (t) => {
  const { errors } = lex('~SEQ(i, 1, 3000000) x$i');
  t.regex(errors[0]?.message ?? '', /more than 2000000 lines after ~SEQ\/~LST and parameter expansion/);
});

test('control bytes of the input never reach a message raw', (t) => {
  const { errors } = lex('~SEQ(\u001b[31m) x');
  t.false(errors.some((e) => /\u001b/.test(e.message)), JSON.stringify(errors));
  t.regex(errors[0]?.message ?? '', /\\x1b/);
});
