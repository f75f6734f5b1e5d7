/**
 * The start-up bundle (scripts/bundle.mjs): built from tsc's output, it is
 * the same CLI in one CommonJS file with V8's code cache beside it
 * (bin/load-bundle.cjs). It finds lbfw's own files (package.json,
 * profiles) although its modules no longer sit at their tsc depths; the
 * cache is used only for the bundle it was made from.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/system/run.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function lengthOf(file: string): number {
  return readFileSync(file, 'utf8').length;
}

test('the bundle runs the CLI: --version names the package version, apply --help its options', async (t) => {
  const dir = await mkdtemp(path.join(ROOT, 'dist', 'bundle-test-'));
  try {
    const out = path.join(dir, 'lbfw.cjs');
    const built = await run(['env', `LBFW_BUNDLE_OUT=${dir}`, process.execPath, path.join(ROOT, 'scripts', 'bundle.mjs')]);
    t.is(built.code, 0, built.stderr);
    t.is(built.stderr, '', 'esbuild is a devDependency: the bundle must be built, not skipped');
    const loader = JSON.stringify(path.join(ROOT, 'bin', 'load-bundle.cjs'));
    const driver = `const loaded = require(${loader}).loadBundle(${JSON.stringify(out)});
      if (process.env.EXPECT_CACHE === '1' && (loaded.cacheUsed !== true)) throw new Error('the code cache was not used');
      if (process.env.EXPECT_CACHE === '0' && (loaded.cacheUsed !== false)) throw new Error('a code cache was used');
      loaded.exports.main(process.argv).then((code) => { process.exitCode = code; });`;
    const version = await run(['env', 'EXPECT_CACHE=1', process.execPath, '-e', driver, 'lbfw', '--version']);
    t.is(version.code, 0, version.stderr);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    t.is(version.stdout.trim(), manifest.version);
    const help = await run(['env', 'EXPECT_CACHE=1', process.execPath, '-e', driver, 'lbfw', 'apply', '--help']);
    t.is(help.code, 0, help.stderr);
    t.regex(help.stdout, /--config/);
    t.true(JSON.parse(readFileSync(path.join(dir, 'profiles.json'), 'utf8')).profiles['director-dr'] !== undefined, 'the shipped profiles are compiled');
    // The overlimit bundle (bin/lbfw's choice for `lbfw overlimit`): the same command, with its own cache, and no other command.
    const own = driver.replace(JSON.stringify(out), JSON.stringify(path.join(dir, 'overlimit.cjs')));
    const overlimitHelp = await run(['env', 'EXPECT_CACHE=1', process.execPath, '-e', own, 'lbfw', 'overlimit', '--help']);
    t.is(overlimitHelp.code, 0, overlimitHelp.stderr);
    t.regex(overlimitHelp.stdout, /--conn-file/);
    t.true(readFileSync(path.join(dir, 'overlimit.cjs'), 'utf8').length < lengthOf(out) * 0.7, 'the overlimit bundle leaves the other commands out');
    // The apply bundle (bin/lbfw's choice for `lbfw apply` and `lbfw verify`, the boot units' commands): both, with its own cache, smaller.
    const applyBundle = driver.replace(JSON.stringify(out), JSON.stringify(path.join(dir, 'apply.cjs')));
    for (const command of ['apply', 'verify']) {
      const own = await run(['env', 'EXPECT_CACHE=1', process.execPath, '-e', applyBundle, 'lbfw', command, '--help']);
      t.is(own.code, 0, own.stderr);
      const full = await run([process.execPath, '-e', driver, 'lbfw', command, '--help']);
      t.is(own.stdout, full.stdout, `${command} --help is the same in both bundles`);
    }
    t.true(lengthOf(path.join(dir, 'apply.cjs')) < lengthOf(out) * 0.7, 'the apply bundle leaves the doctor, the lab and the other commands out');
    // commander's node:child_process is loaded on first use (scripts/bundle.mjs, lazy-builtins): a command that
    // runs a program still runs it. As root, in a network namespace of its own (unshare, gone when it exits):
    // verify on the nft backend runs `nft`, which finds no lbfw table there.
    if (process.getuid?.() === 0) {
      const config = path.join(dir, 'lbfw.yaml');
      writeFileSync(config, 'role: director\nservices: ["192.0.2.10:80/tcp"]\nmanagement:\n  sources: [198.51.100.0/24]\n');
      const verify = await run(['unshare', '--net', 'env', 'LBFW_BACKEND=nft', process.execPath, '-e', applyBundle, 'lbfw', 'verify', '--json', '--config', config, '--state-dir', path.join(dir, 'state'), '--root', path.join(dir, 'root')]);
      t.is(verify.code, 2, verify.stderr);
      // Exit 2 with the table named missing is nft's answer; a broken stand-in would be a TypeError, exit 1.
      const report = JSON.parse(verify.stdout) as { firewall?: { drift?: { subject: string; message: string }[] } };
      t.deepEqual(report.firewall?.drift, [{ subject: 'table inet lbfw', message: 'lbfw table is not loaded' }]);
      // The boot unit's path from this bundle, on the default backend: apply loads the table, verify
      // finds it as built (one namespace for both: sh runs them inside the one unshare made).
      const blacklist = path.join(dir, 'static_blacklist');
      writeFileSync(blacklist, '203.0.113.7\n2001:db8::7\n');
      writeFileSync(config, `role: director\nservices: ["192.0.2.10:80/tcp"]\nmanagement:\n  sources: [198.51.100.0/24]\nblacklist: ${blacklist}\n`);
      const args = ['--config', config, '--state-dir', path.join(dir, 'boot-state'), '--root', path.join(dir, 'root')];
      const boot = await run(['unshare', '--net', 'sh', '-c', 's=$1; shift; "$0" -e "$s" lbfw apply --only firewall "$@" >/dev/null && "$0" -e "$s" lbfw verify --only firewall --json "$@"', process.execPath, applyBundle, ...args]);
      t.is(boot.code, 0, boot.stderr + boot.stdout);
      const booted = JSON.parse(boot.stdout) as { firewall?: { drift?: unknown[] } };
      t.deepEqual(booted.firewall?.drift, [], 'verify finds the table apply loaded');
    }
    // A bundle changed after its cache was made (same length, so V8's own check passes) runs without the cache.
    const source = readFileSync(out, 'utf8');
    t.true(source.includes('firewall and kernel settings for IPVS'));
    writeFileSync(out, source.replace('firewall and kernel settings for IPVS', 'FIREWALL AND KERNEL SETTINGS FOR IPVS'));
    const changed = await run(['env', 'EXPECT_CACHE=0', process.execPath, '-e', driver, 'lbfw', '--version']);
    t.is(changed.code, 0, changed.stderr);
    t.is(changed.stdout.trim(), manifest.version);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
