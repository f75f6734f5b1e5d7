/**
 * Parsing of the operator's static_blacklist: one address, CIDR or range
 * `a-b` a line, `#` comments, blank lines. Pure: bad lines become problems
 * with their line number, never exceptions, so one run reports all of them.
 *
 * The file can hold a million lines (see DESIGN.md section 3), so plain
 * dotted-quad IPv4 hosts and prefixes, by far the common case, are read by a
 * hand-written scanner that works on the text in place and yields numbers
 * directly; every other form goes through the strict ipaddr.js helpers in
 * net/address.ts. Measured on the 2-core dev box: 1M random IPv4 hosts parse
 * in 0.4-0.6 s with the scanner, against about 2.5 s through ipaddr.js.
 * Ranges stay bigint as AddressRange says: creating a million bigints costs
 * about 0.2 s, which did not justify a second, numeric representation.
 * Plain host lines (an IPv4 address alone) do get one, the HostColumn: an
 * object and two strings per line were most of a 1M-line apply's 480 MB.
 */
import { BlacklistError, type InputProblem } from '../errors.js';
import { excerpt } from '../text/excerpt.js';
import {
  addressToBigInt,
  bigIntToAddress,
  cidrToRange,
  familyBits,
  formatCidr,
  parseAddress,
  parseCidr,
  type AddressRange,
} from '../net/address.js';

/** How an entry was written: a single address, `ADDR/PREFIX`, or `FIRST-LAST`. */
export type BlacklistEntryKind = 'host' | 'cidr' | 'range';

/** BlacklistEntry is one valid line of the static_blacklist. */
export interface BlacklistEntry {
  /** Line number in the file, 1-based. */
  readonly line: number;
  /** The entry as written, without surrounding blanks or the comment. */
  readonly text: string;
  /** Text after `#` on the same line, trimmed; absent when there is none. */
  readonly comment?: string;
  readonly kind: BlacklistEntryKind;
  /** The addresses the entry covers, inclusive; a CIDR's host bits are already cleared. */
  readonly range: AddressRange;
  /** True when a CIDR was written with host bits set (`192.0.2.7/24`). */
  readonly hostBitsSet: boolean;
}

/**
 * HostColumn holds the plain IPv4 host lines of a file (an address alone,
 * no comment): nearly every line of a million-line list. As numbers, not an
 * object and two strings per line, they take 8 bytes a line; each value's
 * text is its dotted quad (the scanner takes only the canonical form).
 */
export interface HostColumn {
  readonly count: number;
  /** The addresses, in file order. */
  readonly values: Uint32Array;
  /** The 1-based line of each address, ascending. */
  readonly lines: Uint32Array;
}

/** ParsedBlacklist is the outcome of reading one blacklist text. */
export interface ParsedBlacklist {
  /** Name of the file, used in every problem and warning. */
  readonly file: string;
  /**
   * The valid entries, in file order. With `columns` this is built on first
   * read (a million objects): hot paths read `columns` instead.
   */
  readonly entries: readonly BlacklistEntry[];
  /** When present, `entries` is exactly `columns.hosts` and `columns.rest` merged by line. */
  readonly columns?: { readonly hosts: HostColumn; readonly rest: readonly BlacklistEntry[] };
  /** Bad lines; the blacklist must not be applied while there are any. */
  readonly problems: readonly InputProblem[];
  /** Lines that were understood but probably not meant as written. */
  readonly warnings: readonly InputProblem[];
}

/** What a bad entry was expected to be; ends every problem message. */
export const EXPECTED_ENTRY = 'expected an IPv4/IPv6 address, CIDR or range a-b';

/** ParsedEntry is one entry text understood on its own, without a line. */
export interface ParsedEntry {
  readonly kind: BlacklistEntryKind;
  readonly range: AddressRange;
  readonly hostBitsSet: boolean;
  /** The entry in canonical form: host bits cleared, IPv6 compressed lowercase, IPv4-mapped as IPv4. */
  readonly canonical: string;
  /** Written in IPv4-mapped IPv6 form (`::ffff:192.0.2.1`) and read as the IPv4 it names. */
  readonly mapped?: boolean;
}

/**
 * parseEntry reads one entry (no comment, already trimmed). It returns the
 * entry, or a message that says what is wrong and what was expected.
 */
export function parseEntry(text: string): ParsedEntry | { readonly error: string } {
  const entry = readEntry(text);
  return typeof entry === 'string' ? { error: `"${excerpt(text)}": ${entry}; ${EXPECTED_ENTRY}` } : unmapIPv4(entry);
}

