import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Io } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/main.js';
import { NO_CONFIG_MESSAGE } from '../../../src/config/load.js';
import { DEFAULT_CONFIG_PATH } from '../../../src/config/model.js';

/** What one in-process run of lbfw returned and printed. */
interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** A temp dir removed after the test; lbfw's state dir points inside it. */
async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lbfw-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * lbfw runs `lbfw ARGS` in-process with a capturing Io. The environment is
 * only what is given: no LBFW_CONFIG, no SSH_CONNECTION, state under `dir`.
 */
async function lbfw(dir: string, ...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    isTty: false,
    env: { LBFW_STATE_DIR: path.join(dir, 'state'), LBFW_ROOT: path.join(dir, 'root') },
  };
  const code = await main(['node', 'lbfw', ...args], io);
  return { code, out, err };
}

/** write puts `text` into `dir/name` and returns the path. */
async function write(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

/** A director config with one VIP and the blacklist `blacklist` beside it. */
async function directorConfig(dir: string, blacklist: string): Promise<string> {
  return write(dir, 'lbfw.yaml', `role: director\nservices: ["192.0.2.10:80/tcp"]\nblacklist: ${blacklist}\n`);
}

/** Lines of stderr, without the empty one after the last newline. */
function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/**
 * Tests that run without --config read the default config path when it exists;
 * on a host that has one they would test that file, so they are skipped there.
 */
const withoutDefaultConfig = existsSync(DEFAULT_CONFIG_PATH) ? test.skip : test;

/** A stack trace frame as Node prints it. */
const STACK_FRAME = /^\s+at /m;

test('--help exits 0 and prints the usage', async (t) => {
  const run = await lbfw(await tempDir(t), '--help');
  t.is(run.code, 0);
  t.regex(run.out, /^Usage: lbfw \[options\] \[command\]$/m);
  t.regex(run.out, /^ {2}plan /m);
  t.is(run.err, '');
});

test('an unknown command exits 1 and names the command', async (t) => {
  const run = await lbfw(await tempDir(t), 'frobnicate');
  t.is(run.code, 1);
  t.is(run.err, "lbfw: unknown command 'frobnicate': see `lbfw --help`\n");
  t.is(run.out, '');
});

test('plan with a config file exits 0 and prints the table with the blacklist beside the config', async (t) => {
  const dir = await tempDir(t);
  await write(dir, 'static_blacklist', '203.0.113.7  # scanner\n');
  const run = await lbfw(dir, 'plan', '--config', await directorConfig(dir, 'static_blacklist'));
  t.is(run.err, '');
  t.is(run.code, 0);
  t.regex(run.out, /^table inet lbfw \{$/m);
  t.true(run.out.includes('\tset vip4_services {\n\t\ttype ipv4_addr . inet_proto . inet_service\n\t\telements = { 192.0.2.10 . tcp . 80 }\n\t}'));
  t.true(run.out.includes('\tset bl4_hosts {\n\t\ttype ipv4_addr\n\t\tsize 65536\n\t\telements = { 203.0.113.7 }\n\t}'));
});

test('plan --json prints the plan as parseable JSON', async (t) => {
  const dir = await tempDir(t);
  await write(dir, 'static_blacklist', '203.0.113.7\n');
  const run = await lbfw(dir, 'plan', '--json', '--config', await directorConfig(dir, 'static_blacklist'));
  t.is(run.code, 0);
  t.is(run.err, '');
  const plan = JSON.parse(run.out) as {
    config: { role: string; blacklistPath: string };
    firewall: { ruleset: { sets: Array<{ name: string; elements: string[] }>; chains: Array<{ name: string }> } };
  };
  t.is(plan.config.role, 'director');
  t.is(plan.config.blacklistPath, path.join(dir, 'static_blacklist'));
  t.deepEqual(plan.firewall.ruleset.sets.find((s) => s.name === 'vip4_services')?.elements, ['192.0.2.10 . tcp . 80']);
  t.deepEqual(plan.firewall.ruleset.sets.find((s) => s.name === 'bl4_hosts')?.elements, ['203.0.113.7']);
  t.deepEqual(
    plan.firewall.ruleset.chains.map((c) => c.name),
    ['prerouting', 'input', 'forward'],
  );
});

test('plan with an unknown config key exits 1 with one line naming file and line, no stack trace', async (t) => {
  const dir = await tempDir(t);
  await write(dir, 'static_blacklist', '');
  const config = await write(dir, 'lbfw.yaml', 'role: director\nservics: ["192.0.2.10:80/tcp"]\nblacklist: static_blacklist\n');
  const run = await lbfw(dir, 'plan', '--config', config);
  t.is(run.code, 1);
  t.is(run.out, '');
  t.is(lines(run.err).length, 1, run.err);
  t.true(run.err.startsWith(`lbfw: ${config}:2: unknown key "servics"`), run.err);
  t.notRegex(run.err, STACK_FRAME);
});

test('plan with a config file that does not exist exits 1 naming the file', async (t) => {
  const dir = await tempDir(t);
  const missing = path.join(dir, 'missing.yaml');
  const run = await lbfw(dir, 'plan', '--config', missing);
  t.is(run.code, 1);
  t.is(lines(run.err).length, 1, run.err);
  t.true(run.err.startsWith(`lbfw: ${missing}:`), run.err);
  t.true(run.err.includes('no such file'), run.err);
});

test('plan with a bad blacklist line exits 1 naming the blacklist file and line', async (t) => {
  const dir = await tempDir(t);
  const blacklist = await write(dir, 'static_blacklist', '203.0.113.7\n203.0.113.300\n');
  const run = await lbfw(dir, 'plan', '--config', await directorConfig(dir, 'static_blacklist'));
  t.is(run.code, 1);
  t.is(run.out, '');
  t.is(lines(run.err).length, 1, run.err);
  t.true(run.err.startsWith(`lbfw: ${blacklist}:2: `), run.err);
  t.true(run.err.includes('203.0.113.300'), run.err);
  t.notRegex(run.err, STACK_FRAME);
});

test('blacklist check exits 0 for a file whose every line is good', async (t) => {
  const dir = await tempDir(t);
  const blacklist = await write(dir, 'static_blacklist', '# scanners\n203.0.113.7\n203.0.113.64/26  # a whole block\n2001:db8:bad::1\n');
  const run = await lbfw(dir, 'blacklist', 'check', blacklist);
  t.is(run.code, 0);
  t.is(run.err, '');
  t.is(run.out, `${blacklist}: 3 entries, all valid; 2 hosts and 1 ranges after merging\n`);
});

test('blacklist check exits 1 and lists every bad line as FILE:LINE', async (t) => {
  const dir = await tempDir(t);
  const blacklist = await write(dir, 'static_blacklist', '203.0.113.7\n203.0.113.300\n2001:db8:bad::1\nnonsense\n203.0.113.0/33\n');
  const run = await lbfw(dir, 'blacklist', 'check', blacklist);
  t.is(run.code, 1);
  t.deepEqual(
    lines(run.err).map((line) => line.slice(0, line.indexOf(': '))),
    [`${blacklist}:2`, `${blacklist}:4`, `${blacklist}:5`],
  );
  t.is(run.out, `${blacklist}: 3 bad lines (of 5 entries); 2 hosts and 0 ranges after merging\n`);
});

test('a blacklist entry covering the VIP makes plan exit 1 and point at --force', async (t) => {
  const dir = await tempDir(t);
  const blacklist = await write(dir, 'static_blacklist', '# too wide\n192.0.2.0/24\n');
  const run = await lbfw(dir, 'plan', '--config', await directorConfig(dir, 'static_blacklist'));
  t.is(run.code, 1);
  t.is(run.out, '');
  t.true(run.err.startsWith('lbfw: '), run.err);
  t.true(run.err.includes('--force'), run.err);
  t.true(run.err.includes(`${blacklist}:2: 192.0.2.0/24 would block 192.0.2.10`), run.err);
  t.notRegex(run.err, STACK_FRAME);
});

test('plan --force loads an entry covering the VIP with a WARNING on stderr', async (t) => {
  const dir = await tempDir(t);
  const blacklist = await write(dir, 'static_blacklist', '# too wide\n192.0.2.0/24\n');
  const run = await lbfw(dir, 'plan', '--force', '--config', await directorConfig(dir, 'static_blacklist'));
  t.is(run.code, 0);
  // The same entry may also cover this machine's own addresses (read from the host): those warnings are extra lines.
  const warnings = lines(run.err);
  t.true(warnings.includes(`WARNING: ${blacklist}:2: 192.0.2.0/24 blocks 192.0.2.10 (VIP 192.0.2.10 tcp/80) -- loaded because of --force`), run.err);
  t.true(warnings.every((line) => line.startsWith(`WARNING: ${blacklist}:2: 192.0.2.0/24 blocks `)), run.err);
  t.true(run.out.includes('\tset bl4_nets {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 192.0.2.0/24 }\n\t}'));
});

withoutDefaultConfig('plan from quick flags alone exits 0', async (t) => {
  const dir = await tempDir(t);
  const blacklist = await write(dir, 'static_blacklist', '203.0.113.7\n');
  const run = await lbfw(dir, 'plan', '--role', 'realserver', '--vip', '192.0.2.10:80', '--blacklist', blacklist);
  t.is(run.code, 0);
  t.is(run.err, '');
  t.regex(run.out, /^role: realserver \(command-line flags\)$/m);
  t.false(run.out.includes('set peers4'));
});

withoutDefaultConfig('plan without a config and without --role exits 1 saying how to give one', async (t) => {
  const run = await lbfw(await tempDir(t), 'plan');
  t.is(run.code, 1);
  t.is(run.out, '');
  t.is(run.err, `lbfw: ${NO_CONFIG_MESSAGE}\n`);
});
