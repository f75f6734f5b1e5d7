import test from 'ava';
import { DEFAULT_OVERLIMIT } from '../../../src/config/overlimit.js';
import { ConnCounter, fold6 } from '../../../src/overlimit/count.js';
import { parseAddress } from '../../../src/net/address.js';
import { ConnTableScanner } from '../../../src/overlimit/conn-table.js';
import { CONN_HEADER, formatConnRow } from '../../../src/overlimit/format.js';
import { rng } from '../../helpers/conn-rows.js';

interface Conn {
  readonly client: string;
  readonly vip: string;
  readonly vport: number;
}

function table(conns: readonly Conn[]): string {
  return (
    CONN_HEADER +
    conns
      .map((c, i) =>
        formatConnRow({
          protocol: 'TCP',
          client: c.client,
          clientPort: 1000 + i,
          vip: c.vip,
          vport: c.vport,
          realServer: c.client.includes(':') ? '2001:db8::21' : '192.0.2.21',
          rport: c.vport,
          state: 'ESTABLISHED',
          expires: 800,
        }),
      )
      .join('')
  );
}

/** The counts as a plain Map<client, Map<service, n>>: the simple model the typed-array counter must agree with. */
function model(conns: readonly Conn[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const c of conns) {
    const service = c.vip.includes(':') ? `[${c.vip}]:${c.vport}/tcp` : `${c.vip}:${c.vport}/tcp`;
    const client = c.client;
    const services = out.get(client) ?? new Map<string, number>();
    services.set(service, (services.get(service) ?? 0) + 1);
    out.set(client, services);
  }
  return out;
}

function counted(conns: readonly Conn[], chunk: number): Map<string, Map<string, number>> {
  const counter = new ConnCounter({ ...DEFAULT_OVERLIMIT, prefix6: 128 });
  const scanner = new ConnTableScanner('t', (v) => counter.add(v));
  const bytes = Buffer.from(table(conns), 'latin1');
  for (let i = 0; i < bytes.length; i += chunk) scanner.push(bytes.subarray(i, i + chunk));
  scanner.end();
  const out = new Map<string, Map<string, number>>();
  for (const client of counter.clients()) {
    t_total(client.connections, client.services);
    out.set(client.client, new Map(client.services.map((s) => [s.service, s.connections])));
  }
  return out;
}

function t_total(total: number, services: readonly { connections: number }[]): void {
  if (services.reduce((sum, s) => sum + s.connections, 0) !== total) throw new Error('per-service counts do not add up to the total');
}

const CLIENTS4 = ['203.0.113.7', '198.51.100.1', '192.0.2.200', '255.255.255.254', '0.0.0.1', '64.0.0.1', '127.255.255.255', '128.0.0.0'];
const CLIENTS6 = ['2001:db8::7', '2001:db8:1::1'];
const VIPS4 = ['192.0.2.10', '192.0.2.11', '192.0.2.12'];

/** Order-free form of the counts, for comparing. */
function sorted(counts: Map<string, Map<string, number>>): [string, [string, number][]][] {
  return [...counts].map(([client, services]): [string, [string, number][]] => [client, [...services].sort()]).sort();
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

function randomConn(r: () => number): Conn {
  return r() < 0.8
    ? { client: pick(r, CLIENTS4), vip: pick(r, VIPS4), vport: 1 + Math.floor(r() * 4) }
    : { client: pick(r, CLIENTS6), vip: '2001:db8::10', vport: 1 + Math.floor(r() * 9) };
}

test('the counter agrees with a plain map, also for clients of more services than their slot holds, at any chunk size', (t) => {
  for (let seed = 1; seed <= 100; seed++) {
    const r = rng(seed);
    const conns = Array.from({ length: Math.floor(r() * 300) }, () => randomConn(r));
    const chunk = 1 + Math.floor(r() * 200);
    t.is(JSON.stringify(sorted(counted(conns, chunk))), JSON.stringify(sorted(model(conns))), `seed ${seed}`);
  }
});

test('one client of twelve services is counted per service (past the five a slot holds)', (t) => {
  const conns: Conn[] = [];
  for (let vport = 1; vport <= 12; vport++) for (let i = 0; i < vport; i++) conns.push({ client: '203.0.113.9', vip: '192.0.2.10', vport });
  const services = counted(conns, 4096).get('203.0.113.9');
  t.is(services?.size, 12);
  t.is(services?.get('192.0.2.10:12/tcp'), 12);
  t.is(services?.get('192.0.2.10:6/tcp'), 6);
  t.is(services?.get('192.0.2.10:1/tcp'), 1);
});

test('thousands of clients grow the table and keep every count', (t) => {
  const conns: Conn[] = [];
  for (let i = 0; i < 5000; i++) conns.push({ client: `198.51.${(i >> 8) & 255}.${i & 255}`, vip: '192.0.2.10', vport: 80 }, { client: `198.51.${(i >> 8) & 255}.${i & 255}`, vip: '192.0.2.11', vport: 80 });
  const result = counted(conns, 65536);
  t.is(result.size, 5000);
  t.deepEqual([...(result.get('198.51.19.135') ?? [])].sort(), [['192.0.2.10:80/tcp', 1], ['192.0.2.11:80/tcp', 1]]);
});

function canonical(address: string): string {
  return parseAddress(address)?.address ?? 'bad';
}

function groupsText(groups: Uint16Array): string {
  return Array.from(groups, (g) => g.toString(16)).join(':');
}

test('IPv6 clients are counted per /64 and services per VIP, also for two VIPs whose 32-bit folds collide', (t) => {
  // Two VIPs with the same fold, found by search (a birthday search over 32 bits: some 80k tries).
  const r = rng(11);
  const seen = new Map<number, Uint16Array>();
  let pair: [Uint16Array, Uint16Array] | undefined;
  while (pair === undefined) {
    const groups = Uint16Array.from([0x2001, 0xdb8, 0, 0, Math.floor(r() * 65536), Math.floor(r() * 65536), Math.floor(r() * 65536), Math.floor(r() * 65536)]);
    const other = seen.get(fold6(groups));
    if (other !== undefined && groupsText(other) !== groupsText(groups)) pair = [other, groups];
    else seen.set(fold6(groups), groups);
  }
  const vips = pair.map((g) => canonical(groupsText(g)));
  const conns: Conn[] = [];
  for (let i = 0; i < 300; i++) conns.push({ client: `2001:db8:${(i % 3) + 1}::${(i % 7) + 1}`, vip: vips[i % 2] as string, vport: 443 });
  const counter = new ConnCounter(DEFAULT_OVERLIMIT);
  const scanner = new ConnTableScanner('t', (v) => counter.add(v));
  scanner.push(Buffer.from(table(conns), 'latin1'));
  scanner.end();
  const expected = new Map<string, Map<string, number>>();
  for (const c of conns) {
    const prefix = `${c.client.slice(0, c.client.indexOf('::'))}::/64`;
    const services = expected.get(prefix) ?? new Map<string, number>();
    services.set(`[${c.vip}]:443/tcp`, (services.get(`[${c.vip}]:443/tcp`) ?? 0) + 1);
    expected.set(prefix, services);
  }
  const got = new Map(counter.clients().map((c) => [c.client, new Map(c.services.map((s) => [s.service, s.connections]))]));
  t.is(JSON.stringify(sorted(got)), JSON.stringify(sorted(expected)));
  t.deepEqual(counter.summary().byService.map((s) => s.service).sort(), vips.map((v) => `[${v}]:443/tcp`).sort());
});
