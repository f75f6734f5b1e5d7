import test from 'ava';
import { DEFAULT_OVERLIMIT } from '../../../src/config/overlimit.js';
import type { HostConfig, OverlimitConfig } from '../../../src/config/model.js';
import { ConnCounter } from '../../../src/overlimit/count.js';
import { parseConnTable, ConnTableScanner } from '../../../src/overlimit/conn-table.js';
import { exemptRanges, widenedExempt } from '../../../src/overlimit/exempt.js';
import { CONN_HEADER, formatConnRow } from '../../../src/overlimit/format.js';
import { banTimeFor, findOffenders, planBans, type OffenceHistory } from '../../../src/overlimit/plan.js';
import { DIRECTOR } from '../../helpers/fixtures.js';

const NOW = new Date('2026-12-02T01:00:00Z');
const NO_HOST = { links: [], gateways: [] };

function rows(client: string, n: number, options: { vip?: string; vport?: number; state?: string; start?: number } = {}): string {
  let text = '';
  for (let i = 0; i < n; i++) {
    text += formatConnRow({
      protocol: 'TCP',
      client,
      clientPort: (options.start ?? 1000) + i,
      vip: options.vip ?? (client.includes(':') ? '2001:db8::10' : '192.0.2.10'),
      vport: options.vport ?? 443,
      realServer: client.includes(':') ? '2001:db8::21' : '192.0.2.21',
      rport: options.vport ?? 443,
      state: options.state ?? 'ESTABLISHED',
      expires: 800,
    });
  }
  return text;
}

function count(text: string, settings: OverlimitConfig): ConnCounter {
  const counter = new ConnCounter(settings);
  const scanner = new ConnTableScanner('t', (v) => counter.add(v));
  scanner.push(Buffer.from(CONN_HEADER + text, 'latin1'));
  scanner.end();
  return counter;
}

function plan(text: string, settings: OverlimitConfig = DEFAULT_OVERLIMIT, extra: { history?: OffenceHistory; active?: { set: 'ban4' | 'ban6'; address: string }[]; config?: HostConfig } = {}) {
  const config = { ...(extra.config ?? DIRECTOR), overlimit: settings };
  const offenders = findOffenders(count(text, settings), settings);
  return {
    offenders,
    plan: planBans({ offenders, exempt: exemptRanges(config, {}, NO_HOST), active: extra.active ?? [], history: extra.history ?? {}, now: NOW, settings }),
  };
}

test('the default limit is 100 ESTABLISHED per client: 100 is fine, 101 is banned for the ban time', (t) => {
  const { plan: p, offenders } = plan(rows('203.0.113.7', 101) + rows('203.0.113.8', 100));
  t.deepEqual(offenders.map((o) => o.client), ['203.0.113.7']);
  t.is(p.actions.length, 1);
  t.like(p.actions[0], { set: 'ban4', address: '203.0.113.7', timeoutSeconds: 600, reassert: false, offence: 1, connections: 101, limit: 100 });
  t.regex(p.actions[0]?.comment ?? '', /^lbfw overlimit: 101 ESTABLISHED > 100 \(all services\) top 192\.0\.2\.10:443\/tcp 2026-12-02T01:00Z offence 1$/);
});

test('only the counted states count: SYN_RECV rows do not make an offender', (t) => {
  t.is(plan(rows('203.0.113.7', 150, { state: 'SYN_RECV' })).offenders.length, 0);
  const settings = { ...DEFAULT_OVERLIMIT, states: ['ESTABLISHED', 'SYN_RECV'] };
  t.is(plan(rows('203.0.113.7', 60, { state: 'SYN_RECV' }) + rows('203.0.113.7', 60, { start: 5000 }), settings).offenders.length, 1);
});

test('a per-service limit catches a client under the overall limit', (t) => {
  const settings: OverlimitConfig = {
    ...DEFAULT_OVERLIMIT,
    services: [{ family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, maxConnections: 20, origin: { kind: 'default' } }],
  };
  const { plan: p } = plan(rows('203.0.113.7', 21, { vport: 80 }) + rows('203.0.113.8', 50, { vport: 443 }), settings);
  t.deepEqual(p.actions.map((a) => [a.client, a.scope, a.connections, a.limit]), [['203.0.113.7', '192.0.2.10:80/tcp', 21, 20]]);
});

