import test from 'ava';
import { Readable } from 'node:stream';
import { addBan, banTarget, listBans, removeBan } from '../../../src/ban/manage.js';
import { renderEnsureScript } from '../../../src/ban/table.js';
import { banTableSpec } from '../../../src/ban/spec.js';
import { fillAlarms } from '../../../src/ban/fill.js';
import { parseConfig } from '../../../src/config/parse.js';
import { DEFAULT_OVERLIMIT } from '../../../src/config/overlimit.js';
import { ConfigError } from '../../../src/errors.js';
import { FakeBanBackend } from '../../../src/nft/ban-fake.js';
import { BanError, ConnTableTooSlowError } from '../../../src/overlimit/errors.js';
import { CONN_HEADER, formatConnRow } from '../../../src/overlimit/format.js';
import { runOverlimit } from '../../../src/overlimit/run.js';
import { DIRECTOR } from '../../helpers/fixtures.js';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-t-ban-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const NO_HOST = { links: [], gateways: [] };
const CONFIG = { ...DIRECTOR, overlimit: { ...DEFAULT_OVERLIMIT, escalation: [3600] } };

function table(clients: Record<string, number>): string {
  let text = CONN_HEADER;
  for (const [client, n] of Object.entries(clients)) {
    for (let i = 0; i < n; i++) text += formatConnRow({ protocol: 'TCP', client, clientPort: 1024 + i, vip: '192.0.2.10', vport: 80, realServer: '192.0.2.21', rport: 80, state: 'ESTABLISHED', expires: 800 });
  }
  return text;
}

function stdin(text: string): Readable {
  return Readable.from([Buffer.from(text, 'latin1')]);
}

test('overlimit puts offenders into the timed set with timeout and comment, and a dry run changes nothing', async (t) => {
  await withTempDir(async (dir) => {
    const backend = new FakeBanBackend();
    const conn = table({ '203.0.113.7': 150, '203.0.113.8': 20, '198.51.100.20': 500 });
    const dry = await runOverlimit(CONFIG, { connFile: '-', stdin: stdin(conn), dryRun: true, banBackend: backend, stateDir: dir, surroundings: NO_HOST, env: {} });
    t.deepEqual(dry.plan.actions.map((a) => a.client), ['203.0.113.7']);
    t.deepEqual(backend.writes, []);
    t.false(dry.applied);

    const real = await runOverlimit(CONFIG, { connFile: '-', stdin: stdin(conn), banBackend: backend, stateDir: dir, surroundings: NO_HOST, env: {} });
    t.true(real.applied);
    t.deepEqual(real.plan.exempted.map((e) => e.client), ['198.51.100.20']);
    const bans = await backend.list();
    t.is(bans.length, 1);
    t.like(bans[0], { set: 'ban4', address: '203.0.113.7', timeoutSeconds: 600, expiresSeconds: 600 });
    t.regex(bans[0]?.comment ?? '', /^lbfw overlimit: 150 ESTABLISHED > 100/);

    // Still over the limit a minute later: the ban's timeout starts again.
    backend.advance(60);
    const again = await runOverlimit(CONFIG, { connFile: '-', stdin: stdin(conn), banBackend: backend, stateDir: dir, surroundings: NO_HOST, env: {} });
    t.true(again.plan.actions[0]?.reassert);
    t.like((await backend.list())[0], { expiresSeconds: 600 });

    // After the ban expired, the next offence escalates.
    backend.advance(601);
    t.is((await backend.list()).length, 0);
    const third = await runOverlimit(CONFIG, { connFile: '-', stdin: stdin(conn), banBackend: backend, stateDir: dir, surroundings: NO_HOST, env: {} });
    t.like(third.plan.actions[0], { offence: 2, timeoutSeconds: 3600, reassert: false });
  });
});

test('a ban set past 80% raises the fill alarm; a full one is marked full', async (t) => {
  t.deepEqual(fillAlarms([{ set: 'ban4', elements: 79, size: 100 }, { set: 'ban6', elements: 80, size: 100 }, { set: 'autoban4', elements: 100, size: 100 }]).map((a) => [a.set, a.full]), [
    ['ban6', false],
    ['autoban4', true],
  ]);
  const backend = new FakeBanBackend();
  const config = { ...CONFIG, overlimit: { ...CONFIG.overlimit, setSize: 16 } };
  await backend.ensure(banTableSpec(config, []));
  await backend.put(Array.from({ length: 13 }, (_, i) => ({ set: 'ban4' as const, address: `203.0.113.${i + 1}`, timeoutSeconds: 60 })));
  t.deepEqual(fillAlarms(await backend.fill()).map((a) => [a.set, a.elements, a.size]), [['ban4', 13, 16]]);
  await t.throwsAsync(backend.put(Array.from({ length: 4 }, (_, i) => ({ set: 'ban4' as const, address: `203.0.113.${100 + i}`, timeoutSeconds: 60 }))));
  t.is((await backend.list()).length, 13, 'a transaction that does not fit changes nothing');
});

