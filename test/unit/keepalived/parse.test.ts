import test from 'ava';
import { ConfigError, type InputProblem } from '../../../src/errors.js';
import { parseKeepalived } from '../../../src/keepalived/index.js';
import type { Statement } from '../../../src/keepalived/model.js';
import { tree as parse } from './read-text.js';

function tree(text: string): { statements: readonly Statement[]; problems: InputProblem[] } {
  const { statements, errors } = parse(text);
  return { statements, problems: errors };
}

/** shape drops the locations: keyword, args and nested blocks only. */
function shape(statements: readonly Statement[]): unknown[] {
  return statements.map((s) => (s.block === undefined ? [s.keyword, ...s.args] : [s.keyword, ...s.args, shape(s.block)]));
}

test('blocks nest to any depth', (t) => {
  const { statements, problems } = tree(`virtual_server 192.0.2.10 80 {
  real_server 198.51.100.21 80 {
    HTTP_GET {
      url {
        path /healthz
      }
    }
  }
}`);
  t.deepEqual(problems, []);
  t.deepEqual(shape(statements), [
    ['virtual_server', '192.0.2.10', '80', [['real_server', '198.51.100.21', '80', [['HTTP_GET', [['url', [['path', '/healthz']]]]]]]]],
  ]);
});

test('a block may open on the line after its keyword', (t) => {
  const { statements, problems } = tree('vrrp_instance VI_1\n\n{\n  state MASTER\n}\n');
  t.deepEqual(problems, []);
  t.deepEqual(shape(statements), [['vrrp_instance', 'VI_1', [['state', 'MASTER']]]]);
});

test('statements may share a line with the braces around them', (t) => {
  const { statements } = tree('unicast_peer { 192.0.2.2 }\nauthentication { auth_type PASS\n auth_pass x }');
  t.deepEqual(shape(statements), [
    ['unicast_peer', [['192.0.2.2']]],
    ['authentication', [['auth_type', 'PASS'], ['auth_pass', 'x']]],
  ]);
});

test('each statement remembers the line of its keyword', (t) => {
  const { statements } = tree('global_defs {\n  router_id lb1\n\n  notification_email {\n    ops@example.org\n  }\n}\n');
  const globalDefs = statements[0];
  t.is(globalDefs?.line, 1);
  t.deepEqual(
    globalDefs?.block?.map((s) => [s.keyword, s.line]),
    [
      ['router_id', 2],
      ['notification_email', 4],
    ],
  );
  t.is(globalDefs?.block?.[1]?.block?.[0]?.line, 5);
});

const unbalanced = test.macro({
  exec(t, text: string, expected: ReadonlyArray<readonly [number, string]>) {
    const error = t.throws(() => parseKeepalived(text, '/etc/keepalived/keepalived.conf'), { instanceOf: ConfigError });
    t.deepEqual(
      error?.problems.map((p) => [p.line, p.message]),
      expected.map(([line, message]) => [line, message]),
    );
    t.is(error?.file, '/etc/keepalived/keepalived.conf');
  },
  title: (given) => given ?? '',
});

test('an extra closing brace is an error on its line', unbalanced, 'global_defs {\n  router_id lb1\n}\n}\n', [[4, "unexpected '}': no block is open here"]]);

test('a block that is never closed is an error on the line that opened it', unbalanced, 'global_defs {\n  router_id lb1\n}\nvrrp_instance VI_1 {\n  state MASTER\n', [
  [4, "'{' is never closed: expected a matching '}' before the end of the configuration"],
]);

test('an opening brace without a keyword is an error', unbalanced, 'global_defs {\n}\n{\n}\n', [
  [3, "unexpected '{': expected a keyword before it (e.g. vrrp_instance NAME {)"],
]);

test('the error message names file and line', (t) => {
  const error = t.throws(() => parseKeepalived('}\n', 'k.conf'), { instanceOf: ConfigError });
  t.is(error?.message, "k.conf:1: unexpected '}': no block is open here");
  t.is(error?.code, 'CONFIG_INVALID');
});

test('parseKeepalived lists include lines without following them', (t) => {
  const model = parseKeepalived('global_defs {\n  router_id lb1\n}\ninclude services/*.conf\n', 'keepalived.conf');
  t.deepEqual(model.includes, [{ file: 'keepalived.conf', line: 4, variant: 'include', pattern: 'services/*.conf' }]);
  t.deepEqual(model.files, ['keepalived.conf']);
});