test('IPv6 clients are counted per /64: many addresses of one /64 add up to one ban of the prefix', (t) => {
  const text = Array.from({ length: 6 }, (_, i) => rows(`2001:db8:77:1::${i + 1}`, 20, { start: 1000 + i * 100 })).join('');
  const { plan: p } = plan(text);
  t.deepEqual(p.actions.map((a) => [a.client, a.set, a.address, a.connections]), [['2001:db8:77:1::/64', 'ban6', '2001:db8:77:1::', 120]]);
  const per128 = plan(text, { ...DEFAULT_OVERLIMIT, prefix6: 128 });
  t.is(per128.plan.actions.length, 0);
});

test('exempt clients are never banned: management sources, peers, configured exemptions, prefixes holding the host\'s own addresses', (t) => {
  const settings = { ...DEFAULT_OVERLIMIT, exempt: [{ family: 4 as const, address: '203.0.113.0', prefix: 28 }] };
  const text = rows('198.51.100.20', 150) + rows('192.0.2.2', 150) + rows('203.0.113.9', 150) + rows('203.0.113.99', 150);
  const { plan: p } = plan(text, settings);
  t.deepEqual(p.actions.map((a) => a.client), ['203.0.113.99']);
  t.deepEqual(p.exempted.map((e) => [e.client, e.role]).sort(), [
    ['192.0.2.2', 'peer director'],
    ['198.51.100.20', 'management source'],
    ['203.0.113.9', 'overlimit.exempt'],
  ]);
  // A /64 that holds the director's own on-link address would break neighbour discovery.
  const config = { ...DIRECTOR, overlimit: DEFAULT_OVERLIMIT };
  const own = exemptRanges(config, {}, { links: [{ ifname: 'eth0', loopback: false, answersArp: true, up: true, addresses: [{ ifname: 'eth0', family: 6, address: '2001:db8:5:5::1', prefix: 64 }] }], gateways: ['203.0.113.1'] });
  const offenders = findOffenders(count(rows('2001:db8:5:5::99', 150) + rows('203.0.113.1', 150), DEFAULT_OVERLIMIT), DEFAULT_OVERLIMIT);
  const result = planBans({ offenders, exempt: own, active: [], history: {}, now: NOW, settings: DEFAULT_OVERLIMIT });
  t.is(result.actions.length, 0);
  t.deepEqual(result.exempted.map((e) => e.role).sort(), ['default gateway', "this host's own address (eth0 2001:db8:5:5::1/64)"]);
});

test('clients on a network the host is connected to are exempt, saying which, unless overlimit.exempt_connected_networks is false', (t) => {
  const host = {
    links: [
      { ifname: 'lo', loopback: true, answersArp: false, up: true, addresses: [{ ifname: 'lo', family: 4 as const, address: '127.0.0.1', prefix: 8 }, { ifname: 'lo', family: 4 as const, address: '192.0.2.10', prefix: 32 }] },
      { ifname: 'eth0', loopback: false, answersArp: true, up: true, addresses: [{ ifname: 'eth0', family: 4 as const, address: '203.0.113.5', prefix: 24 }, { ifname: 'eth0', family: 6 as const, address: 'fe80::5', prefix: 64 }] },
    ],
    gateways: [],
  };
  const bare = { ...DIRECTOR, management: { ...DIRECTOR.management, sources: [], allow: [] }, peers: [], services: [], realServers: [] };
  const offenders = findOffenders(count(rows('203.0.113.50', 150) + rows('198.51.100.77', 150), DEFAULT_OVERLIMIT), DEFAULT_OVERLIMIT);
  const exempt = exemptRanges({ ...bare, overlimit: DEFAULT_OVERLIMIT }, {}, host);
  t.deepEqual(exempt.filter((e) => e.role.startsWith('a network')).map((e) => [e.address, e.role]), [
    ['203.0.113.0/24', 'a network this host is connected to (eth0 203.0.113.5/24; overlimit.exempt_connected_networks)'],
  ]);
  const byDefault = planBans({ offenders, exempt, active: [], history: {}, now: NOW, settings: DEFAULT_OVERLIMIT });
  t.deepEqual(byDefault.actions.map((a) => a.client), ['198.51.100.77']);
  t.deepEqual(byDefault.exempted.map((e) => [e.client, e.exemptBy]), [['203.0.113.50', '203.0.113.0/24']]);

  const off = { ...DEFAULT_OVERLIMIT, exemptConnectedNetworks: false };
  const narrow = planBans({ offenders, exempt: exemptRanges({ ...bare, overlimit: off }, {}, host), active: [], history: {}, now: NOW, settings: off });
  t.deepEqual(narrow.actions.map((a) => a.client).sort(), ['198.51.100.77', '203.0.113.50']);
});