test('ban add widens to the ban prefix, refuses exempt and too-wide targets; remove lifts it', async (t) => {
  const backend = new FakeBanBackend();
  const options = { banBackend: backend, env: {}, surroundings: NO_HOST, now: new Date('2026-12-02T01:00:00Z') };
  const added = await addBan(CONFIG, '2001:db8:66:1::abcd', { timeoutSeconds: 3600, comment: 'ticket "4711"' }, options);
  t.like(added, { set: 'ban6', timeoutSeconds: 3600, comment: "lbfw ban add: ticket '4711' 2026-12-02T01:00Z" });
  t.is(added.target.client, '2001:db8:66:1::/64');
  await t.throwsAsync(addBan(CONFIG, '198.51.100.20', {}, options), { instanceOf: BanError, message: /management source/ });
  t.throws(() => banTarget(CONFIG, '203.0.113.0/24'), { instanceOf: BanError, message: /wider than the ban prefix \/32/ });
  const listed = await listBans(CONFIG, options);
  t.deepEqual(listed.bans.map((b) => [b.client, b.by]), [['2001:db8:66:1::/64', 'operator']]);
  t.deepEqual((await removeBan(CONFIG, '2001:db8:66:1::', options)).removedFrom, ['ban6']);
  t.is((await backend.list()).length, 0);
});

