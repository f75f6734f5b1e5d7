/**
 * The production commands' outputs as an operator meets them: units that
 * systemd-analyze accepts, completion that bash loads, a man page groff
 * renders, and commander's errors as one `lbfw:` line.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main.js';
import type { Io } from '../../../src/cli/io.js';
import { quoteExecArg } from '../../../src/units/render.js';

interface Captured {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function lbfw(args: string[], env: Record<string, string | undefined> = {}): Promise<Captured> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s), isTty: false, env };
  const code = await main(['node', 'lbfw', ...args], io);
  return { code, out, err };
}

const required = process.env['LBFW_REQUIRE_SYSTEM_TESTS'] === '1';
function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}
/** A test needing `tool`: skipped locally without it, failing where the system tests are required (CI installs it). */
function withTool(tool: string, title: string, fn: (t: ExecutionContext) => Promise<void>): void {
  if (hasTool(tool)) test(title, fn);
  else if (required) test(title, (t) => t.fail(`${tool} is not installed (.ci/run installs it)`));
  else test.skip(`${title} (skipped: no ${tool})`, () => undefined);
}

const root = mkdtempSync(path.join(tmpdir(), 'lbfw-t-units-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

withTool('systemd-analyze', 'install-units writes units with this lbfw\'s real paths, enabled, and systemd-analyze verify accepts each', async (t) => {
  const result = await lbfw(['install-units', '--root', root]);
  t.is(result.code, 0, result.err);
  t.is((await lbfw(['man', '--output', path.join(root, 'man/man1/lbfw.1')])).code, 0);
  const dir = path.join(root, 'etc/systemd/system');
  for (const name of ['lbfw-firewall.service', 'lbfw.service']) {
    const file = path.join(dir, name);
    const text = readFileSync(file, 'utf8');
    t.true(text.includes(`ExecStart=${process.execPath} ${path.resolve('bin/lbfw')} apply`), text);
    // Documentation=man:lbfw(1) is checked with man(1): the page npm installs, here from a MANPATH.
    const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', env: { ...process.env, MANPATH: path.join(root, 'man') } });
    t.is(verify.status, 0, verify.stderr);
    // Warnings about this unit itself (unknown keys, bad paths) would name it.
    t.notRegex(verify.stderr.split('\n').filter((l) => !/non-existent unit|Cannot add dependency/.test(l)).join('\n'), new RegExp(`${name}:\\d+`));
  }
  const firewall = readFileSync(path.join(dir, 'lbfw-firewall.service'), 'utf8');
  t.regex(firewall, /^DefaultDependencies=no$/m);
  t.regex(firewall, /^Before=network-pre\.target/m);
  t.regex(firewall, /^Wants=network-pre\.target$/m);
  t.regex(firewall, /apply --only firewall$/m);
  const full = readFileSync(path.join(dir, 'lbfw.service'), 'utf8');
  t.regex(full, /^After=network-online\.target lbfw-firewall\.service$/m);
  t.regex(full, /^Before=keepalived\.service$/m);
  t.is(readlinkSync(path.join(dir, 'sysinit.target.wants/lbfw-firewall.service')), '/etc/systemd/system/lbfw-firewall.service');
  t.is(readlinkSync(path.join(dir, 'multi-user.target.wants/lbfw.service')), '/etc/systemd/system/lbfw.service');
  t.is(readlinkSync(path.join(dir, 'keepalived.service.wants/lbfw.service')), '/etc/systemd/system/lbfw.service');
  // Idempotent: a second run rewrites nothing.
  t.regex((await lbfw(['install-units', '--root', root])).out, /unchanged .*lbfw\.service/);
});

test('Exec words with specifier, variable and blank characters are escaped for systemd', (t) => {
  t.is(quoteExecArg('/opt/node 20/bin/node'), '"/opt/node 20/bin/node"');
  t.is(quoteExecArg('/srv/100%/lbfw'), '/srv/100%%/lbfw');
  t.is(quoteExecArg('/srv/$HOME'), '/srv/$$HOME');
});

withTool('bash', 'bash loads the completion and completes commands, doctor ids and lab faults', async (t) => {
  const script = (await lbfw(['completion', 'bash'])).out;
  const file = path.join(root, 'lbfw.bash');
  writeFileSync(file, script);
  const complete = (words: string[]): string => {
    const shell = `source ${file}; complete -p lbfw; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _lbfw; echo "\${COMPREPLY[*]}"`;
    const result = spawnSync('bash', ['--norc', '-c', shell], { encoding: 'utf8' });
    t.is(result.status, 0, result.stderr);
    return result.stdout;
  };
  t.regex(complete(['lbfw', '']), /^complete -F _lbfw lbfw$/m);
  t.deepEqual(complete(['lbfw', 'in']).split('\n')[1]?.split(' '), ['install-units']);
  t.deepEqual(complete(['lbfw', 'doctor', 'rs-arp-']).split('\n')[1]?.split(' ').sort(), ['rs-arp-announce', 'rs-arp-ignore']);
  t.regex(complete(['lbfw', 'lab', 'up', '--fault', 'rs-vip-']).split('\n')[1] ?? '', /^rs-vip-missing rs-vip-slash24 rs-vip-on-eth0$/);
  t.regex(complete(['lbfw', 'apply', '--con']).split('\n')[1] ?? '', /--config/);
  t.deepEqual(complete(['lbfw', 'plan', '--role', '']).split('\n')[1]?.split(' '), ['director', 'realserver']);
});

withTool('zsh', 'zsh parses the completion function', async (t) => {
  const file = path.join(root, '_lbfw');
  writeFileSync(file, (await lbfw(['completion', 'zsh'])).out);
  const result = spawnSync('zsh', ['-f', '-c', `compdef() { :; }; source ${file}; whence -w _lbfw`], { encoding: 'utf8' });
  t.is(result.status, 0, result.stderr);
  t.regex(result.stdout, /_lbfw: function/);
});

withTool('groff', 'the man page lists every command and renders without warnings', async (t) => {
  const page = (await lbfw(['man'])).out;
  for (const command of ['lbfw plan', 'lbfw apply', 'lbfw install-units', 'lbfw uninstall', 'lbfw metrics', 'lbfw lab up', 'lbfw doctor']) {
    t.true(page.includes(`.SS "${command.replace(/-/g, '\\-')}`), command);
  }
  const render = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
  t.is(render.status, 0);
  t.is(render.stderr, '');
});

const usageCases: [string, string[], RegExp][] = [
  ['an unknown command', ['frob'], /^lbfw: unknown command 'frob': see `lbfw --help`\n$/],
  ['an unknown option', ['plan', '--bogus'], /^lbfw: unknown option '--bogus': see `lbfw plan --help`\n$/],
  ['a bad choice', ['plan', '--role', 'router'], /^lbfw: option '--role <role>' argument 'router' is invalid\. Allowed choices are director, realserver: see `lbfw plan --help`\n$/],
  ['a missing argument', ['lab', 'exec'], /^lbfw: missing required argument 'node': see `lbfw lab exec --help`\n$/],
  ['an unknown fault', ['lab', 'up', '--fault', 'nope'], /^lbfw: unknown fault "nope": use one of rs-answers-arp, .*`lbfw lab faults` explains each\)\n$/],
];
for (const [what, args, expected] of usageCases) {
  test(`${what} is one lbfw: line saying what to do, exit 1`, async (t) => {
    const result = await lbfw(args);
    t.is(result.code, 1);
    t.regex(result.err, expected);
    t.notRegex(result.err, /internal error/);
  });
}

withTool('setpriv', 'lab up and demo run as an ordinary user say they need root, exit 1', async (t) => {
  const launcher = path.resolve('bin/lbfw');
  // As root, drop to nobody for the run (setpriv is util-linux); as a user, run as is.
  const asUser = (args: string[]) =>
    process.getuid?.() === 0
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, launcher, ...args], { encoding: 'utf8' })
      : spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8' });
  const up = asUser(['lab', 'up']);
  t.is(up.status, 1);
  t.is(up.stderr, 'lbfw: lbfw lab up needs root (it creates network namespaces): run it with sudo\n');
  const demo = asUser(['demo']);
  t.is(demo.status, 1);
  t.regex(demo.stderr, /^lbfw: lbfw demo needs root \(.*\): run it with sudo\n$/);
});