/** ::ffff:0:0/96, the IPv4-mapped IPv6 addresses (RFC 4291 section 2.5.5.2). */
const MAPPED_FIRST = 0xffffn << 32n;
const MAPPED_LAST = MAPPED_FIRST + 0xffffffffn;

/**
 * unmapIPv4 reads an entry that lies wholly inside ::ffff:0:0/96 as the
 * IPv4 entry it names. An IPv4 client reaches an inet hook as IPv4 (a
 * dual-stack socket maps it only in userspace), so the IPv6 form would match
 * nothing, and nft lists such elements back in mixed form
 * (`::ffff:0.0.0.0/96`), which then reads as drift. Entries only partly
 * inside (`::/0`) stay IPv6.
 */
function unmapIPv4(entry: ParsedEntry): ParsedEntry {
  const { range } = entry;
  if (range.family !== 6 || range.first < MAPPED_FIRST || range.last > MAPPED_LAST) return entry;
  const v4 = { family: 4, first: range.first - MAPPED_FIRST, last: range.last - MAPPED_FIRST } as const;
  const first = bigIntToAddress(4, v4.first);
  const size = v4.last - v4.first + 1n;
  const prefix = 32 - (size.toString(2).length - 1);
  const canonical =
    entry.kind === 'host'
      ? first
      : entry.kind === 'cidr' && (size & (size - 1n)) === 0n
        ? `${first}/${prefix}`
        : `${first}-${bigIntToAddress(4, v4.last)}`;
  return { ...entry, range: v4, canonical, mapped: true };
}

/** The entry, or what is wrong with it. */
function readEntry(text: string): ParsedEntry | string {
  if (text === '') return 'empty entry';
  // A range may be written with blanks around the dash; any other blank
  // means a second word on the line, which the operator did not mean as one entry.
  const range = /^([^\s-]+)[ \t]*-[ \t]*([^\s-]+)$/.exec(text);
  if (range !== null) return readRange(range[1] ?? '', range[2] ?? '');
  if (/\s/.test(text)) return 'more than one word on the line; write one entry a line and comments after #';
  if (text.includes('-')) return 'a range is written FIRST-LAST with one dash between two addresses';
  if (text.includes('/')) return readCidr(text);
  const addr = parseAddress(text);
  if (addr === undefined) return addressProblem(text);
  const value = addressToBigInt(addr);
  return {
    kind: 'host',
    range: { family: addr.family, first: value, last: value },
    hostBitsSet: false,
    canonical: addr.address,
  };
}

function readRange(firstText: string, lastText: string): ParsedEntry | string {
  for (const end of [firstText, lastText]) {
    if (end.includes('/')) return `range ends must be single addresses, "${end}" is a prefix`;
  }
  const first = parseAddress(firstText);
  if (first === undefined) return addressProblem(firstText);
  const last = parseAddress(lastText);
  if (last === undefined) return addressProblem(lastText);
  if (first.family !== last.family) return `range mixes IPv${first.family} and IPv${last.family}`;
  const firstValue = addressToBigInt(first);
  const lastValue = addressToBigInt(last);
  if (firstValue > lastValue) return `range start ${first.address} is after its end ${last.address}`;
  return {
    kind: 'range',
    range: { family: first.family, first: firstValue, last: lastValue },
    hostBitsSet: false,
    canonical: `${first.address}-${last.address}`,
  };
}

function readCidr(text: string): ParsedEntry | string {
  const slash = text.indexOf('/');
  const addrText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const addr = parseAddress(addrText);
  if (addr === undefined) return addressProblem(addrText);
  if (!/^\d{1,3}$/.test(prefixText)) return `prefix "${prefixText}" is not a number`;
  const bits = familyBits(addr.family);
  if (Number(prefixText) > bits) return `prefix ${Number(prefixText)} is longer than ${bits}`;
  const parsed = parseCidr(text);
  // Unreachable after the checks above; kept so a change in parseCidr cannot pass a bad entry.
  if (parsed === undefined) return 'not a valid prefix';
  return {
    kind: 'cidr',
    range: cidrToRange(parsed.cidr),
    hostBitsSet: parsed.hostBitsSet,
    canonical: formatCidr(parsed.cidr),
  };
}