test('the ensure script keeps bans (add, never delete or flush of a ban set) and hooks before lbfw\'s raw chain', (t) => {
  const script = renderEnsureScript(banTableSpec({ ...CONFIG, overlimit: { ...CONFIG.overlimit, synRate: { perSecond: 20, burst: 10, meterSize: 4096, banSeconds: 300 } } }, []));
  t.false(/delete|flush set inet lbfw_ban (auto)?ban/.test(script));
  t.regex(script, /add chain inet lbfw_ban prerouting \{ type filter hook prerouting priority -310;/);
  t.regex(script, /add set inet lbfw_ban synmeter4 \{ type ipv4_addr \. ipv4_addr \. inet_service; size 4096; flags dynamic,timeout;/);
  t.regex(script, /update @synmeter6 \{ ip6 saddr & ffff:ffff:ffff:ffff:: \. ip6 daddr \. tcp dport limit rate over 20\/second burst 10 packets \} add @autoban6/);
  t.regex(script, /add element inet lbfw_ban syn_services4 \{ 192\.0\.2\.10 \. tcp \. 443, 192\.0\.2\.10 \. tcp \. 80 \}/);
});

test('the overlimit section of lbfw.yaml is read with its defaults, and wrong values name their line', (t) => {
  const config = parseConfig(
    ['role: director', 'overlimit:', '  max_connections: 50', '  ban_time: 15m', '  escalation: [1h, 1d]', '  ipv6_prefix: 56', '  exempt: [203.0.113.0/28]', '  syn_rate: { rate: 30 }', ''].join('\n'),
    '/etc/lbfw/lbfw.yaml',
  );
  t.like(config.overlimit, { maxConnections: 50, banSeconds: 900, escalation: [3600, 86400], prefix6: 56, prefix4: 32, states: ['ESTABLISHED'], synRate: { perSecond: 30, burst: 100, meterSize: 65536, banSeconds: 600 } });
  const error = t.throws(() => parseConfig(['role: director', 'overlimit:', '  ban_time: soon', '  set_size: 3', ''].join('\n'), 'x.yaml'), { instanceOf: ConfigError });
  t.deepEqual((error as ConfigError).problems.map((p) => p.line), [3, 4]);
});

test('overlimit.exempt_connected_networks is true by default, takes true or false, and names its line otherwise', (t) => {
  t.true(parseConfig(['role: director', 'overlimit:', '  max_connections: 50', ''].join('\n'), 'a.yaml').overlimit?.exemptConnectedNetworks);
  t.false(parseConfig(['role: director', 'overlimit:', '  exempt_connected_networks: false', ''].join('\n'), 'b.yaml').overlimit?.exemptConnectedNetworks);
  const error = t.throws(() => parseConfig(['role: director', 'overlimit:', '  exempt_connected_networks: maybe', ''].join('\n'), 'c.yaml'), { instanceOf: ConfigError });
  t.deepEqual((error as ConfigError).problems.map((p) => [p.line, p.message]), [[3, 'overlimit.exempt_connected_networks: expected true or false; got "maybe"']]);
});

/** A table of `rows` connections over a few clients (none over the limit). */
function bigTable(rows: number): string {
  const clients: Record<string, number> = {};
  for (let i = 0; i < rows; i++) clients[`198.51.100.${i % 250}`] = (clients[`198.51.100.${i % 250}`] ?? 0) + 1;
  return table(clients);
}

test('on a kernel before 6.14 a big kernel table is refused past overlimit.max_rows_old_kernel, and nothing changes', async (t) => {
  await withTempDir(async (dir) => {
    const backend = new FakeBanBackend();
    const config = { ...CONFIG, overlimit: { ...CONFIG.overlimit, maxRowsOldKernel: 1000 } };
    const conn = bigTable(900) + table({ '203.0.113.7': 150 });
    const options = { connFile: '-', banBackend: backend, stateDir: dir, surroundings: NO_HOST, env: {}, kernelTable: true };
    const refused = await t.throwsAsync(runOverlimit(config, { ...options, stdin: stdin(conn), kernel: '6.1.0-27-amd64' }), { instanceOf: ConnTableTooSlowError });
    t.regex(refused?.message ?? '', /kernel 6\.1\.0-27-amd64 reads \/proc\/net\/ip_vs_conn in quadratic time \(fixed in 6\.14\) and the table has more than 1000 rows \(stopped after 1001\); nothing was changed/);
    t.deepEqual(backend.writes, []);
    t.deepEqual(await readdir(dir), [], 'no history or lock written');

    // The same table on 6.14, or saved to a file and read on the old kernel: read whole, the offender banned.
    const linear = await runOverlimit(config, { ...options, stdin: stdin(conn), kernel: '6.14.0' });
    t.deepEqual(linear.plan.actions.map((a) => a.client), ['203.0.113.7']);
    t.deepEqual(linear.warnings, []);
    const saved = await runOverlimit(config, { ...options, kernelTable: false, stdin: stdin(conn), kernel: '5.10.0', dryRun: true });
    t.is(saved.stats.rows, 1050);
  });
});

test('the old-kernel limit counts rows, not lines: a table of exactly the limit is read, one row more stops at that row', async (t) => {
  await withTempDir(async (dir) => {
    const config = { ...CONFIG, overlimit: { ...CONFIG.overlimit, maxRowsOldKernel: 1000 } };
    const options = { connFile: '-', banBackend: new FakeBanBackend(), stateDir: dir, surroundings: NO_HOST, env: {}, kernelTable: true, kernel: '6.1.0-27-amd64', dryRun: true };
    // In 4 KiB pieces, as a pipe gives them, and whole.
    const pieces = (text: string): Readable => {
      const bytes = Buffer.from(text, 'latin1');
      return Readable.from(Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => bytes.subarray(i * 4096, (i + 1) * 4096)));
    };
    for (const source of [stdin, pieces]) {
      const exact = await runOverlimit(config, { ...options, stdin: source(bigTable(1000)) });
      t.is(exact.stats.rows, 1000);
      const over = await t.throwsAsync(runOverlimit(config, { ...options, stdin: source(bigTable(1001) + bigTable(500).slice(CONN_HEADER.length)) }), { instanceOf: ConnTableTooSlowError });
      t.is(over?.rows, 1001);
      t.regex(over?.message ?? '', /more than 1000 rows \(stopped after 1001\)/);
    }
  });
});

test('on a kernel before 6.14 a kernel table of more than 50k rows (under the limit) is read with a warning', async (t) => {
  await withTempDir(async (dir) => {
    const result = await runOverlimit(CONFIG, { connFile: '-', stdin: stdin(bigTable(60_000)), dryRun: true, banBackend: new FakeBanBackend(), stateDir: dir, surroundings: NO_HOST, env: {}, kernelTable: true, kernel: '6.12.9' });
    t.is(result.stats.rows, 60_000);
    t.is(result.warnings.length, 1);
    t.regex(result.warnings[0] ?? '', /^kernel 6\.12\.9 reads \/proc\/net\/ip_vs_conn in quadratic time \(fixed in 6\.14\): 60000 rows took \d+\.\d s$/);
    const modern = await runOverlimit(CONFIG, { connFile: '-', stdin: stdin(bigTable(60_000)), dryRun: true, banBackend: new FakeBanBackend(), stateDir: dir, surroundings: NO_HOST, env: {}, kernelTable: true, kernel: '6.18.2' });
    t.deepEqual(modern.warnings, []);
  });
});
