import test from 'ava';
import { DEFAULT_OVERLIMIT } from '../../../src/config/overlimit.js';
import { ConnTableScanner } from '../../../src/overlimit/conn-table.js';
import { ConnCounter, type CountOptions } from '../../../src/overlimit/count.js';
import { CONN_HEADER, CONN_SYNC_HEADER, formatConnRow } from '../../../src/overlimit/format.js';
import { nativeScanner } from '../../../src/overlimit/native-count.js';
import { loadNative } from '../../../src/nft/netlink/native.js';
import { randomRow, rng } from '../../helpers/conn-rows.js';

const binding = loadNative();
const built = typeof binding !== 'string' && binding.conn4Scan !== undefined;
/** Without the addon these tests cannot run; the build (native/build.sh) says why it is missing. */
const nativeTest = built ? test : test.skip;

function int(r: () => number, n: number): number {
  return Math.floor(r() * n);
}

/**
 * A random table: mostly plain IPv4 rows of a few clients and up to eight
 * services (so tuples repeat, and clients have more services than a slot
 * holds), with every other kind between them (IPv6, templates, PE data, the
 * sync variant's Origin, unknown states, other protocols), sometimes
 * lower-case hex, CR LF line ends, or a truncated last line.
 */
function randomTable(r: () => number, options: { sync: boolean; plainOnly: boolean }): string {
  const clients = 1 + int(r, 40);
  const vips = 1 + int(r, 4);
  const rows: string[] = [];
  const count = int(r, 2000);
  for (let i = 0; i < count; i++) {
    let row: string;
    if (options.plainOnly || r() < 0.8) {
      row = formatConnRow(
        {
          protocol: r() < 0.8 ? 'TCP' : 'UDP',
          client: `198.18.${int(r, 2)}.${int(r, clients)}`,
          clientPort: r() < 0.05 ? 0 : 1 + int(r, 65535),
          vip: `192.0.2.${10 + int(r, vips)}`,
          vport: r() < 0.5 ? 80 : 443,
          realServer: `192.0.2.${21 + int(r, 3)}`,
          rport: 80,
          state: ['ESTABLISHED', 'ESTABLISHED', 'FIN_WAIT', 'SYN_RECV', 'CLOSE', 'NONE', 'UDP'][int(r, 7)] as string,
          // Past 9,999,999 seconds the row is longer than a plain row: the TypeScript parser reads it.
          expires: int(r, !options.plainOnly && r() < 0.1 ? 4294967295 : 1000),
        },
        options.sync,
      );
    } else row = formatConnRow(randomRow(r, options.sync), options.sync);
    if (!options.plainOnly && r() < 0.02) row = row.toLowerCase();
    if (!options.plainOnly && r() < 0.02) row = `${row.slice(0, -1)}\r\n`;
    rows.push(row);
  }
  let text = (options.sync ? CONN_SYNC_HEADER : CONN_HEADER) + rows.join('');
  if (r() < 0.2) text = text.slice(0, text.length - 1 - int(r, 40));
  return text;
}

