/**
 * A streaming reader of the IPVS connection table as the kernel prints it
 * (net/netfilter/ipvs/ip_vs_conn.c, ip_vs_conn_seq_show and
 * ip_vs_conn_sync_seq_show):
 *
 *   Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
 *   TCP C0000201 D431 C000020A 0050 C0000215 0050 ESTABLISHED     897
 *
 * IPv4 addresses are `%08X` of the address as a number, ports `%04X`, the
 * state `%-11s`, expires `%7u` seconds; IPv6 addresses (and an IPv6 real
 * server of an IPv4 service) are `%pI6`: eight groups of four lower-case hex
 * digits. ip_vs_conn appends ` PEName PEData` for persistence-engine
 * connections; ip_vs_conn_sync puts an Origin column (LOCAL/SYNC) before
 * Expires instead. Persistence templates have client port 0000 (fwmark
 * templates also protocol `IP`): they are counted apart, not as connections.
 *
 * The reader works on bytes. Nearly every row of a real table is the kernel's
 * plain IPv4 row (TCP or UDP, a known state, no PE data): 65 bytes with every
 * field at a fixed offset, judged by byte compares at those offsets and
 * decoded into columns of a {@link ConnRows4} batch, 256 rows at a time.
 * A consumer that takes batches (the counter) sees no per-row call; any other
 * row, and every row for a consumer of views only, comes as one reused
 * {@link ConnRowView}, so a million rows allocate almost nothing.
 * {@link parseConnTable} gives plain objects instead.
 *
 * A malformed row is a {@link ConnTableError} naming the line. A last line
 * without its line break that does not parse is a row cut off by whoever
 * saved the table: it is reported in the stats (`truncatedLastLine`), not an
 * error.
 */
import { bigIntToAddress } from '../net/address.js';
import { ConnTableError } from './errors.js';

/** Longest row accepted: an IPv6 row with the longest PE data is about 450 bytes. */
export const MAX_ROW_BYTES = 1024;

/** Protocol codes of {@link ConnRowView.proto} (ip_vs_proto_name). */
export const PROTO_TCP = 0;
export const PROTO_UDP = 1;
export const PROTO_SCTP = 2;
/** `IP`: fwmark persistence templates. */
export const PROTO_IP = 3;
/** Any other name (`ICMP`, `IPv6-ICMP`, `IP_%u`): see {@link ConnRowView.protoName}. */
export const PROTO_OTHER = 4;

/** Indexes of {@link ConnRowView.ipv4}. */
export const IPV4_CLIENT = 0;
export const IPV4_VIP = 1;
export const IPV4_DEST = 2;

const PROTO_NAMES = ['TCP', 'UDP', 'SCTP', 'IP'];

/** States interned without allocating: the TCP and SCTP state names IPVS prints most. */
const KNOWN_STATES = [
  'ESTABLISHED',
  'SYN_RECV',
  'SYN_SENT',
  'FIN_WAIT',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'SYNACK',
  'NONE',
  'UDP',
  'ASSURED',
];
const STATE_BYTES = KNOWN_STATES.map((s) => Buffer.from(s, 'latin1'));

/** CONN_STATES: the states {@link ConnRowView.stateIndex} numbers (any other is -1). */
export const CONN_STATES: readonly string[] = KNOWN_STATES;

/**
 * ConnRowView: one row as numbers, valid only inside the callback that
 * receives it (the reader reuses it for the next row). IPv4 addresses are
 * unsigned 32-bit numbers; IPv6 addresses are eight 16-bit groups.
 */
export interface ConnRowView {
  /** 1-based line number in the source. */
  line: number;
  proto: number;
  /** The protocol as printed. */
  protoName: string;
  /** Family of the client and VIP (the service's family). */
  family: 4 | 6;
  /** IPv4 client, VIP and real server, at {@link IPV4_CLIENT}, {@link IPV4_VIP}, {@link IPV4_DEST} (a typed array: no boxing in the hot path). */
  readonly ipv4: Uint32Array;
  readonly client4: number;
  readonly client6: Uint16Array;
  clientPort: number;
  readonly vip4: number;
  readonly vip6: Uint16Array;
  vport: number;
  /** Family of the real server (differs from `family` for IPv4-in-IPv6 tunnels). */
  destFamily: 4 | 6;
  readonly dest4: number;
  readonly dest6: Uint16Array;
  dport: number;
  /** The state as printed (`ESTABLISHED`, `SYN_RECV`, `NONE` for templates, ...). */
  state: string;
  /** Index of `state` in {@link CONN_STATES}, or -1 for a state not listed there. */
  stateIndex: number;
  /** ip_vs_conn_sync only: LOCAL (this director's) or SYNC (synced from the peer). */
  origin: 'LOCAL' | 'SYNC' | undefined;
  /** Seconds until the entry expires. */
  expires: number;
  /** Persistence template (client port 0, or protocol IP): not a connection. */
  template: boolean;
  /** Offset of ` PEName PEData` in `bytes`, or -1 when absent (see {@link peText}). */
  peStart: number;
  /** The bytes the row was read from and where it ends in them (valid inside the callback only). */
  bytes: Uint8Array;
  lineEnd: number;
}

