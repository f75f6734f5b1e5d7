/**
 * The start-up bundle (scripts/bundle.mjs): built from tsc's output, it is
 * the same CLI in a few files (one per lazily loaded command). It finds lbfw's own files (package.json,
 * profiles) although its modules no longer sit at their tsc depths.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/system/run.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

test('the bundle runs the CLI: --version names the package version, apply --help its options', async (t) => {
  const dir = await mkdtemp(path.join(ROOT, 'dist', 'bundle-test-'));
  try {
    const out = path.join(dir, 'lbfw.mjs');
    const built = await run(['env', `LBFW_BUNDLE_OUT=${dir}`, process.execPath, path.join(ROOT, 'scripts', 'bundle.mjs')]);
    t.is(built.code, 0, built.stderr);
    t.is(built.stderr, '', 'esbuild is a devDependency: the bundle must be built, not skipped');
    const driver = `const { main } = await import(${JSON.stringify(out)}); process.exitCode = await main(process.argv);`;
    const version = await run([process.execPath, '--input-type=module', '-e', driver, 'lbfw', '--version']);
    t.is(version.code, 0, version.stderr);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    t.is(version.stdout.trim(), manifest.version);
    const help = await run([process.execPath, '--input-type=module', '-e', driver, 'lbfw', 'apply', '--help']);
    t.is(help.code, 0, help.stderr);
    t.regex(help.stdout, /--config/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
