import test from 'ava';
import { ConnTableScanner, parseConnTable, toConnRow, type ConnRow } from '../../../src/overlimit/conn-table.js';
import { ConnTableError } from '../../../src/overlimit/errors.js';
import { CONN_HEADER, CONN_SYNC_HEADER, formatConnRow, type KernelRow } from '../../../src/overlimit/format.js';
import { parseAddress } from '../../../src/net/address.js';
import { randomRow, rng } from '../../helpers/conn-rows.js';

function canonical(address: string): string {
  return parseAddress(address)?.address ?? 'bad';
}

function expected(row: KernelRow, line: number): ConnRow {
  return {
    line,
    protocol: row.protocol,
    family: row.client.includes(':') ? 6 : 4,
    client: canonical(row.client),
    clientPort: row.clientPort,
    vip: canonical(row.vip),
    vport: row.vport,
    realServer: canonical(row.realServer),
    rport: row.rport,
    state: row.state,
    ...(row.origin === undefined ? {} : { origin: row.origin }),
    expires: row.expires,
    template: row.clientPort === 0 || row.protocol === 'IP',
    ...(row.pe === undefined ? {} : { pe: { name: row.pe.slice(0, row.pe.indexOf(' ')), data: row.pe.slice(row.pe.indexOf(' ') + 1) } }),
  };
}

/** Splits `bytes` into pieces of random sizes, as a pipe delivers them. */
function randomChunks(bytes: Buffer, r: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * (r() < 0.5 ? 7 : 5000));
    chunks.push(bytes.subarray(i, i + n));
    i += n;
  }
  return chunks;
}

for (const sync of [false, true]) {
  test(`rows printed with the kernel's ${sync ? 'ip_vs_conn_sync' : 'ip_vs_conn'} format strings parse back to what was printed, in any chunking`, (t) => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = rng(seed);
      const rows = Array.from({ length: 200 }, () => randomRow(r, sync));
      const text = (sync ? CONN_SYNC_HEADER : CONN_HEADER) + rows.map((row) => formatConnRow(row, sync)).join('');
      const parsed = parseConnTable(text, 'random');
      t.deepEqual(parsed.rows, rows.map((row, i) => expected(row, i + 2)), `seed ${seed}`);
      t.is(parsed.stats.sync, sync);
      t.false(parsed.stats.truncatedLastLine);

      const chunked: ConnRow[] = [];
      const scanner = new ConnTableScanner('random', (v) => chunked.push(toConnRow(v)));
      for (const chunk of randomChunks(Buffer.from(text, 'latin1'), r)) scanner.push(chunk);
      t.is(scanner.end().rows, rows.length);
      t.deepEqual(chunked, parsed.rows, `seed ${seed} chunked`);
    }
  });
}

test('a known IPv4 row reads as the addresses it encodes', (t) => {
  const { rows } = parseConnTable(`${CONN_HEADER}TCP C0000201 D431 C000020A 0050 C0000215 0050 ESTABLISHED     897\n`);
  t.like(rows[0], { client: '192.0.2.1', clientPort: 0xd431, vip: '192.0.2.10', vport: 80, realServer: '192.0.2.21', state: 'ESTABLISHED', expires: 897, template: false });
});

test('a persistence template (client port 0000) and a fwmark template (protocol IP) are marked as templates', (t) => {
  const { rows } = parseConnTable(
    `${CONN_HEADER}TCP C0000201 0000 C000020A 0050 C0000215 0050 NONE            300\nIP  C0000201 0000 00000001 0000 C0000215 0000 NONE            300\n`,
  );
  t.deepEqual(rows.map((r) => r.template), [true, true]);
});

test('a cut-off last line is skipped and reported, the rows before it count', (t) => {
  const row = formatConnRow({ protocol: 'TCP', client: '203.0.113.7', clientPort: 1000, vip: '192.0.2.10', vport: 80, realServer: '192.0.2.21', rport: 80, state: 'ESTABLISHED', expires: 897 });
  const { rows, stats } = parseConnTable(`${CONN_HEADER}${row}${row}${row.slice(0, 30)}`);
  t.is(rows.length, 2);
  t.true(stats.truncatedLastLine);
});

test('a malformed row in the middle is an error naming the file and line', (t) => {
  const row = formatConnRow({ protocol: 'TCP', client: '203.0.113.7', clientPort: 1000, vip: '192.0.2.10', vport: 80, realServer: '192.0.2.21', rport: 80, state: 'ESTABLISHED', expires: 897 });
  const error = t.throws(() => parseConnTable(`${CONN_HEADER}${row}TCP ZZ000201 D431 C000020A 0050 C0000215 0050 ESTABLISHED 1\n${row}`, 'saved.conn'), { instanceOf: ConnTableError });
  t.is(error?.line, 3);
  t.regex(error?.message ?? '', /^saved\.conn:3: bad client address/);
});

test('a line longer than any row is refused', (t) => {
  t.throws(() => parseConnTable(`${CONN_HEADER}${'x'.repeat(5000)}\n`), { instanceOf: ConnTableError, message: /longer than 1024 bytes/ });
});

test('mixed families of client and VIP are refused', (t) => {
  t.throws(() => parseConnTable('TCP C0000201 D431 2001:0db8:0000:0000:0000:0000:0000:0010 0050 C0000215 0050 ESTABLISHED 1\n'), { instanceOf: ConnTableError, message: /different families/ });
});