/** ConnRow: one row as plain data (addresses in canonical text). */
export interface ConnRow {
  readonly line: number;
  readonly protocol: string;
  readonly family: 4 | 6;
  readonly client: string;
  readonly clientPort: number;
  readonly vip: string;
  readonly vport: number;
  readonly realServer: string;
  readonly rport: number;
  readonly state: string;
  readonly origin?: 'LOCAL' | 'SYNC';
  readonly expires: number;
  readonly template: boolean;
  /** Persistence engine name and data (` PEName PEData`), when printed. */
  readonly pe?: { readonly name: string; readonly data: string };
}

/** ConnScanStats: what one pass read. */
export interface ConnScanStats {
  /** Rows read (templates included, header excluded). */
  readonly rows: number;
  readonly bytes: number;
  /** Whether the source had the ip_vs_conn_sync header (Origin column). */
  readonly sync: boolean;
  /** The last line had no line break and did not parse: it was cut off and skipped. */
  readonly truncatedLastLine: boolean;
}

/**
 * The reused view. Its IPv4 addresses live in a typed array behind
 * accessors: most addresses are above 2^30, and a plain number field would
 * box each of them on every row (three allocations per row).
 */
class RowView implements ConnRowView {
  line = 0;
  proto = PROTO_TCP;
  protoName = 'TCP';
  family: 4 | 6 = 4;
  readonly client6 = new Uint16Array(8);
  clientPort = 0;
  readonly vip6 = new Uint16Array(8);
  vport = 0;
  destFamily: 4 | 6 = 4;
  readonly dest6 = new Uint16Array(8);
  dport = 0;
  state = '';
  stateIndex = -1;
  origin: 'LOCAL' | 'SYNC' | undefined = undefined;
  expires = 0;
  template = false;
  peStart = -1;
  bytes: Uint8Array = new Uint8Array(0);
  lineEnd = 0;
  readonly ipv4 = new Uint32Array(3);

  get client4(): number {
    return this.ipv4[IPV4_CLIENT] as number;
  }

  get vip4(): number {
    return this.ipv4[IPV4_VIP] as number;
  }

  get dest4(): number {
    return this.ipv4[IPV4_DEST] as number;
  }
}

function newView(): RowView {
  return new RowView();
}

const SPACE = 0x20;
/** Length of the plain IPv4 row without its line break: `%-3s %08X %04X %08X %04X %08X %04X %-11s %7u`. */
const PLAIN_ROW_BYTES = 65;
/** A plain row with its line break: the step between plain rows. */
export const PLAIN_LINE_BYTES = PLAIN_ROW_BYTES + 1;

/**
 * Where a row's fields sit when every one has its printf width: the bytes
 * that must be spaces (field separators) and those that must not (the
 * protocol's three letters, the state's first letter), and the least length.
 */
interface RowLayout {
  readonly minBytes: number;
  readonly spaces: readonly number[];
  readonly nonSpaces: readonly number[];
}

/** `%-3s %08X %04X %08X %04X %08X %04X %-11s`: an IPv4 row with an IPv4 real server. */
const IPV4_ROW_LAYOUT: RowLayout = { minBytes: 58, spaces: [3, 12, 17, 26, 31, 40, 45], nonSpaces: [0, 1, 2, 46] };
/** The same with `%pI6` addresses (39 bytes each): an IPv6 row with an IPv6 real server. */
const IPV6_ROW_LAYOUT: RowLayout = { minBytes: 140, spaces: [3, 43, 48, 88, 93, 133, 138], nonSpaces: [0, 1, 2, 139] };

/** fitsLayout says whether the row `b[start, end)` has its separators where `layout` puts them. */
function fitsLayout(b: Uint8Array, start: number, end: number, layout: RowLayout): boolean {
  if (end - start < layout.minBytes) return false;
  for (const offset of layout.spaces) if (b[start + offset] !== SPACE) return false;
  for (const offset of layout.nonSpaces) if (b[start + offset] === SPACE) return false;
  return true;
}
const NEWLINE = 0x0a;
const COLON = 0x3a;

/** Value of one hex digit byte, or -1. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

/** Thrown inside the row parser; turned into a ConnTableError with the line. */
class RowProblem {
  constructor(readonly message: string) {}
}

/**
 * Rows in one {@link ConnRows4} batch (its columns: about 6 KiB). Measured
 * on the 1M-row benchmark table, one cold run: 256 rows cost 0.37 s of CPU,
 * 1,024 rows 0.48 s (128: the same as 256, 64: a little more). A single pass
 * is much warm-up: with 1,024, V8 (--trace-opt) compiled decodePlainRows
 * twice, on-stack inside the first long loop and then for calls; with 256,
 * once.
 */
export const BATCH_ROWS = 256;

/**
 * ConnRows4: a batch of plain IPv4 rows as columns, row i of the batch at
 * index i of each. The rows are on consecutive lines from `firstLine`.
 * Valid only inside the callback that receives it (the scanner refills it).
 * Every row is TCP or UDP with an IPv4 client, VIP and real server, a state
 * of {@link CONN_STATES} and no PE data or origin; a template is a row with
 * client port 0.
 */