/** Explains why `text` is not an address, naming the usual slips. */
function addressProblem(text: string): string {
  const what = `"${text}" is not an IPv4 or IPv6 address`;
  if (text === '') return 'an address is missing';
  if (text.includes('%')) return `${what} (a zone index like %eth0 is not allowed)`;
  if (/^[\d.]+$/.test(text)) {
    const parts = text.split('.');
    if (parts.length !== 4) return `${what} (it has ${parts.length} parts, IPv4 needs 4)`;
    for (const part of parts) {
      if (part === '') return `${what} (it has an empty part)`;
      // Some tools read a leading zero as octal, so 010.0.0.1 could mean 8.0.0.1.
      if (part.length > 1 && part.startsWith('0')) return `${what} ("${part}" has a leading zero)`;
      if (Number(part) > 255) return `${what} (${part} is larger than 255)`;
    }
  }
  return what;
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const HASH = 0x23;
const DOT = 0x2e;
const SLASH = 0x2f;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

/**
 * Scanner for the common IPv4 forms, `A.B.C.D` and `A.B.C.D/P`, strict like
 * parseAddress: four decimal octets 0-255 without leading zeros, a prefix of
 * one or two digits up to 32. It reads the file text in place and keeps its
 * results in fields rather than returning objects, so a million lines
 * allocate nothing here. Anything else is left to {@link parseEntry}.
 */
class IPv4Scanner {
  /** Address value found by the last successful {@link scan}. */
  value = 0;
  /** Prefix found by the last successful {@link scan}; 32 when there was none. */
  prefix = 32;
  /** Whether the last successful {@link scan} found a `/P`. */
  hasPrefix = false;

  /** Reads an entry at `start`; returns where it ends, or -1 when the text there is anything else. */
  scan(text: string, start: number, end: number): number {
    let p = start;
    let value = 0;
    for (let octet = 0; octet < 4; octet++) {
      if (octet > 0) {
        if (p >= end || text.charCodeAt(p) !== DOT) return -1;
        p++;
      }
      const n = this.digits(text, p, end, 3);
      if (n === -1 || n > 255) return -1;
      if (this.digitsEnd - p > 1 && text.charCodeAt(p) === DIGIT_0) return -1;
      value = value * 256 + n;
      p = this.digitsEnd;
    }
    this.value = value;
    this.prefix = 32;
    this.hasPrefix = p < end && text.charCodeAt(p) === SLASH;
    if (this.hasPrefix) {
      this.prefix = this.digits(text, p + 1, end, 2);
      if (this.prefix === -1 || this.prefix > 32) return -1;
      p = this.digitsEnd;
    }
    return p;
  }

  /** Where the digits read by the last {@link digits} call end. */
  private digitsEnd = 0;

  /** Reads 1 to `max` decimal digits at `start` and returns their value; -1 when there are none or more. */
  private digits(text: string, start: number, end: number, max: number): number {
    let p = start;
    let n = 0;
    while (p < end) {
      const c = text.charCodeAt(p);
      if (c < DIGIT_0 || c > DIGIT_9) break;
      n = n * 10 + (c - DIGIT_0);
      p++;
    }
    this.digitsEnd = p;
    return p === start || p - start > max ? -1 : n;
  }
}

/** Where {@link plainHostLine} leaves the address it read (a field, not an object per line). */
const plainHost = { value: 0 };

/**
 * plainHostLine reads the line at `start` when it is a plain IPv4 host:
 * blanks, a dotted quad (four octets 0-255, no leading zero: the
 * scanner's grammar), blanks, one CR at most, then LF or the end of the
 * file. Returns where the line ends (its LF, or `length`) and leaves the
 * address in `plainHost.value`; -1 when the line is anything else.
 */
function plainHostLine(buf: Buffer, start: number, length: number): number {
  let p = start;
  while (p < length && (buf[p] === SPACE || buf[p] === TAB)) p++;
  let value = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (p >= length || buf[p] !== DOT) return -1;
      p++;
    }
    const first = p;
    let n = 0;
    while (p < length && p - first < 3) {
      const c = buf[p] as number;
      if (c < DIGIT_0 || c > DIGIT_9) break;
      n = n * 10 + (c - DIGIT_0);
      p++;
    }
    // No digit, a fourth digit, a leading zero or more than 255: not a plain host.
    if (p === first || (p < length && (buf[p] as number) >= DIGIT_0 && (buf[p] as number) <= DIGIT_9) || (p - first > 1 && buf[first] === DIGIT_0) || n > 255) return -1;
    value = value * 256 + n;
  }
  while (p < length && (buf[p] === SPACE || buf[p] === TAB)) p++;
  // One CR before the line end is part of a CRLF end, as in parseBlacklist.
  if (p < length && buf[p] === CR) p++;
  if (p !== length && buf[p] !== LF) return -1;
  plainHost.value = value;
  return p;
}

