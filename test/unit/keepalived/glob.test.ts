import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { expandBraces, glob, hasWildcard } from '../../../src/keepalived/glob.js';

const braces = test.macro({
  exec(t, pattern: string, expected: readonly string[]) {
    t.deepEqual(expandBraces(pattern), expected);
  },
  title: (given, pattern: string) => given ?? `braces of ${pattern} are expanded`,
});

test(braces, 'a{b,c}d', ['abd', 'acd']);
test(braces, '{x,y}/{1,2}', ['x/1', 'x/2', 'y/1', 'y/2']);
test(braces, 'a{b,c{d,e}}f', ['abf', 'acdf', 'acef']);
test(braces, 'a{,b}', ['a', 'ab']);
test('a brace group without a comma stays literal', braces, 'a{b}c', ['a{b}c']);
test('an escaped brace stays literal', braces, 'a\\{b,c}', ['a\\{b,c}']);

const wildcard = test.macro({
  exec(t, pattern: string, expected: boolean) {
    t.is(hasWildcard(pattern), expected);
  },
  title: (given, pattern: string, expected: boolean) => given ?? `${pattern} ${expected ? 'has' : 'has no'} wildcard`,
});

test(wildcard, 'services/*.conf', true);
test(wildcard, 'services/web?.conf', true);
test(wildcard, 'services/[ab].conf', true);
test(wildcard, '{vrrp,lvs}.conf', true);
test(wildcard, 'services/web.conf', false);
test(wildcard, 'services/\\*.conf', false);

test('glob matches *, ? and [...] per path component, sorted, without dot files', async (t) => {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'lbfw-glob-')));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const name of ['a/x.conf', 'a/y.conf', 'a/.hidden.conf', 'b/x.conf', 'b/x.txt', 'c/z.conf', 'B/x.conf']) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), '');
  }
  const rel = async (pattern: string) => (await glob(path.join(dir, pattern))).map((p) => path.relative(dir, p));
  t.deepEqual(await rel('*/x.conf'), ['B/x.conf', 'a/x.conf', 'b/x.conf']);
  t.deepEqual(await rel('a/*.conf'), ['a/x.conf', 'a/y.conf']);
  t.deepEqual(await rel('a/.*.conf'), ['a/.hidden.conf']);
  t.deepEqual(await rel('[ab]/?.conf'), ['a/x.conf', 'a/y.conf', 'b/x.conf']);
  t.deepEqual(await rel('[!ab]/*'), ['B/x.conf', 'c/z.conf']);
  t.deepEqual(await rel('[a-b]/x.*'), ['a/x.conf', 'b/x.conf', 'b/x.txt']);
  t.deepEqual(await rel('missing/*.conf'), []);
  t.deepEqual(await rel('a/x.conf'), ['a/x.conf']);
  t.deepEqual(await rel('a/none.conf'), []);
});