export class ConnRows4 {
  /** Rows in the batch. */
  length = 0;
  /** 1-based line number of row 0. */
  firstLine = 0;
  readonly client = new Uint32Array(BATCH_ROWS);
  readonly vip = new Uint32Array(BATCH_ROWS);
  readonly dest = new Uint32Array(BATCH_ROWS);
  readonly clientPort = new Uint16Array(BATCH_ROWS);
  readonly vport = new Uint16Array(BATCH_ROWS);
  readonly dport = new Uint16Array(BATCH_ROWS);
  /** PROTO_TCP or PROTO_UDP. */
  readonly proto = new Uint8Array(BATCH_ROWS);
  /** Index into {@link CONN_STATES}. */
  readonly stateIndex = new Uint8Array(BATCH_ROWS);
  readonly expires = new Uint32Array(BATCH_ROWS);
  /** Where each row starts in the chunk it was read from (for views replayed from the batch). */
  readonly offset = new Int32Array(BATCH_ROWS);
}

/** ScanOptions: how a scanner delivers rows and when it stops. */
export interface ScanOptions {
  /**
   * Takes the plain IPv4 rows as batches (the fast path); without it they
   * come to `onRow` as views like every other row. Rows reach the two in
   * table order.
   */
  readonly onRows4?: (batch: ConnRows4) => void;
  /**
   * Takes the plain IPv4 rows itself (the native scanner, native-count.ts),
   * instead of batches for `onRows4`: every other line still comes to
   * `onRow`, in table order.
   */
  readonly plainRows?: PlainRowSink;
  /**
   * Stops the scan with `error(rows)` when the table has more than `rows`
   * rows, before the first row past the limit is delivered.
   */
  readonly rowLimit?: { readonly rows: number; readonly error: (rows: number) => Error };
  /**
   * false reads every row with the general parser, field by field: the
   * reference the fixed-offset fast paths are tested against (same rows,
   * same errors), slower.
   */
  readonly fastPaths?: boolean;
}

/**
 * PlainRowSink: a consumer of plain IPv4 rows that reads their bytes itself.
 * It must take exactly the rows decodePlainRows takes (see
 * native/src/conn_scan.c), so that what any other line means is decided by
 * this module alone.
 */
export interface PlainRowSink {
  /**
   * take consumes the plain rows from `start` on, at most `room`, each
   * ending with its line break before `end`, and returns where it stopped:
   * at the first line that is not a plain row (or is cut by `end`).
   */
  take(bytes: Uint8Array, start: number, end: number, room: number): number;
  /** end is called once the last row has been read. */
  end(): void;
}

/** Padded 11-byte state fields (`%-11s`) of the known states, for the plain row's state column. */
const PADDED_STATES = new Uint8Array(KNOWN_STATES.length * 11).fill(SPACE);
KNOWN_STATES.forEach((name, index) => PADDED_STATES.set(Buffer.from(name, 'latin1'), index * 11));

const ESTABLISHED_INDEX = KNOWN_STATES.indexOf('ESTABLISHED');

/** Index of the known state in the 11 bytes at `p` (`%-11s`), or -1. */
function paddedState(b: Uint8Array, p: number): number {
  const first = b[p];
  // Most rows: compared against constants, without reading the table.
  if (
    first === 0x45 &&
    b[p + 1] === 0x53 &&
    b[p + 2] === 0x54 &&
    b[p + 3] === 0x41 &&
    b[p + 4] === 0x42 &&
    b[p + 5] === 0x4c &&
    b[p + 6] === 0x49 &&
    b[p + 7] === 0x53 &&
    b[p + 8] === 0x48 &&
    b[p + 9] === 0x45 &&
    b[p + 10] === 0x44
  ) {
    return ESTABLISHED_INDEX;
  }
  for (let s = 0, at = 0; s < KNOWN_STATES.length; s++, at += 11) {
    if (PADDED_STATES[at] !== first) continue;
    let i = 1;
    while (i < 11 && b[p + i] === PADDED_STATES[at + i]) i++;
    if (i === 11) return s;
  }
  return -1;
}

/**
 * decodePlainRows decodes the plain IPv4 rows from `s` on into `batch`
 * (from its row `batch.length`, which it leaves to the caller to advance by
 * the rows decoded: one per 66 bytes) until the batch holds `room` rows, the chunk ends (a row must end with its
 * line break inside `total`) or a row is not plain. Returns where it
 * stopped. A plain row is exactly `%-3s %08X %04X %08X %04X %08X %04X %-11s
 * %7u\n` with protocol TCP or UDP and a known state; the checks are byte
 * compares and table reads at the fixed offsets, and anything else is left
 * to the general parser, which also names what is wrong with a bad row.
 */
