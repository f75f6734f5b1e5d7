/**
 * The addon's blacklist loops (native/src/hosts4_scan.c) against the
 * TypeScript paths they stand in for: the same parse outcome for any bytes,
 * the same sorted order for any values.
 */
import test from 'ava';
import { hostsNative, nativeDeal4, nativeSortU32 } from '../../../src/blacklist/native-hosts.js';
import { ElementOrderError, ipv4ShardsFromValues, type ElementList } from '../../../src/nft/model/elements.js';
import { parseBlacklistBytes, type HostScan, type ParsedBlacklist } from '../../../src/blacklist/parse.js';
import { sortUint32 } from '../../../src/net/sort-u32.js';
import { xorshift32 } from '../../helpers/random.js';

const native = hostsNative({});
/**
 * Without the addon these tests cannot run (native/build.sh says why); in CI
 * (LBFW_REQUIRE_SYSTEM_TESTS=1) that is a failure, not a skip.
 */
const nativeTest = 'hostScan' in native || process.env['LBFW_REQUIRE_SYSTEM_TESTS'] === '1' ? test : test.skip;

function scan(): HostScan {
  if (!('hostScan' in native)) throw new Error(`the addon's blacklist scanner is missing: ${native.why}`);
  return native.hostScan;
}

/** Everything a parse gives, as plain data (the entries getter read, the column copied). */
function outcome(parsed: ParsedBlacklist): unknown {
  return {
    entries: parsed.entries,
    hosts: parsed.columns === undefined ? undefined : { values: [...parsed.columns.hosts.values], lines: [...parsed.columns.hosts.lines] },
    rest: parsed.columns?.rest,
    problems: parsed.problems,
    warnings: parsed.warnings,
  };
}

function same(t: import('ava').ExecutionContext, bytes: Buffer, label: string): void {
  t.deepEqual(outcome(parseBlacklistBytes(bytes, 'bl', { hostScan: scan() })), outcome(parseBlacklistBytes(bytes, 'bl')), label);
}

const CASES: readonly (string | Buffer)[] = [
  '',
  '\n',
  '\n\n',
  '192.0.2.1',
  '192.0.2.1\n',
  '192.0.2.1\n10.0.0.0\n255.255.255.255\n0.0.0.0',
  '192.0.2.1\r\n192.0.2.2\r\n192.0.2.3\r',
  '192.0.2.1\r192.0.2.2\n192.0.2.3\r\r\n192.0.2.4\r \n192.0.2.5 \r\n',
  '  192.0.2.1\t\n\t \n192.0.2.2  \n \t192.0.2.3 \t\n',
  '\ufeff192.0.2.1\n192.0.2.2\n',
  '192.0.2.1\n\ufeff192.0.2.2\n',
  '01.2.3.4\n1.2.3.04\n1.2.3.00\n0.0.0.00\n256.1.1.1\n1.1.1.256\n1.1.1.1000\n0001.1.1.1\n1.2.3\n1.2.3.\n.1.2.3.4\n1..2.3\n1.2.3.4.5\n',
  '192.0.2.1 # a comment\n192.0.2.0/24\n192.0.2.7/24\n192.0.2.1-192.0.2.9\n2001:db8::1\n::ffff:192.0.2.1\n# only a comment\n#\n',
  'not-an-address\n192.0.2.1 5\n; comment\n192.0.2.1/33\n192.0.2.1x\nx192.0.2.1\n192.0.2.1%eth0\n-\n192.0.2.9-192.0.2.1\n',
  '192.0.2.1 # Zürich\nbücher.example\n192.0.2.2 # ✓\n',
  Buffer.concat([Buffer.from('192.0.2.1'), Buffer.from([0xff]), Buffer.from('\n192.0.2.2 # '), Buffer.from([0xe2, 0x82]), Buffer.from('\n192.0.2.3\n')]),
  Buffer.concat([Buffer.from('192.0.2.1\n'), Buffer.from([0xe2, 0x82])]),
  '192.0.2.1\n192.0.2',
  // Lines of 16 bytes and more (the SSE2 path's window) and of 7-15, right up to the end of the file.
  '111.222.233.244\n111.222.233.244 \n111.222.233.2444\n111.222.233.255\n1.1.1.1\n255.255.255.255',
  '10.100.200.250\n10.100.200.25\n10.100.200.2\n10.100.2.250\n1.2.3.4\n',
  '0.0.0.0\n00.0.0.0\n0.0.0.0 \n 0.0.0.0\n255.255.255.255\r\n255.255.255.256\n',
];