test('a client still over the limit while banned is re-asserted, not counted as a new offence', (t) => {
  const history = { '203.0.113.7': { offences: 1, last: '2026-12-02T00:50:00.000Z' } };
  const { plan: p } = plan(rows('203.0.113.7', 150), DEFAULT_OVERLIMIT, { history, active: [{ set: 'ban4', address: '203.0.113.7' }] });
  t.like(p.actions[0], { reassert: true, offence: 1, timeoutSeconds: 600 });
  t.deepEqual(p.history['203.0.113.7'], history['203.0.113.7']);
});

test('repeat offenders escalate through the configured ban times; old offences expire from the history', (t) => {
  const settings = { ...DEFAULT_OVERLIMIT, escalation: [3600, 86400] };
  t.deepEqual([1, 2, 3, 4].map((n) => banTimeFor(settings, n)), [600, 3600, 86400, 86400]);
  const recent = { '203.0.113.7': { offences: 2, last: '2026-12-01T20:00:00.000Z' } };
  const { plan: p } = plan(rows('203.0.113.7', 150), settings, { history: recent });
  t.like(p.actions[0], { offence: 3, timeoutSeconds: 86400, reassert: false });
  t.deepEqual(p.history['203.0.113.7'], { offences: 3, last: NOW.toISOString() });
  const old = { '203.0.113.7': { offences: 2, last: '2026-11-30T00:00:00.000Z' }, '203.0.113.50': { offences: 1, last: '2026-11-29T00:00:00.000Z' } };
  const again = plan(rows('203.0.113.7', 150), settings, { history: old });
  t.like(again.plan.actions[0], { offence: 1, timeoutSeconds: 600 });
  t.deepEqual(Object.keys(again.plan.history), ['203.0.113.7']);
});

test('the summary counts rows, templates, states and services', (t) => {
  const text = rows('203.0.113.7', 3) + rows('203.0.113.8', 2, { state: 'FIN_WAIT' }) + 'TCP CB007107 0000 C000020A 01BB C0000215 01BB NONE            300\n';
  const summary = count(text, DEFAULT_OVERLIMIT).summary();
  t.deepEqual(summary, {
    rows: 6,
    connections: 5,
    counted: 3,
    templates: 1,
    byState: { ESTABLISHED: 3, FIN_WAIT: 2 },
    byOrigin: {},
    byService: [{ service: '192.0.2.10:443/tcp', connections: 3 }],
    clients: 1,
  });
  t.is(parseConnTable(CONN_HEADER + text).rows.length, 6);
});

test('exempt ranges are widened to whole ban prefixes for the kernel\'s SYN-rate rule', (t) => {
  const bare = { ...DIRECTOR, management: { ...DIRECTOR.management, sources: [], allow: [] }, peers: [], services: [], realServers: [] };
  const exempt = exemptRanges(bare, {}, {
    links: [{ ifname: 'eth0', loopback: false, answersArp: true, up: true, addresses: [{ ifname: 'eth0', family: 6, address: '2001:db8:5:5::1', prefix: 64 }] }],
    gateways: ['2001:db8:9:9::1', '192.0.2.1'],
  });
  // Each exempt address widens to its whole ban prefix: ::1 (loopback) to ::/64, the own address and the gateway to theirs.
  t.deepEqual(widenedExempt(exempt, 6, 64), ['::/64', '2001:db8:5:5::/64', '2001:db8:9:9::/64', 'fe80::/10']);
  t.deepEqual(widenedExempt(exempt, 4, 24), ['127.0.0.0/8', '192.0.2.0/24']);
});