function decodePlainRows(b: Uint8Array, s: number, total: number, batch: ConnRows4, room: number): number {
  let n = batch.length;
  const { client, vip, dest, clientPort, vport, dport, proto, stateIndex, expires, offset } = batch;
  while (n < room && s + PLAIN_ROW_BYTES < total && b[s + PLAIN_ROW_BYTES] === NEWLINE) {
    if (b[s + 3] !== SPACE || b[s + 12] !== SPACE || b[s + 17] !== SPACE || b[s + 26] !== SPACE || b[s + 31] !== SPACE || b[s + 40] !== SPACE || b[s + 45] !== SPACE || b[s + 57] !== SPACE) break;
    const p0 = b[s];
    let protocol: number;
    if (p0 === 0x54 && b[s + 1] === 0x43 && b[s + 2] === 0x50) protocol = PROTO_TCP;
    else if (p0 === 0x55 && b[s + 1] === 0x44 && b[s + 2] === 0x50) protocol = PROTO_UDP;
    else break;
    // Hex digits: HEX is -1 for any other byte, so one sign test checks a field.
    // The addresses go straight into their columns: returned, most would be boxed.
    const cp = hex4At(b, s + 13);
    const vp = hex4At(b, s + 27);
    const dp = hex4At(b, s + 41);
    if ((cp | vp | dp) < 0 || !hex8Into(b, s + 4, client, n) || !hex8Into(b, s + 18, vip, n) || !hex8Into(b, s + 32, dest, n)) break;
    const state = paddedState(b, s + 46);
    if (state < 0) break;
    // Expires, %7u: spaces, then at least one digit, to the end.
    let e = s + 58;
    while (e < s + 64 && b[e] === SPACE) e++;
    let seconds = 0;
    for (; e < s + PLAIN_ROW_BYTES; e++) {
      const digit = (b[e] as number) - 0x30;
      if (digit < 0 || digit > 9) break;
      seconds = seconds * 10 + digit;
    }
    if (e !== s + PLAIN_ROW_BYTES) break;
    clientPort[n] = cp;
    vport[n] = vp;
    dport[n] = dp;
    proto[n] = protocol;
    stateIndex[n] = state;
    expires[n] = seconds;
    offset[n] = s;
    n++;
    s += PLAIN_ROW_BYTES + 1;
  }
  // The caller counts the rows from the bytes passed: code after this loop
  // would first run in the optimized code V8 compiles for the loop (on-stack
  // replacement), without the feedback it needs, and throw that code away.
  return s;
}

/**
 * ConnTableScanner parses the table from chunks of any size (a 4 KiB pipe
 * read or a 1 MiB file read give the same rows) and calls `onRow` for every
 * row, with a view that is reused, or `onRows4` for batches of plain IPv4
 * rows (see {@link ScanOptions}).
 */
export class ConnTableScanner {
  readonly #file: string;
  readonly #onRow: (row: ConnRowView) => void;
  readonly #onRows4: ((batch: ConnRows4) => void) | undefined;
  readonly #maxRows: number;
  readonly #tooMany: ((rows: number) => Error) | undefined;
  readonly #fast: boolean;
  readonly #plain: PlainRowSink | undefined;
  readonly #view: RowView = newView();
  readonly #batch = new ConnRows4();
  /** The start of a row cut by a chunk boundary. */
  readonly #carry = Buffer.alloc(MAX_ROW_BYTES + 1);
  #carryLength = 0;
  #line = 0;
  #rows = 0;
  #bytes = 0;
  #sync = false;
  #ended = false;
  #truncated = false;

  constructor(file: string, onRow: (row: ConnRowView) => void, options: ScanOptions = {}) {
    this.#file = file;
    this.#onRow = onRow;
    this.#onRows4 = options.onRows4;
    this.#maxRows = options.rowLimit?.rows ?? Number.POSITIVE_INFINITY;
    this.#tooMany = options.rowLimit?.error;
    this.#fast = options.fastPaths !== false;
    this.#plain = this.#fast ? options.plainRows : undefined;
  }

  /** Rows read so far (templates included, the header and blank lines not). */
  get rows(): number {
    return this.#rows;
  }