nativeTest('the C scanner parses each edge case as the TypeScript loop does', (t) => {
  for (const [i, text] of CASES.entries()) same(t, typeof text === 'string' ? Buffer.from(text, 'utf8') : text, `case ${i}: ${JSON.stringify(String(text)).slice(0, 60)}`);
});

/** One random line: mostly plain hosts, with every kind of near miss and other entry between them. */
function randomLine(r: () => number): string {
  const octet = (): string => String(r() % 256);
  const host = (): string => `${octet()}.${octet()}.${octet()}.${octet()}`;
  const blanks = (): string => [' ', '\t', '', '', ''][r() % 5] as string;
  switch (r() % 20) {
    case 0:
      return `${blanks()}${host()}${blanks()}`;
    case 1:
      return `${host()} # note ${r() % 10}`;
    case 2:
      return `${host().replace(/^(\d)/, '0$1')}`;
    case 3:
      return `${host()}/${r() % 34}`;
    case 4:
      return `${host()}-${host()}`;
    case 5:
      return `2001:db8::${(r() % 65536).toString(16)}`;
    case 6:
      return ['', '#', '# comment', '   ', '\t'][r() % 5] as string;
    case 7:
      return `${octet()}.${octet()}.${octet()}.${r() % 1200}`;
    case 8:
      return `${octet()}.${octet()}.${octet()}`;
    case 9:
      return `${host()}.${octet()}`;
    case 10:
      return `${host()}\r`;
    case 11:
      return `${host()}x`;
    case 12:
      return `::ffff:${host()}`;
    default:
      return host();
  }
}

nativeTest('the C scanner parses 300 random files as the TypeScript loop does (hosts, near misses, other entries, CRLF, blanks, no final newline)', (t) => {
  const r = xorshift32(20261202);
  for (let file = 0; file < 300; file++) {
    const lines = Array.from({ length: r() % 200 }, () => randomLine(r));
    let text = lines.join(r() % 4 === 0 ? '\r\n' : '\n');
    if (r() % 2 === 0) text += '\n';
    if (r() % 10 === 0) text = `\ufeff${text}`;
    const bytes = Buffer.from(text, 'utf8');
    // Now and then a random byte anywhere, including non-ASCII ones.
    if (r() % 3 === 0 && bytes.length > 0) bytes[r() % bytes.length] = r() % 256;
    same(t, bytes, `file ${file}`);
  }
});

nativeTest('every single-byte change, deletion and insertion in a small file of plain hosts parses as the TypeScript loop does', (t) => {
  const base = Buffer.from('192.0.2.1\n10.20.30.40\r\n 1.2.3.4 \n255.255.255.255\n100.200.250.199\n0.0.0.0', 'ascii');
  const bytes = [0x30, 0x31, 0x35, 0x39, 0x2e, 0x20, 0x09, 0x0d, 0x0a, 0x23, 0x2f, 0x2d, 0x3a, 0x61, 0x00, 0x80, 0xc3, 0xff];
  let tried = 0;
  for (let i = 0; i <= base.length; i++) {
    for (const b of bytes) {
      if (i < base.length) {
        const changed = Buffer.from(base);
        changed[i] = b;
        same(t, changed, `byte ${i} = ${b}`);
      }
      same(t, Buffer.concat([base.subarray(0, i), Buffer.from([b]), base.subarray(i)]), `insert ${b} at ${i}`);
      tried += 2;
    }
    if (i < base.length) same(t, Buffer.concat([base.subarray(0, i), base.subarray(i + 1)]), `delete ${i}`);
  }
  t.true(tried > 2000);
});

nativeTest('the column grows when the scanner fills it (8-byte lines outgrow its first estimate) and keeps every host in order', (t) => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `1.${(i >> 8) & 7}.${i & 7}.${i % 10}`);
  const bytes = Buffer.from(`${lines.join('\n')}\n`);
  const parsed = parseBlacklistBytes(bytes, 'bl', { hostScan: scan() });
  t.is(parsed.columns?.hosts.count, 50_000);
  t.deepEqual(outcome(parsed), outcome(parseBlacklistBytes(bytes, 'bl')));
});