/** Builds the parts of a parse result line by line. */
class BlacklistBuilder {
  readonly entries: BlacklistEntry[] = [];
  readonly problems: InputProblem[] = [];
  readonly warnings: InputProblem[] = [];
  hostValues = new Uint32Array(1024);
  hostLines = new Uint32Array(1024);
  hostCount = 0;
  private readonly scanner = new IPv4Scanner();

  constructor(readonly file: string) {}

  /** Reads one line; `start`/`end` delimit it in `text` without its line break. */
  line(text: string, start: number, end: number, line: number): void {
    let s = start;
    while (s < end && isBlank(text.charCodeAt(s))) s++;
    if (s === end || text.charCodeAt(s) === HASH) return;
    if (this.fastIPv4(text, s, end, line)) return;

    // Searched by hand within the line: indexOf would run on to the next `#`
    // in the file, which makes a long file without comments quadratic.
    let entryEnd = s;
    while (entryEnd < end && text.charCodeAt(entryEnd) !== HASH) entryEnd++;
    let e = entryEnd;
    while (e > s && isBlank(text.charCodeAt(e - 1))) e--;
    const entryText = text.slice(s, e);
    const parsed = parseEntry(entryText);
    if ('error' in parsed) {
      this.problems.push({ file: this.file, line, message: parsed.error });
      return;
    }
    const comment = commentAt(text, entryEnd, end);
    if (parsed.mapped === true) {
      this.warnings.push({ file: this.file, line, message: `${excerpt(entryText)} is IPv4-mapped IPv6: IPv4 clients reach the firewall as IPv4, so it is loaded as ${parsed.canonical}` });
    }
    this.add(line, entryText, comment, parsed.kind, parsed.range, parsed.hostBitsSet && parsed.mapped !== true, parsed.canonical);
  }

  /** Takes the line when it is a plain IPv4 host or CIDR; false leaves it to the general path. */
  private fastIPv4(text: string, start: number, end: number, line: number): boolean {
    const scanned = this.scanner.scan(text, start, end);
    if (scanned === -1) return false;
    let p = scanned;
    while (p < end && isBlank(text.charCodeAt(p))) p++;
    if (p !== end && text.charCodeAt(p) !== HASH) return false;

    const { value, prefix, hasPrefix } = this.scanner;
    if (!hasPrefix && p === end) {
      this.addHost(value, line);
      return true;
    }
    const entryText = text.slice(start, scanned);
    if (!hasPrefix) {
      // One bigint serves as both ends: a host is a one-address range.
      const address = BigInt(value);
      const range = { family: 4, first: address, last: address } as const;
      this.add(line, entryText, commentAt(text, p, end), 'host', range, false, entryText);
      return true;
    }
    // Plain arithmetic, not bit operators: those work on signed 32 bits.
    const size = 2 ** (32 - prefix);
    const network = value - (value % size);
    const range = { family: 4, first: BigInt(network), last: BigInt(network + size - 1) } as const;
    const hostBitsSet = network !== value;
    // Text for the warning only, so the slow formatter is used only when one is given.
    const canonical = hostBitsSet ? `${bigIntToAddress(4, range.first)}/${prefix}` : entryText;
    this.add(line, entryText, commentAt(text, p, end), 'cidr', range, hostBitsSet, canonical);
    return true;
  }

  /**
   * Reads a whole file as bytes: plain host lines (blanks, a dotted quad,
   * blanks) straight into the column, every other line decoded on its own
   * and given to {@link line}. The grammar of a host is the scanner's (four
   * octets 0-255, no leading zero); a line the loop does not take whole goes
   * the text path, so the outcome equals parsing the decoded file (a UTF-8
   * decoder never joins an ASCII byte such as LF or CR to its neighbours).
   */
  bytes(buf: Buffer, scan?: HostScan): void {
    const length = buf.length;
    // A UTF-8 byte order mark is not part of line 1.
    let p = length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    if (scan !== undefined) {
      this.scannedBytes(buf, p, scan);
      return;
    }
    // Small on purpose: V8 compiles a small loop in a few ms and runs it in
    // the interpreter until then; with the text path inlined the compile
    // took 50 ms, most of a cold parse.
    for (let line = 1; p !== -1; line++) {
      const end = plainHostLine(buf, p, length);
      if (end === -1) {
        p = this.textLine(buf, p, line);
        continue;
      }
      this.addHost(plainHost.value, line);
      p = end === length ? -1 : end + 1;
    }
  }