  /** push parses the complete rows of `chunk` and keeps the incomplete rest. */
  push(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    let start = 0;
    if (this.#carryLength > 0) {
      const newline = chunk.indexOf(NEWLINE);
      const end = newline < 0 ? chunk.length : newline;
      if (this.#carryLength + end > MAX_ROW_BYTES) this.#tooLong();
      this.#carry.set(chunk.subarray(0, end), this.#carryLength);
      this.#carryLength += end;
      if (newline < 0) return;
      const length = this.#carryLength;
      this.#carryLength = 0;
      if (!this.#plainCarry(length)) this.#parseLine(this.#carry, 0, length);
      start = newline + 1;
    }
    const total = chunk.length;
    const batch = this.#batch;
    const plain = this.#plain;
    while (start < total) {
      if (plain !== undefined) {
        const from = start;
        start = plain.take(chunk, start, total, Math.min(this.#maxRows - this.#rows, Number.MAX_SAFE_INTEGER));
        const taken = (start - from) / (PLAIN_ROW_BYTES + 1);
        this.#line += taken;
        this.#rows += taken;
        if (start >= total) break;
        start = this.#otherLine(chunk, start, total);
        continue;
      }
      // Plain rows first, into the batch: a full batch goes out and decoding goes on.
      batch.firstLine = this.#line + 1;
      const from = start;
      start = this.#fast ? decodePlainRows(chunk, start, total, batch, Math.min(BATCH_ROWS, this.#maxRows - this.#rows)) : start;
      const decoded = (start - from) / (PLAIN_ROW_BYTES + 1);
      batch.length = decoded;
      if (decoded > 0) this.#deliver(chunk);
      if (decoded === BATCH_ROWS) continue;
      if (start >= total) break;
      start = this.#otherLine(chunk, start, total);
    }
  }

  /**
   * Parses the line at `start` that is not a plain row (or the row limit:
   * the next row then throws), or carries a row the chunk cuts; returns
   * where the next line starts (`total` when carried).
   */
  #otherLine(chunk: Uint8Array, start: number, total: number): number {
    const newline = chunk.indexOf(NEWLINE, start);
    if (newline < 0) {
      if (total - start > MAX_ROW_BYTES) this.#tooLong();
      this.#carry.set(chunk.subarray(start), 0);
      this.#carryLength = total - start;
      return total;
    }
    if (newline - start > MAX_ROW_BYTES) this.#tooLong();
    this.#parseLine(chunk, start, newline);
    return newline + 1;
  }

  /**
   * Offers the row carried over a chunk boundary (now whole, `length`
   * bytes) to the plain-row sink, with its line break put back; true when
   * it took the row.
   */
  #plainCarry(length: number): boolean {
    const plain = this.#plain;
    if (plain === undefined || length !== PLAIN_ROW_BYTES || this.#rows >= this.#maxRows) return false;
    this.#carry[length] = NEWLINE;
    if (plain.take(this.#carry, 0, length + 1, 1) !== length + 1) return false;
    this.#line++;
    this.#rows++;
    return true;
  }

  /** Hands the batch to onRows4 or, row by row, to onRow; empties it. */
  #deliver(chunk: Uint8Array): void {
    const batch = this.#batch;
    const n = batch.length;
    this.#line += n;
    this.#rows += n;
    if (this.#onRows4 !== undefined) this.#onRows4(batch);
    else {
      const v = this.#view;
      for (let i = 0; i < n; i++) {
        v.line = batch.firstLine + i;
        const proto = batch.proto[i] as number;
        v.proto = proto;
        v.protoName = PROTO_NAMES[proto] as string;
        v.family = 4;
        v.destFamily = 4;
        v.ipv4[IPV4_CLIENT] = batch.client[i] as number;
        v.ipv4[IPV4_VIP] = batch.vip[i] as number;
        v.ipv4[IPV4_DEST] = batch.dest[i] as number;
        v.clientPort = batch.clientPort[i] as number;
        v.vport = batch.vport[i] as number;
        v.dport = batch.dport[i] as number;
        const state = batch.stateIndex[i] as number;
        v.stateIndex = state;
        v.state = KNOWN_STATES[state] as string;
        v.expires = batch.expires[i] as number;
        v.origin = undefined;
        v.peStart = -1;
        v.template = v.clientPort === 0;
        v.bytes = chunk;
        v.lineEnd = (batch.offset[i] as number) + PLAIN_ROW_BYTES;
        this.#onRow(v);
      }
    }
    batch.length = 0;
  }

  /** end parses a last row without a line break and returns the stats. */
  end(): ConnScanStats {
    if (!this.#ended) {
      this.#ended = true;
      if (this.#carryLength > 0) {
        const length = this.#carryLength;
        this.#carryLength = 0;
        try {
          if (!this.#plainCarry(length)) this.#parseLine(this.#carry, 0, length);
        } catch (error) {
          if (!(error instanceof ConnTableError)) throw error;
          // A cut-off last row: the rest of the table is still good.
          this.#truncated = true;
        }
      }
      this.#plain?.end();
    }
    return { rows: this.#rows, bytes: this.#bytes, sync: this.#sync, truncatedLastLine: this.#truncated };
  }

  #tooLong(): never {
    throw new ConnTableError(this.#file, this.#line + 1, `row longer than ${MAX_ROW_BYTES} bytes; not an ip_vs_conn table`);
  }

  #parseLine(b: Uint8Array, start: number, end: number): void {
    const line = ++this.#line;
    if (end > start && b[end - 1] === 0x0d) end--;
    if (end === start) return;
    // The header (any line starting with "Pro "): the sync table's names Origin.
    if (b[start] === 0x50 && b[start + 1] === 0x72 && b[start + 2] === 0x6f && b[start + 3] === SPACE) {
      if (line === 1) this.#sync = Buffer.from(b.buffer, b.byteOffset + start, end - start).includes('Origin');
      return;
    }
    try {
      this.#parseRow(b, start, end, line);
    } catch (error) {
      if (error instanceof RowProblem) {
        const text = Buffer.from(b.buffer, b.byteOffset + start, Math.min(end - start, 120)).toString('latin1');
        throw new ConnTableError(this.#file, line, `${error.message} in ${JSON.stringify(text)}`);
      }
      throw error;
    }
    if (this.#rows >= this.#maxRows && this.#tooMany !== undefined) throw this.#tooMany(this.#rows + 1);
    this.#rows++;
    this.#onRow(this.#view);
  }

  /** #fixedRow reads a row that fits a fixed layout; false when none fits or the row has a problem. */
  #fixedRow(b: Uint8Array, start: number, end: number): boolean {
    const family = fitsLayout(b, start, end, IPV4_ROW_LAYOUT) ? 4 : fitsLayout(b, start, end, IPV6_ROW_LAYOUT) ? 6 : undefined;
    if (family === undefined) return false;
    try {
      if (family === 4) this.#fastRow(b, start, end);
      else this.#fastRow6(b, start, end);
      return true;
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      return false;
    }
  }

  #parseRow(b: Uint8Array, start: number, end: number, line: number): void {
    const v = this.#view;
    v.line = line;
    v.bytes = b;
    v.lineEnd = end;
    // Fast path: a row whose fields have their printf widths (IPv4 or IPv6,
    // each with a real server of its family) is read at fixed offsets. Only
    // what it accepts counts: on any problem the general parser below reads
    // the row again and names the problem as it always does.
    if (this.#fast && this.#fixedRow(b, start, end)) return;
    let p = start;
    // Protocol: letters, digits, _ and -.
    let q = p;
    while (q < end && b[q] !== SPACE) q++;
    const protoLength = q - p;
    if (protoLength === 0) throw new RowProblem('no protocol');
    if (protoLength === 3 && b[p] === 0x54 && b[p + 1] === 0x43 && b[p + 2] === 0x50) v.proto = PROTO_TCP;
    else if (protoLength === 3 && b[p] === 0x55 && b[p + 1] === 0x44 && b[p + 2] === 0x50) v.proto = PROTO_UDP;
    else if (protoLength === 4 && b[p] === 0x53 && b[p + 1] === 0x43 && b[p + 2] === 0x54 && b[p + 3] === 0x50) v.proto = PROTO_SCTP;
    else if (protoLength === 2 && b[p] === 0x49 && b[p + 1] === 0x50) v.proto = PROTO_IP;
    else v.proto = PROTO_OTHER;
    v.protoName = v.proto === PROTO_OTHER ? latin1(b, p, q) : (PROTO_NAMES[v.proto] as string);
    p = skipSpaces(b, q, end);

    // Client address.
    q = tokenEnd(b, p, end);
    v.family = this.#address(b, p, q, v.client6, 'client address');
    if (v.family === 4) v.ipv4[IPV4_CLIENT] = hex32(b, p);
    p = skipSpaces(b, q, end);
    q = tokenEnd(b, p, end);
    v.clientPort = port(b, p, q, 'client port');
    p = skipSpaces(b, q, end);

    // VIP: same family as the client.
    q = tokenEnd(b, p, end);
    if (this.#address(b, p, q, v.vip6, 'virtual address') !== v.family) throw new RowProblem('client and virtual address of different families');
    if (v.family === 4) v.ipv4[IPV4_VIP] = hex32(b, p);
    p = skipSpaces(b, q, end);
    q = tokenEnd(b, p, end);
    v.vport = port(b, p, q, 'virtual port');
    p = skipSpaces(b, q, end);

    // Real server: its own family (ip_vs_conn.c prints dbuf by cp->daf).
    q = tokenEnd(b, p, end);
    v.destFamily = this.#address(b, p, q, v.dest6, 'real server address');
    if (v.destFamily === 4) v.ipv4[IPV4_DEST] = hex32(b, p);
    p = skipSpaces(b, q, end);
    q = tokenEnd(b, p, end);
    v.dport = port(b, p, q, 'real server port');
    p = skipSpaces(b, q, end);

    // State.
    q = tokenEnd(b, p, end);
    if (q === p) throw new RowProblem('no state');
    setState(v, b, p, q);
    p = skipSpaces(b, q, end);

    this.#tail(b, p, end);
  }

  /** #fixedProto reads the three-letter protocol that opens a fixed-layout row. */
  #fixedProto(b: Uint8Array, start: number): void {
    const v = this.#view;
    const p0 = b[start] as number;
    const p1 = b[start + 1] as number;
    const p2 = b[start + 2] as number;
    if (p0 === 0x54 && p1 === 0x43 && p2 === 0x50) v.proto = PROTO_TCP;
    else if (p0 === 0x55 && p1 === 0x44 && p2 === 0x50) v.proto = PROTO_UDP;
    else v.proto = PROTO_OTHER;
    v.protoName = v.proto === PROTO_OTHER ? latin1(b, start, start + 3) : (PROTO_NAMES[v.proto] as string);
  }

  #fastRow(b: Uint8Array, start: number, end: number): void {
    const v = this.#view;
    this.#fixedProto(b, start);
    v.family = 4;
    v.destFamily = 4;
    hex8(b, start + 4, v.ipv4, IPV4_CLIENT, 'client address');
    v.clientPort = hex4(b, start + 13, 'client port');
    hex8(b, start + 18, v.ipv4, IPV4_VIP, 'virtual address');
    v.vport = hex4(b, start + 27, 'virtual port');
    hex8(b, start + 32, v.ipv4, IPV4_DEST, 'real server address');
    v.dport = hex4(b, start + 41, 'real server port');
    const q = tokenEnd(b, start + 46, end);
    if (q === start + 46) throw new RowProblem('no state');
    setState(v, b, start + 46, q);
    this.#tail(b, skipSpaces(b, q, end), end);
  }

  #fastRow6(b: Uint8Array, start: number, end: number): void {
    const v = this.#view;
    this.#fixedProto(b, start);
    v.family = this.#address(b, start + 4, start + 43, v.client6, 'client address');
    v.clientPort = hex4(b, start + 44, 'client port');
    this.#address(b, start + 49, start + 88, v.vip6, 'virtual address');
    v.vport = hex4(b, start + 89, 'virtual port');
    v.destFamily = this.#address(b, start + 94, start + 133, v.dest6, 'real server address');
    v.dport = hex4(b, start + 134, 'real server port');
    const q = tokenEnd(b, start + 139, end);
    setState(v, b, start + 139, q);
    this.#tail(b, skipSpaces(b, q, end), end);
  }

  /** Origin (sync table) or Expires, and what follows. */
  #tail(b: Uint8Array, p: number, end: number): void {
    const v = this.#view;
    let q = tokenEnd(b, p, end);
    if (q === p) throw new RowProblem('no expiry');
    v.origin = undefined;
    if ((b[p] as number) > 0x39 || (b[p] as number) < 0x30) {
      if (q - p === 5 && latin1(b, p, q) === 'LOCAL') v.origin = 'LOCAL';
      else if (q - p === 4 && latin1(b, p, q) === 'SYNC') v.origin = 'SYNC';
      else throw new RowProblem(`"${latin1(b, p, q)}" is neither an expiry nor an origin (LOCAL/SYNC)`);
      p = skipSpaces(b, q, end);
      q = tokenEnd(b, p, end);
    }
    let expires = 0;
    if (q === p || q - p > 10) throw new RowProblem('bad expiry');
    for (let i = p; i < q; i++) {
      const d = (b[i] as number) - 0x30;
      if (d < 0 || d > 9) throw new RowProblem('bad expiry');
      expires = expires * 10 + d;
    }
    v.expires = expires;
    p = skipSpaces(b, q, end);
    v.peStart = p < end ? p : -1;
    if (v.peStart >= 0 && v.origin !== undefined) throw new RowProblem('unexpected text after the expiry');
    v.template = v.clientPort === 0 || v.proto === PROTO_IP;
  }

  /** Parses an address token into `groups` (IPv6) and returns its family; IPv4 is read by hex32. */
  #address(b: Uint8Array, p: number, q: number, groups: Uint16Array, what: string): 4 | 6 {
    const length = q - p;
    if (length === 8) {
      for (let i = p; i < q; i++) if (HEX[b[i] as number] === -1) throw new RowProblem(`bad ${what}`);
      return 4;
    }
    if (length === 39) {
      for (let g = 0; g < 8; g++) {
        const o = p + g * 5;
        const h0 = HEX[b[o] as number] as number;
        const h1 = HEX[b[o + 1] as number] as number;
        const h2 = HEX[b[o + 2] as number] as number;
        const h3 = HEX[b[o + 3] as number] as number;
        if ((h0 | h1 | h2 | h3) < 0 || (g < 7 && b[o + 4] !== COLON)) throw new RowProblem(`bad ${what}`);
        groups[g] = (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
      }
      return 6;
    }
    throw new RowProblem(`bad ${what}`);
  }
}

function skipSpaces(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] === SPACE) p++;
  return p;
}

function tokenEnd(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] !== SPACE) p++;
  return p;
}