nativeTest('the C scanner refuses arguments that are not what it reads (types, a cursor out of range, arrays that share memory)', (t) => {
  const s = scan();
  const bytes = Buffer.from('192.0.2.1\n');
  const values = new Uint32Array(4);
  const lines = new Uint32Array(4);
  t.throws(() => s(bytes, values, lines, new Float64Array(2)), { instanceOf: TypeError });
  t.throws(() => s('192.0.2.1' as unknown as Uint8Array, values, lines, Float64Array.of(0, 1, 0)), { instanceOf: TypeError });
  t.throws(() => s(bytes, values, lines, Float64Array.of(11, 1, 0)), { instanceOf: RangeError });
  t.throws(() => s(bytes, values, lines, Float64Array.of(0, 1, 5)), { instanceOf: RangeError });
  t.throws(() => s(bytes, values, lines, Float64Array.of(0.5, 1, 0)), { instanceOf: RangeError });
  const shared = new Uint32Array(8);
  t.throws(() => s(bytes, shared.subarray(0, 4), shared.subarray(2, 6), Float64Array.of(0, 1, 0)), { instanceOf: RangeError });
  const cursor = Float64Array.of(0, 1, 0);
  t.is(s(bytes, values, lines, cursor), 0);
  t.deepEqual([...cursor], [10, 2, 1]);
  t.is(values[0], 0xc0000201);
});

nativeTest('the C sort orders random arrays exactly as Array.prototype.sort (duplicates, 0 and 2^32-1, lengths around the radix threshold)', (t) => {
  const r = xorshift32(7);
  const sort = nativeSortU32({});
  for (const length of [0, 1, 2, 4095, 4096, 4097, 10_000, 100_003]) {
    for (const spread of [0xffffffff, 1000, 1]) {
      const values = Uint32Array.from({ length }, () => (spread === 0xffffffff ? r() : 0xfffffc00 + (r() % spread)));
      if (length > 2) {
        values[0] = 0;
        values[1] = 0xffffffff;
      }
      const expected = Uint32Array.from(values).sort();
      const sorted = sortUint32(Uint32Array.from(values), sort);
      t.deepEqual([...sorted], [...expected], `${length} values, spread ${spread}`);
    }
  }
});

test('LBFW_NO_NATIVE=1 in the given environment turns the C loops off, and the sort falls back to TypeScript', (t) => {
  const off = hostsNative({ LBFW_NO_NATIVE: '1' });
  t.true('why' in off);
  const values = Uint32Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 0);
  t.deepEqual([...sortUint32(Uint32Array.from(values), nativeSortU32({ LBFW_NO_NATIVE: '1' }))], [...Uint32Array.from(values).sort()]);
});

/** Each list as plain data: its count and its key bytes. */
function lists(shards: readonly ElementList[]): unknown[] {
  return shards.map((l) => ({ count: l.count, keys: Buffer.from(l.keys).toString('hex') }));
}

nativeTest('the C dealer deals sorted hosts into shards exactly as the TypeScript loop (duplicates, 0 and 2^32-1, 1 to 256 shards)', (t) => {
  const r = xorshift32(11);
  const deal = nativeDeal4({});
  for (const length of [4096, 5000, 60_000]) {
    for (const shards of [1, 2, 16, 256]) {
      const values = Uint32Array.from({ length }, () => (r() % 3 === 0 ? r() % 5000 : r())).sort();
      values[0] = 0;
      values[length - 1] = 0xffffffff;
      values[length - 2] = 0xffffffff;
      t.deepEqual(lists(ipv4ShardsFromValues(values, shards, deal)), lists(ipv4ShardsFromValues(values, shards)), `${length} values in ${shards} shards`);
    }
  }
});

nativeTest('the C dealer names the first pair out of order as the TypeScript loop does, and refuses bad arguments', (t) => {
  const values = Uint32Array.from({ length: 5000 }, (_, i) => i * 8);
  values[3000] = 7;
  const message = 'elements 0.0.93.184 and 0.0.0.7 are out of order or overlap';
  t.throws(() => ipv4ShardsFromValues(values, 16, nativeDeal4({})), { instanceOf: ElementOrderError, message });
  t.throws(() => ipv4ShardsFromValues(values, 16), { instanceOf: ElementOrderError, message });
  const native = hostsNative({});
  if (!('deal4' in native)) return t.fail(native.why);
  const sorted = Uint32Array.of(1, 2, 3);
  t.throws(() => native.deal4(sorted, 3, new Uint8Array(12), new Uint32Array(6)), { instanceOf: RangeError });
  t.throws(() => native.deal4(sorted, 512, new Uint8Array(12), new Uint32Array(1024)), { instanceOf: RangeError });
  t.throws(() => native.deal4(sorted, 2, new Uint8Array(8), new Uint32Array(4)), { instanceOf: RangeError });
  t.throws(() => native.deal4(sorted, 2, new Uint8Array(12), new Uint32Array(3)), { instanceOf: RangeError });
  t.throws(() => native.deal4(sorted, 2, new Uint8Array(sorted.buffer), new Uint32Array(4)), { instanceOf: RangeError });
  return undefined;
});