/** Pieces of random sizes: a few bytes, a pipe's 4 KiB, or large reads. */
function pieces(bytes: Buffer, r: () => number): Buffer[] {
  const out: Buffer[] = [];
  const kind = int(r, 3);
  for (let i = 0; i < bytes.length; ) {
    const n = kind === 0 ? 1 + int(r, 200) : kind === 1 ? 4096 : 1 + int(r, 1 << 16);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** The whole result of one scan as plain data, or the error's message. */
function scan(text: string, chunks: readonly Buffer[], options: CountOptions, native: { maxTuples: number } | undefined): unknown {
  const counter = new ConnCounter(options);
  const sink = native === undefined ? undefined : nativeScanner(counter, {}, native.maxTuples);
  if (sink !== undefined && !('sink' in sink)) throw new Error(`no native scanner: ${sink.why}`);
  const scanner = new ConnTableScanner('t', (v) => counter.add(v), sink === undefined ? { onRows4: (batch) => counter.addRows4(batch) } : { plainRows: sink.sink });
  try {
    for (const chunk of chunks) scanner.push(chunk);
    return { stats: scanner.end(), summary: counter.summary(), clients: counter.clients() };
  } catch (error) {
    return { error: (error as Error).message, text: text.length };
  }
}

nativeTest('the native scanner counts exactly what the TypeScript scanner counts: random tables of every kind of row, any pieces', (t) => {
  let fast = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const r = rng(seed);
    const plainOnly = seed % 3 === 0;
    const text = randomTable(r, { sync: !plainOnly && seed % 5 === 0, plainOnly });
    const chunks = pieces(Buffer.from(text, 'latin1'), r);
    const options: CountOptions = { ...DEFAULT_OVERLIMIT, prefix4: [32, 24, 31, 0][int(r, 4)] as number, prefix6: 64, states: r() < 0.5 ? ['ESTABLISHED'] : ['ESTABLISHED', 'SYN_RECV', 'ERR!', 'UDP'] };
    // A tiny native table fills again and again: its tuples are handed over each time.
    const maxTuples = r() < 0.3 ? 1 + int(r, 8) : 1 << 19;
    const expected = scan(text, chunks, options, undefined);
    t.deepEqual(scan(text, chunks, options, { maxTuples }), expected, `seed ${seed}`);
    if (plainOnly && maxTuples === 1 << 19) fast++;
  }
  t.true(fast > 25, 'tables of plain rows only (read from the native tuples as they are) are among them');
});

nativeTest('a plain row with any one byte changed counts the same natively as in TypeScript: same counts or the same error', (t) => {
  const plain = formatConnRow({ protocol: 'TCP', client: '203.0.113.7', clientPort: 0xd431, vip: '192.0.2.10', vport: 80, realServer: '192.0.2.21', rport: 80, state: 'ESTABLISHED', expires: 897 });
  const options: CountOptions = { ...DEFAULT_OVERLIMIT, states: ['ESTABLISHED', 'ESTABLISHEE', 'ESTABLISHED '] };
  for (let at = 0; at < plain.length; at++) {
    for (const byte of ['0', '9', 'A', 'F', 'a', 'f', 'G', 'g', ' ', '\n', 'x', '/', ':', '@', '`', '\r', '\u00c1', 'E', 'U', 'D']) {
      const text = CONN_HEADER + plain + plain.slice(0, at) + byte + plain.slice(at + 1) + plain;
      const chunks = [Buffer.from(text, 'latin1')];
      t.deepEqual(scan(text, chunks, options, { maxTuples: 1 << 19 }), scan(text, chunks, options, undefined), `byte ${at} -> ${JSON.stringify(byte)}`);
    }
  }
});

nativeTest('the row limit stops the native scan at the same row', (t) => {
  const row = formatConnRow({ protocol: 'TCP', client: '203.0.113.7', clientPort: 1000, vip: '192.0.2.10', vport: 80, realServer: '192.0.2.21', rport: 80, state: 'ESTABLISHED', expires: 897 });
  const text = CONN_HEADER + row.repeat(100);
  const run = (native: boolean): string => {
    const counter = new ConnCounter(DEFAULT_OVERLIMIT);
    const sink = nativeScanner(counter, {});
    const scanner: ConnTableScanner = new ConnTableScanner('t', (v) => counter.add(v), {
      ...(native && 'sink' in sink ? { plainRows: sink.sink } : { onRows4: (batch) => counter.addRows4(batch) }),
      rowLimit: { rows: 57, error: (rows: number): Error => new Error(`more than 57: ${rows} at row ${scanner.rows}`) },
    });
    return t.throws(() => scanner.push(Buffer.from(text, 'latin1')))?.message ?? '';
  };
  t.is(run(true), run(false));
  t.is(run(true), 'more than 57: 58 at row 57');
});

test('without the addon (LBFW_NO_NATIVE=1) there is no native scanner, and the reason says why', (t) => {
  const scanner = nativeScanner(new ConnCounter(DEFAULT_OVERLIMIT), { LBFW_NO_NATIVE: '1' });
  t.false('sink' in scanner);
  t.regex('why' in scanner ? scanner.why : '', /LBFW_NO_NATIVE=1/);
});