function latin1(b: Uint8Array, p: number, q: number): string {
  return Buffer.from(b.buffer, b.byteOffset + p, q - p).toString('latin1');
}

/** Eight hex digits at `p`, checked, stored at out[index] (a returned number above 2^30 would be boxed). */
function hex8(b: Uint8Array, p: number, out: Uint32Array, index: number, what: string): void {
  const h0 = HEX[b[p] as number] as number;
  const h1 = HEX[b[p + 1] as number] as number;
  const h2 = HEX[b[p + 2] as number] as number;
  const h3 = HEX[b[p + 3] as number] as number;
  const h4 = HEX[b[p + 4] as number] as number;
  const h5 = HEX[b[p + 5] as number] as number;
  const h6 = HEX[b[p + 6] as number] as number;
  const h7 = HEX[b[p + 7] as number] as number;
  if ((h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) < 0) throw new RowProblem(`bad ${what}`);
  out[index] = (h0 << 28) | (h1 << 24) | (h2 << 20) | (h3 << 16) | (h4 << 12) | (h5 << 8) | (h6 << 4) | h7;
}

/** Four hex digits at `p`, or -1 when one is not a hex digit. */
function hex4At(b: Uint8Array, p: number): number {
  const h0 = HEX[b[p] as number] as number;
  const h1 = HEX[b[p + 1] as number] as number;
  const h2 = HEX[b[p + 2] as number] as number;
  const h3 = HEX[b[p + 3] as number] as number;
  if ((h0 | h1 | h2 | h3) < 0) return -1;
  return (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
}

/**
 * Eight hex digits at `p` as an unsigned 32-bit number into out[index];
 * false when one is not a hex digit (out[index] is then garbage).
 */
function hex8Into(b: Uint8Array, p: number, out: Uint32Array, index: number): boolean {
  const h0 = HEX[b[p] as number] as number;
  const h1 = HEX[b[p + 1] as number] as number;
  const h2 = HEX[b[p + 2] as number] as number;
  const h3 = HEX[b[p + 3] as number] as number;
  const h4 = HEX[b[p + 4] as number] as number;
  const h5 = HEX[b[p + 5] as number] as number;
  const h6 = HEX[b[p + 6] as number] as number;
  const h7 = HEX[b[p + 7] as number] as number;
  out[index] = (h0 << 28) | (h1 << 24) | (h2 << 20) | (h3 << 16) | (h4 << 12) | (h5 << 8) | (h6 << 4) | h7;
  return (h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) >= 0;
}

/** Four hex digits at `p`, checked. */
function hex4(b: Uint8Array, p: number, what: string): number {
  const h0 = HEX[b[p] as number] as number;
  const h1 = HEX[b[p + 1] as number] as number;
  const h2 = HEX[b[p + 2] as number] as number;
  const h3 = HEX[b[p + 3] as number] as number;
  if ((h0 | h1 | h2 | h3) < 0) throw new RowProblem(`bad ${what}`);
  return (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
}

/** Eight hex digits (already checked) as an unsigned 32-bit number. */
function hex32(b: Uint8Array, p: number): number {
  let value = 0;
  for (let i = 0; i < 8; i++) value = (value << 4) | (HEX[b[p + i] as number] as number);
  return value >>> 0;
}

function port(b: Uint8Array, p: number, q: number, what: string): number {
  if (q - p !== 4) throw new RowProblem(`bad ${what}`);
  const h0 = HEX[b[p] as number] as number;
  const h1 = HEX[b[p + 1] as number] as number;
  const h2 = HEX[b[p + 2] as number] as number;
  const h3 = HEX[b[p + 3] as number] as number;
  if ((h0 | h1 | h2 | h3) < 0) throw new RowProblem(`bad ${what}`);
  return (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
}

function setState(v: ConnRowView, b: Uint8Array, p: number, q: number): void {
  const length = q - p;
  for (let s = 0; s < STATE_BYTES.length; s++) {
    const known = STATE_BYTES[s] as Buffer;
    if (known.length !== length || known[0] !== b[p]) continue;
    let same = true;
    for (let i = 1; i < length; i++) {
      if (known[i] !== b[p + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      v.state = KNOWN_STATES[s] as string;
      v.stateIndex = s;
      return;
    }
  }
  v.state = latin1(b, p, q);
  v.stateIndex = -1;
}

/** ipv4Text formats an unsigned 32-bit address as dotted quad. */
export function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** ipv6BigInt turns eight 16-bit groups into the address as a number. */
export function ipv6BigInt(groups: Uint16Array): bigint {
  let value = 0n;
  for (let g = 0; g < 8; g++) value = (value << 16n) | BigInt(groups[g] as number);
  return value;
}

function addressText(family: 4 | 6, v4: number, v6: Uint16Array): string {
  return family === 4 ? ipv4Text(v4) : bigIntToAddress(6, ipv6BigInt(v6));
}

/** peText returns the ` PEName PEData` text of the row in `v`, or undefined. */
export function peText(v: ConnRowView): string | undefined {
  return v.peStart < 0 ? undefined : latin1(v.bytes, v.peStart, v.lineEnd);
}

/** toConnRow copies a view into plain data. */
export function toConnRow(v: ConnRowView): ConnRow {
  let pe: ConnRow['pe'];
  const text = peText(v);
  if (text !== undefined) {
    const space = text.indexOf(' ');
    pe = space < 0 ? { name: text, data: '' } : { name: text.slice(0, space), data: text.slice(space + 1) };
  }
  return {
    line: v.line,
    protocol: v.protoName,
    family: v.family,
    client: addressText(v.family, v.client4, v.client6),
    clientPort: v.clientPort,
    vip: addressText(v.family, v.vip4, v.vip6),
    vport: v.vport,
    realServer: addressText(v.destFamily, v.dest4, v.dest6),
    rport: v.dport,
    state: v.state,
    ...(v.origin === undefined ? {} : { origin: v.origin }),
    expires: v.expires,
    template: v.template,
    ...(pe === undefined ? {} : { pe }),
  };
}

/**
 * scanConnTable feeds every chunk of `source` through a scanner and returns
 * the stats. `onRow` sees each row's reused view (and `options.onRows4`, when
 * given, the batches of plain IPv4 rows).
 */
export async function scanConnTable(source: AsyncIterable<Uint8Array>, file: string, onRow: (row: ConnRowView) => void, options: ScanOptions = {}): Promise<ConnScanStats> {
  const scanner = new ConnTableScanner(file, onRow, options);
  for await (const chunk of source) scanner.push(chunk);
  return scanner.end();
}

/**
 * parseConnTable parses a whole table given as text into plain rows (for
 * tests, saved tables and library users; the scan itself uses the view).
 */
export function parseConnTable(text: string, file = '<text>'): { readonly rows: ConnRow[]; readonly stats: ConnScanStats } {
  const rows: ConnRow[] = [];
  const scanner = new ConnTableScanner(file, (v) => rows.push(toConnRow(v)));
  scanner.push(Buffer.from(text, 'latin1'));
  return { rows, stats: scanner.end() };
}
