/**
 * `lbfw doctor` and the facts file through the real CLI, in-process: exit
 * codes, --list, --json, selected ids and bad facts files.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Io } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/main.js';
import { FactsError } from '../../../src/doctor/errors.js';
import { parseFacts } from '../../../src/doctor/facts-file.js';
import type { Facts } from '../../../src/doctor/facts.js';
import { CHECKS } from '../../../src/doctor/registry.js';
import type { DoctorReport } from '../../../src/doctor/types.js';
import { healthyDirector, healthyRealServer, variant } from './fixtures.js';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lbfw-doctor-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function lbfw(env: Record<string, string | undefined>, isTty: boolean, ...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    isTty,
    env,
  };
  const code = await main(['node', 'lbfw', ...args], io);
  return { code, out, err };
}

async function factsFile(t: ExecutionContext, facts: Facts | string, name = 'facts.json'): Promise<string> {
  const file = path.join(await tempDir(t), name);
  await writeFile(file, typeof facts === 'string' ? facts : JSON.stringify(facts));
  return file;
}

const brokenRealServer = (): Facts =>
  variant(healthyRealServer(), (d) => {
    d.sysctls['net.ipv4.conf.all.arp_ignore'] = '0';
  });

test('doctor --facts of a healthy host exits 0 and says so.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--facts', await factsFile(t, healthyDirector()));
  t.is(run.code, 0, run.err);
  t.regex(run.out, /^lbfw doctor: director lb1, \d+ checks: 0 errors, 0 warnings, 0 info$/m);
  t.regex(run.out, /doctor: no problems found/);
  t.is(run.err, '');
});

test('doctor --facts exits 2 when a finding is an error.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--facts', await factsFile(t, brokenRealServer()));
  t.is(run.code, 2);
  t.regex(run.out, /^Errors \(1\)$/m);
  t.regex(run.out, /^ {2}x rs-arp-ignore {2}eth0$/m);
  t.regex(run.out, /^ {6}fix: {4}lbfw apply --config \/etc\/lbfw\/lbfw\.yaml\n {6}note: {3}or at once, until the next boot: sysctl -w net\.ipv4\.conf\.eth0\.arp_ignore=1$/m);
});

test('doctor exits 0 when findings are only warnings.', async (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.sysctls['net.ipv4.vs.expire_nodest_conn'] = '0';
  });
  const run = await lbfw({}, false, 'doctor', '--facts', await factsFile(t, facts));
  t.is(run.code, 0);
  t.regex(run.out, /doctor: no errors \(see the warnings above\)/);
});

test('doctor --json prints the DoctorReport exactly.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--json', '--facts', await factsFile(t, brokenRealServer()));
  t.is(run.code, 2);
  const report = JSON.parse(run.out) as DoctorReport;
  t.deepEqual(Object.keys(report).sort(), ['checksRun', 'findings', 'ok', 'role']);
  t.false(report.ok);
  t.is(report.role, 'realserver');
  t.deepEqual(report.findings.map((f) => f.id), ['rs-arp-ignore']);
  t.like(report.findings[0], { id: 'rs-arp-ignore', severity: 'error', subject: 'eth0' });
});

test('doctor ID... runs only those checks.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--json', '--facts', await factsFile(t, brokenRealServer()), 'rs-arp-announce', 'rs-not-listening');
  t.is(run.code, 0);
  const report = JSON.parse(run.out) as DoctorReport;
  t.deepEqual(report.checksRun, ['rs-arp-announce', 'rs-not-listening'], 'in registry order');
  t.deepEqual(report.findings, []);
});

test('doctor with a check of the other role notes that it did not run.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--facts', await factsFile(t, healthyRealServer()), 'rp-filter-vip');
  t.is(run.code, 0);
  t.is(run.err, 'note: not run on a realserver: rp-filter-vip (checks of the other role)\n');
});

test('doctor with an unknown check id exits 1 naming it.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--facts', await factsFile(t, healthyRealServer()), 'rs-arp-ingore');
  t.is(run.code, 1);
  t.regex(run.err, /^lbfw: unknown check id rs-arp-ingore \(did you mean rs-arp-ignore\?\)/);
});

test('doctor --list lists every check id once and exits 0.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--list');
  t.is(run.code, 0);
  const ids = run.out.trimEnd().split('\n').map((line) => line.split(/\s+/)[0]);
  t.deepEqual(ids, CHECKS.map((c) => c.id));
  t.is(new Set(ids).size, ids.length);
});

test('doctor --list --json lists id, title and roles.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--list', '--json');
  const listed = JSON.parse(run.out) as { id: string; title: string; roles: string[] }[];
  t.is(listed.length, CHECKS.length);
  t.deepEqual(listed[0], { id: CHECKS[0]?.id, title: CHECKS[0]?.title, roles: CHECKS[0]?.roles });
});

test('Colour only on a terminal without NO_COLOR.', async (t) => {
  const file = await factsFile(t, brokenRealServer());
  t.regex((await lbfw({}, true, 'doctor', '--facts', file)).out, /\u001b\[/);
  t.notRegex((await lbfw({ NO_COLOR: '1' }, true, 'doctor', '--facts', file)).out, /\u001b\[/);
  t.notRegex((await lbfw({}, false, 'doctor', '--facts', file)).out, /\u001b\[/);
});

test('--probe with --facts is a usage error.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--probe', '--facts', await factsFile(t, healthyDirector()));
  t.is(run.code, 1);
  t.regex(run.err, /^lbfw: --probe sends ARP requests from this host; it cannot be combined with --facts/);
});

const badFile = test.macro({
  async exec(t, text: string, message: RegExp) {
    const file = await factsFile(t, text, 'support-ticket.json');
    const run = await lbfw({}, false, 'doctor', '--facts', file);
    t.is(run.code, 1);
    t.is(run.out, '');
    t.true(run.err.startsWith(`lbfw: ${file}: `), run.err);
    t.regex(run.err, message);
  },
  title: (given) => `doctor --facts refuses ${given ?? ''} with exit 1, naming the file and what was expected`,
});

test('a file that is not JSON', badFile, 'Hello', /not JSON .*expected the output of `lbfw facts`/);
test('JSON that is not facts', badFile, '{"ok": true}', /factsVersion: not a facts file: expected JSON written by `lbfw facts`/);
test('facts of another version', badFile, JSON.stringify({ ...healthyDirector(), factsVersion: 2 }), /factsVersion: expected 1, found 2/);
test('facts with a broken link', badFile, JSON.stringify(variant(healthyDirector(), (d) => {
  (d.links[1] as { ifname: unknown }).ifname = 7;
})), /links\[1\]\.ifname: expected a string, found 7/);
test('facts naming a backend lbfw does not have', badFile, JSON.stringify({ ...healthyDirector(), backend: { name: 'iptables', reason: 'by hand' } }), /backend\.name: expected one of "nft", "netlink", "fake", found "iptables"/);
test('facts whose roles disagree', badFile, JSON.stringify(variant(healthyDirector(), (d) => {
  d.role = 'realserver';
})), /config\.role: expected the same role as "role" \("realserver"\), found "director"/);

test('A facts file that does not exist is a typed error.', async (t) => {
  const run = await lbfw({}, false, 'doctor', '--facts', '/nonexistent/facts.json');
  t.is(run.code, 1);
  t.is(run.err, 'lbfw: /nonexistent/facts.json: cannot read it (no such file); expected a facts file written by `lbfw facts > FILE`\n');
});

test('parseFacts throws FactsError with the file and the path in the document.', (t) => {
  const error = t.throws(() => parseFacts(JSON.stringify({ ...healthyDirector(), sysctls: { 'net.ipv4.ip_forward': 0 } }), 'f.json'), { instanceOf: FactsError });
  t.is(error?.file, 'f.json');
  t.is(error?.path, 'sysctls["net.ipv4.ip_forward"]');
  t.is(error?.code, 'FACTS_INVALID');
});

test('parseFacts accepts what the fixtures hold, after a JSON round trip.', (t) => {
  for (const facts of [healthyDirector(), healthyRealServer()]) t.deepEqual(parseFacts(JSON.stringify(facts), 'f.json'), JSON.parse(JSON.stringify(facts)));
});

test('parseFacts checks the iptables, v6only, netns and invocation facts too.', (t) => {
  const good = {
    ...healthyRealServer(),
    v6only: [{ protocol: 'tcp', address: '::', port: 80, v6only: true }],
    netns: { self: 'net:[4026532316]', initial: false },
    iptables: { legacyTables: { ip: ['filter'], ip6: [] }, legacySave: { ip: '*filter\nCOMMIT\n' } },
    invocation: ['--config', '/etc/lbfw/lbfw.yaml'],
    hostProbe: [{ address: '192.0.2.3', role: 'peer', iface: 'eth0', source: '192.0.2.2', macs: ['02:00:00:00:00:03'] }],
  };
  t.deepEqual(parseFacts(JSON.stringify(good), 'f.json'), JSON.parse(JSON.stringify(good)));
  t.throws(() => parseFacts(JSON.stringify({ ...good, hostProbe: [{ ...good.hostProbe[0], role: 'router' }] }), 'f.json'), { instanceOf: FactsError, message: /hostProbe\[0\]\.role/ });
  t.throws(() => parseFacts(JSON.stringify({ ...good, hostProbe: [{ ...good.hostProbe[0], macs: [3] }] }), 'f.json'), { instanceOf: FactsError, message: /hostProbe\[0\]\.macs\[0\]/ });
  t.throws(() => parseFacts(JSON.stringify({ ...good, iptables: { legacyTables: { ip: 'filter', ip6: [] } } }), 'f.json'), { instanceOf: FactsError, message: /iptables\.legacyTables\.ip/ });
  t.throws(() => parseFacts(JSON.stringify({ ...good, v6only: [{ protocol: 'tcp', address: '::', port: 80, v6only: 'yes' }] }), 'f.json'), { instanceOf: FactsError, message: /v6only\[0\]\.v6only/ });
});