  /**
   * {@link bytes} with the plain host lines taken by `scan` (C): it stops at
   * each line it does not take, which goes the text path here, as above.
   */
  private scannedBytes(buf: Buffer, start: number, scan: HostScan): void {
    // Sized for the file at once (a line of a host is at least 8 bytes, 14 on average): no regrowth copies.
    this.reserveHosts(Math.ceil(buf.length / 12));
    const cursor = Float64Array.of(start, 1, this.hostCount);
    for (;;) {
      const status = scan(buf, this.hostValues, this.hostLines, cursor);
      this.hostCount = cursor[2] as number;
      if (status === HOST_SCAN_FULL) {
        this.reserveHosts(this.hostCount * 2);
        continue;
      }
      if (status === HOST_SCAN_END) return;
      const line = cursor[1] as number;
      const next = this.textLine(buf, cursor[0] as number, line);
      if (next === -1) return;
      cursor[0] = next;
      cursor[1] = line + 1;
      cursor[2] = this.hostCount;
    }
  }

  /** Grows the host column to hold at least `capacity` values. */
  private reserveHosts(capacity: number): void {
    if (capacity <= this.hostValues.length) return;
    const values = new Uint32Array(capacity);
    values.set(this.hostValues.subarray(0, this.hostCount));
    this.hostValues = values;
    const lines = new Uint32Array(capacity);
    lines.set(this.hostLines.subarray(0, this.hostCount));
    this.hostLines = lines;
  }

  /** Gives the line at `start` to {@link line} as text; returns where the next line starts, or -1 at the end of the file. */
  private textLine(buf: Buffer, start: number, line: number): number {
    const newline = buf.indexOf(LF, start);
    const next = newline === -1 ? buf.length : newline;
    const end = next > start && buf[next - 1] === CR ? next - 1 : next;
    const text = buf.toString('utf8', start, end);
    this.line(text, 0, text.length, line);
    return newline === -1 ? -1 : newline + 1;
  }

  /** Records a plain host line in the column (grown by doubling: no object per line). */
  private addHost(value: number, line: number): void {
    if (this.hostCount === this.hostValues.length) this.reserveHosts(this.hostCount * 2);
    this.hostValues[this.hostCount] = value;
    this.hostLines[this.hostCount] = line;
    this.hostCount++;
  }

  /** Records an entry; one written with host bits set (`canonical` differs) also gets a warning. */
  private add(
    line: number,
    text: string,
    comment: string | undefined,
    kind: BlacklistEntryKind,
    range: AddressRange,
    hostBitsSet: boolean,
    canonical: string,
  ): void {
    if (hostBitsSet) {
      this.warnings.push({ file: this.file, line, message: `${text} has host bits set; using ${canonical}` });
    }
    this.entries.push(
      comment === undefined
        ? { line, text, kind, range, hostBitsSet }
        : { line, text, comment, kind, range, hostBitsSet },
    );
  }
}

/** The comment that starts at `hash` (a `#`, or `end` when there is none). */
function commentAt(text: string, hash: number, end: number): string | undefined {
  if (hash >= end) return undefined;
  const comment = text.slice(hash + 1, end).trim();
  return comment === '' ? undefined : comment;
}

/**
 * parseBlacklist reads the text of a static_blacklist. It accepts LF and CRLF
 * line ends and a UTF-8 byte order mark, and reports every bad line.
 */
export function parseBlacklist(text: string, file: string): ParsedBlacklist {
  const builder = new BlacklistBuilder(file);
  const length = text.length;
  // Editors on Windows may save a byte order mark; it is not part of line 1.
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let line = 1; ; line++) {
    const newline = text.indexOf('\n', start);
    const next = newline === -1 ? length : newline;
    const end = next > start && text.charCodeAt(next - 1) === CR ? next - 1 : next;
    builder.line(text, start, end, line);
    if (newline === -1) break;
    start = newline + 1;
  }
  return builtBlacklist(builder);
}

