import test, { type ExecutionContext } from 'ava';
import { ConnTableScanner, parseConnTable, toConnRow, type ConnRow } from '../../../src/overlimit/conn-table.js';
import { ConnTableError } from '../../../src/overlimit/errors.js';
import { CONN_HEADER, CONN_SYNC_HEADER, formatConnRow, type KernelRow } from '../../../src/overlimit/format.js';
import { parseAddress } from '../../../src/net/address.js';
import { randomRow, rng } from '../../helpers/conn-rows.js';
import { ConnCounter } from '../../../src/overlimit/count.js';
import { DEFAULT_OVERLIMIT } from '../../../src/config/overlimit.js';

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

/** Counts of a scan as plain data, to compare two ways of feeding the counter. */
function countsOf(text: string, chunk: number, batches: boolean): unknown {
  const counter = new ConnCounter({ ...DEFAULT_OVERLIMIT, states: ['ESTABLISHED', 'SYN_RECV', 'ERR!'], prefix6: 64 });
  const scanner = new ConnTableScanner('t', (v) => counter.add(v), batches ? { onRows4: (batch) => counter.addRows4(batch) } : {});
  const bytes = Buffer.from(text, 'latin1');
  for (let i = 0; i < bytes.length; i += chunk) scanner.push(bytes.subarray(i, i + chunk));
  return { stats: scanner.end(), summary: counter.summary(), clients: counter.clients() };
}

/** Mostly plain IPv4 rows (the batch path), with every other kind between them. */
function mixedTable(r: () => number, sync: boolean): string {
  const rows = Array.from({ length: 400 }, () => {
    if (r() < 0.7) {
      return formatConnRow({ protocol: r() < 0.8 ? 'TCP' : 'UDP', client: `203.0.113.${Math.floor(r() * 8)}`, clientPort: r() < 0.05 ? 0 : 1 + Math.floor(r() * 65535), vip: `192.0.2.${10 + Math.floor(r() * 3)}`, vport: r() < 0.5 ? 80 : 443, realServer: '192.0.2.21', rport: 80, state: r() < 0.7 ? 'ESTABLISHED' : 'FIN_WAIT', expires: Math.floor(r() * (r() < 0.1 ? 1e7 : 1000)) }, sync);
    }
    return formatConnRow(randomRow(r, sync), sync);
  });
  return (sync ? CONN_SYNC_HEADER : CONN_HEADER) + rows.join('');
}

test('the counter fed batches of plain IPv4 rows counts exactly what it counts fed every row as a view, in any chunking', (t) => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const text = mixedTable(r, seed % 4 === 0);
    const chunk = r() < 0.3 ? 4096 : 1 + Math.floor(r() * 300);
    t.deepEqual(countsOf(text, chunk, true), countsOf(text, 1 << 20, false), `seed ${seed} chunk ${chunk}`);
  }
});

const CORRUPTIONS = ['0', '9', 'A', 'F', 'a', 'f', 'G', ' ', '\n', 'x', 'E', 'S', 'T', 'U', 'D', 'P', '\r', '-', ':'];

/**
 * Each byte of `row` changed to each of CORRUPTIONS, between two good rows:
 * the parse must give what the general parser alone gives (fastPaths:
 * false), the same rows or the same error, whole or in 4 KiB pieces.
 */
function sameAsGeneralParser(t: ExecutionContext, row: string): void {
  for (let at = 0; at < row.length; at++) {
    for (const byte of CORRUPTIONS) {
      const text = CONN_HEADER + row + row.slice(0, at) + byte + row.slice(at + 1) + row;
      const general = (): unknown => {
        const rows: ConnRow[] = [];
        const scanner = new ConnTableScanner('t', (v) => rows.push(toConnRow(v)), { fastPaths: false });
        scanner.push(Buffer.from(text, 'latin1'));
        return { rows, stats: scanner.end() };
      };
      let expectedResult: unknown;
      let expectedError: string | undefined;
      try {
        expectedResult = general();
      } catch (error) {
        expectedError = (error as Error).message;
      }
      const fast = (): unknown => parseConnTable(text, 't');
      if (expectedError === undefined) t.deepEqual(fast(), expectedResult, `byte ${at} -> ${JSON.stringify(byte)}`);
      else t.throws(fast, { message: expectedError }, `byte ${at} -> ${JSON.stringify(byte)}`);
    }
  }
}

test('a plain IPv4 row with any one byte changed reads as the general parser reads it: same rows or the same error', (t) => {
  const plain = formatConnRow({ protocol: 'TCP', client: '203.0.113.7', clientPort: 0xd431, vip: '192.0.2.10', vport: 80, realServer: '192.0.2.21', rport: 80, state: 'ESTABLISHED', expires: 897 });
  t.is(plain.length, 66, 'the plain row is 65 bytes and a line break');
  sameAsGeneralParser(t, plain);
});

test('an IPv6 row (IPv6 or IPv4 real server) with any one byte changed reads as the general parser reads it', (t) => {
  const six = { protocol: 'TCP', client: '2001:db8::7', clientPort: 0xd431, vip: '2001:db8::10', vport: 443, realServer: '2001:db8::21', rport: 443, state: 'ESTABLISHED', expires: 897 };
  t.is(formatConnRow(six).length, 159, 'the IPv6 row is 158 bytes and a line break');
  sameAsGeneralParser(t, formatConnRow(six));
  sameAsGeneralParser(t, formatConnRow({ ...six, protocol: 'UDP', realServer: '192.0.2.21', state: 'SYN_RECV' }));
});