/**
 * HostScan reads consecutive plain host lines (as plainHostLine defines
 * them) from `cursor` = [position of a line start, its line number, values
 * held] into `values` and `lines`, moves the cursor past them and returns
 * why it stopped: {@link HOST_SCAN_OTHER}, {@link HOST_SCAN_FULL} or
 * {@link HOST_SCAN_END}. lbfw's addon has one (native/src/hosts4_scan.c,
 * src/blacklist/native-hosts.ts).
 */
export type HostScan = (bytes: Uint8Array, values: Uint32Array, lines: Uint32Array, cursor: Float64Array) => number;
/** The line at the cursor is not a plain host line (or is the empty line after a final LF): the text path reads it. */
export const HOST_SCAN_OTHER = 0;
/** The line at the cursor is a plain host, and `values` or `lines` is full. */
export const HOST_SCAN_FULL = 1;
/** The bytes ended with a plain host line without a line end. */
export const HOST_SCAN_END = 2;

/** Options of {@link parseBlacklistBytes}. */
export interface ParseBytesOptions {
  /** Reads the plain host lines instead of the TypeScript loop; the outcome is the same. */
  readonly hostScan?: HostScan;
}

/**
 * parseBlacklistBytes is {@link parseBlacklist} of the UTF-8 file `bytes`
 * without decoding it first: a million-line file is 16 MB of text, and its
 * host lines are read as numbers straight from the bytes (1M hosts: about
 * 55 ms on the 2-core dev box, where decoding and scanning the text took
 * about 95).
 */
export function parseBlacklistBytes(bytes: Uint8Array, file: string, options: ParseBytesOptions = {}): ParsedBlacklist {
  const builder = new BlacklistBuilder(file);
  // Uint8Array in the signature: the library's types must not need @types/node.
  builder.bytes(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), options.hostScan);
  return builtBlacklist(builder);
}

function builtBlacklist(builder: BlacklistBuilder): ParsedBlacklist {
  const hosts: HostColumn = {
    count: builder.hostCount,
    values: builder.hostValues.subarray(0, builder.hostCount),
    lines: builder.hostLines.subarray(0, builder.hostCount),
  };
  return withColumns(builder.file, hosts, builder.entries, builder.problems, builder.warnings);
}

/** ipv4HostText is the dotted quad of an IPv4 value (`>>>`: unsigned 32 bits). */
export function ipv4HostText(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** The entry of column element `i`. */
export function hostColumnEntry(hosts: HostColumn, i: number): BlacklistEntry {
  const first = BigInt(hosts.values[i] as number);
  return { line: hosts.lines[i] as number, text: ipv4HostText(hosts.values[i] as number), kind: 'host', range: { family: 4, first, last: first }, hostBitsSet: false };
}

/** Both lists ascend by line: one merge walk gives file order. */
function mergeByLine(hosts: HostColumn, rest: readonly BlacklistEntry[]): BlacklistEntry[] {
  const all = new Array<BlacklistEntry>(hosts.count + rest.length);
  let h = 0;
  let r = 0;
  for (let i = 0; i < all.length; i++) {
    const other = rest[r];
    if (h < hosts.count && (other === undefined || (hosts.lines[h] as number) < other.line)) all[i] = hostColumnEntry(hosts, h++);
    else {
      all[i] = other as BlacklistEntry;
      r++;
    }
  }
  return all;
}

/** A ParsedBlacklist whose `entries` are built from its columns when first read. */
function withColumns(file: string, hosts: HostColumn, rest: readonly BlacklistEntry[], problems: readonly InputProblem[], warnings: readonly InputProblem[]): ParsedBlacklist {
  if (hosts.count === 0) return { file, entries: rest, problems, warnings };
  let entries: BlacklistEntry[] | undefined;
  return {
    file,
    get entries(): readonly BlacklistEntry[] {
      entries ??= mergeByLine(hosts, rest);
      return entries;
    },
    columns: { hosts, rest },
    problems,
    warnings,
  };
}

/** entryCount is the number of valid entries, without building `entries`. */
export function entryCount(parsed: ParsedBlacklist): number {
  return parsed.columns === undefined ? parsed.entries.length : parsed.columns.hosts.count + parsed.columns.rest.length;
}

/** assertBlacklistValid throws a {@link BlacklistError} listing every bad line, if there are any. */
export function assertBlacklistValid(parsed: ParsedBlacklist): void {
  if (parsed.problems.length > 0) throw new BlacklistError(parsed.problems);
}
