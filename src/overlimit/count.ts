/**
 * The counter: connections per client (IPv4 per /prefix4, IPv6 per
 * /prefix6, /64 by default: one host owns a /64), per VIP service and per
 * state, from the rows of one scan. It is fed the reader's reused views, so
 * its hot path keys IPv4 clients and services by numbers, not strings.
 */
import type { Family } from '../config/model.js';
import { bigIntToAddress } from '../net/address.js';
import { BATCH_ROWS, CONN_STATES, IPV4_CLIENT, IPV4_VIP, PROTO_SCTP, PROTO_TCP, PROTO_UDP, ipv4Text, ipv6BigInt, type ConnRows4, type ConnRowView } from './conn-table.js';
import { ClientRecords, ClientTable4, GrowingCounts, PairTable, RECORD_SERVICES, SLOT_SERVICES } from './pair-table.js';

/** CountOptions: what counts and how clients are grouped. */
export interface CountOptions {
  readonly prefix4: number;
  readonly prefix6: number;
  /** States that count as connections (e.g. ESTABLISHED). */
  readonly states: readonly string[];
}

/** ServiceCount: connections to one VIP service. */
export interface ServiceCount {
  /** `192.0.2.10:80/tcp` or `[2001:db8::10]:443/tcp`. */
  readonly service: string;
  readonly connections: number;
}

/** ClientCount: one client prefix and its counted connections. */
export interface ClientCount {
  readonly family: Family;
  /** The network address of the client's prefix. */
  readonly address: string;
  readonly prefix: number;
  /** `address` or `address/prefix` when the prefix is not a single address. */
  readonly client: string;
  /** Connections in the counted states, over all services. */
  readonly connections: number;
  /** Per service, most first. */
  readonly services: readonly ServiceCount[];
}

/** ConnCounts: the result of one scan. */
export interface ConnCounts {
  readonly rows: number;
  /** Rows that are connections (not templates), any state. */
  readonly connections: number;
  /** Connections in the counted states. */
  readonly counted: number;
  readonly templates: number;
  /** Connections (templates apart) per state. */
  readonly byState: Readonly<Record<string, number>>;
  /** ip_vs_conn_sync only: connections per origin. */
  readonly byOrigin: Readonly<Record<string, number>>;
  /** Counted connections per VIP service. */
  readonly byService: readonly ServiceCount[];
  /** Distinct client prefixes with counted connections. */
  readonly clients: number;
}

const PROTO_TEXT = ['tcp', 'udp', 'sctp'];

function protoText(proto: number, protoName: string): string {
  return proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP ? (PROTO_TEXT[proto] as string) : protoName.toLowerCase();
}

/** serviceText formats a VIP service as the config writes it. */
export function serviceText(family: Family, address: string, port: number, protocol: string): string {
  return family === 4 ? `${address}:${port}/${protocol}` : `[${address}]:${port}/${protocol}`;
}

function mask4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * NativeTuples4: one hand-over of plain IPv4 rows counted by the native
 * scanner (native/src/conn_scan.c, conn4Take).
 */
export interface NativeTuples4 {
  /** (masked client, service ordinal, count) per key of the rows in counted states, ordered by client. */
  readonly tuples: Uint32Array;
  /** Rows, templates, distinct clients in `tuples`, then connections per {@link CONN_STATES} index. */
  readonly totals: Float64Array;
  /** (vip, proto << 16 | vport) of every service ordinal so far (ordinals never change). */
  readonly services: Uint32Array;
  /** Counted rows of this hand-over per service ordinal. */
  readonly perService: Float64Array;
}

/** Tuples4: a hand-over as kept: the tuples, the native ordinals mapped to the counter's services, and the distinct clients. */
interface Tuples4 {
  readonly tuples: Uint32Array;
  readonly services: Int32Array;
  readonly clients: number;
}

/** Marks IPv6 client ids in the (client, service) pair keys. */
const V6_CLIENT = 0x80000000;

/**
 * ConnCounter counts the rows it is given; {@link clients} and {@link summary}
 * read the result. IPv4 clients, services and (client, service) pairs live
 * in integer-keyed hash tables with typed-array counts: a row costs a few
 * array reads and writes and allocates nothing.
 */
export class ConnCounter {
  /** State index (CONN_STATES) -> whether it is counted. */
  readonly #countedIndex: Uint8Array;
  readonly #countedOther: Set<string>;
  readonly #mask4: number;
  readonly #prefix4: number;
  readonly #prefix6: number;
  /** Masked IPv4 client -> its total and first per-service counts. */
  /** Starts small (an empty table costs nothing to allocate or walk) and doubles as clients come. */
  readonly #clients4 = new ClientTable4(4096);
  /** IPv6 client prefix (masked groups joined) -> id. */
  readonly #clients6 = new Map<string, number>();
  readonly #groups6: Uint16Array[] = [];
  readonly #records6 = new ClientRecords();
  /** (vip4, protocol << 16 | port) -> index into #serviceNames; the last one found, as most rows repeat it. */
  readonly #services4 = new PairTable(64);
  readonly #serviceOf4: number[] = [];
  #lastVip4 = -1;
  #lastPort4 = -1;
  #lastService4 = -1;
  readonly #services6 = new Map<string, number>();
  /** IPv6 client prefixes up to /64: (high, low) 32 bits -> id; #masks6 masks groups 0-3. */
  readonly #clients6Short = new PairTable(1024);
  readonly #masks6: Uint16Array;
  readonly #lastVip6 = new Uint16Array(8);
  /** IPv6 services by (folded VIP, protocol << 16 | port): ordinal -> its VIP's groups (8 each) and service. */
  readonly #services6Fold = new PairTable(64);
  #foldVips = new Uint16Array(0);
  readonly #foldServices: number[] = [];
  #lastProto6 = -1;
  #lastPort6 = -1;
  #lastService6 = -1;
  readonly #serviceNames: string[] = [];
  readonly #serviceTotals = new GrowingCounts();
  /** Services past the client records: (client id, or V6_CLIENT | id, service index) -> count. */
  readonly #pairs = new PairTable(1024);
  readonly #pairCounts = new GrowingCounts();
  readonly #byStateIndex = new Float64Array(CONN_STATES.length);
  readonly #byStateOther = new Map<string, number>();
  readonly #byOrigin = new Map<string, number>();
  /** addRows4's scratch columns: the counted rows' masked clients (as int32) and services. */
  readonly #batchKeys = new Int32Array(BATCH_ROWS);
  readonly #batchServices = new Int32Array(BATCH_ROWS);
  /** Plain IPv4 rows counted natively, as handed over (see {@link addTuples4}). */
  readonly #tuples4: Tuples4[] = [];
  /** Native service ordinal -> index into #serviceNames. */
  readonly #nativeServices: number[] = [];
  #rows = 0;
  #connections = 0;
  #counted = 0;
  #templates = 0;

  constructor(options: CountOptions) {
    this.#countedIndex = new Uint8Array(CONN_STATES.length);
    CONN_STATES.forEach((name, index) => {
      if (options.states.includes(name)) this.#countedIndex[index] = 1;
    });
    this.#countedOther = new Set(options.states);
    this.#prefix4 = options.prefix4;
    this.#prefix6 = options.prefix6;
    this.#masks6 = masked6(new Uint16Array(8).fill(0xffff), options.prefix6).subarray(0, 4);
    this.#mask4 = mask4(options.prefix4);
  }

  /** add counts one row. */
  add(v: ConnRowView): void {
    this.#rows++;
    if (v.template) {
      this.#templates++;
      return;
    }
    this.#connections++;
    const stateIndex = v.stateIndex;
    if (stateIndex >= 0) {
      this.#byStateIndex[stateIndex] = (this.#byStateIndex[stateIndex] as number) + 1;
      if (v.origin !== undefined) this.#byOrigin.set(v.origin, (this.#byOrigin.get(v.origin) ?? 0) + 1);
      if (this.#countedIndex[stateIndex] === 0) return;
    } else {
      this.#byStateOther.set(v.state, (this.#byStateOther.get(v.state) ?? 0) + 1);
      if (v.origin !== undefined) this.#byOrigin.set(v.origin, (this.#byOrigin.get(v.origin) ?? 0) + 1);
      if (!this.#countedOther.has(v.state)) return;
    }
    this.#counted++;
    let service: number;
    if (v.family === 4) {
      const port = (v.proto << 16) | v.vport;
      // Compared as int32: no boxing of addresses above 2^30.
      const vip = (v.ipv4[IPV4_VIP] as number) | 0;
      if (vip === this.#lastVip4 && port === this.#lastPort4) service = this.#lastService4;
      else {
        const ordinal = this.#services4.add(vip, port);
        service = ordinal < this.#serviceOf4.length ? (this.#serviceOf4[ordinal] as number) : this.#newService4(v.vip4, v.vport, protoText(v.proto, v.protoName));
        this.#lastVip4 = vip;
        this.#lastPort4 = port;
        this.#lastService4 = service;
      }
      if (this.#tuples4.length > 0) this.#foldTuples4();
      const client = this.#clients4.count((v.ipv4[IPV4_CLIENT] as number) & this.#mask4, service);
      if (service >= SLOT_SERVICES) this.#pairCounts.increment(this.#pairs.add(client, service));
    } else {
      const client = this.#client6(v.client6);
      service = this.#service6(v);
      if (!this.#records6.add(client, service)) this.#pairCounts.increment(this.#pairs.add((V6_CLIENT | client) >>> 0, service));
    }
    this.#serviceTotals.increment(service);
  }

  /**
   * addRows4 counts a batch of plain IPv4 rows: the same counts as {@link add}
   * of each row, in one loop over the columns.
   */
  addRows4(batch: ConnRows4): void {
    const n = batch.length;
    const { client, vip: vips, clientPort, vport, proto, stateIndex } = batch;
    const countedIndex = this.#countedIndex;
    const byState = this.#byStateIndex;
    const mask = this.#mask4;
    const keys = this.#batchKeys;
    const services = this.#batchServices;
    let templates = 0;
    let counted = 0;
    // First the row's own columns, then the client table in a loop of its own:
    // its lookups miss the cache (50k clients), and a short loop of
    // independent lookups lets the CPU wait for several misses at once.
    for (let i = 0; i < n; i++) {
      if (clientPort[i] === 0) {
        templates++;
        continue;
      }
      const state = stateIndex[i] as number;
      byState[state] = (byState[state] as number) + 1;
      if (countedIndex[state] === 0) continue;
      const port = ((proto[i] as number) << 16) | (vport[i] as number);
      // As int32: no boxing of addresses above 2^30.
      const vip = (vips[i] as number) | 0;
      const service = vip === this.#lastVip4 && port === this.#lastPort4 ? this.#lastService4 : this.#service4(vip, port);
      keys[counted] = (client[i] as number) & mask;
      services[counted] = service;
      counted++;
    }
    if (this.#tuples4.length > 0) this.#foldTuples4();
    const clients = this.#clients4;
    for (let i = 0; i < counted; i++) {
      const service = services[i] as number;
      const id = clients.count(keys[i] as number, service);
      if (service >= SLOT_SERVICES) this.#pairCounts.increment(this.#pairs.add(id, service));
      this.#serviceTotals.increment(service);
    }
    this.#rows += n;
    this.#templates += templates;
    this.#connections += n - templates;
    this.#counted += counted;
  }

  /**
   * What a counter of plain IPv4 rows outside this class (the native
   * scanner, native-count.ts) must apply to count as {@link addRows4} does:
   * the counted states as flags by {@link CONN_STATES} index, and the mask
   * of an IPv4 client's prefix.
   */
  get plainRowRules(): { readonly counted: Uint8Array; readonly mask4: number } {
    return { counted: this.#countedIndex, mask4: this.#mask4 };
  }

  /**
   * addTuples4 counts plain IPv4 rows counted elsewhere (the native scanner,
   * see {@link NativeTuples4}). The counts come out as if each row had gone
   * through {@link addRows4}. The tuples are kept as they are (a client is
   * one run of them) until the result is read.
   */
  addTuples4(handed: NativeTuples4): void {
    const { tuples, totals, services, perService } = handed;
    // The native service ordinals, mapped once each to this counter's services.
    const map = this.#nativeServices;
    for (let o = map.length; o < services.length / 2; o++) map.push(this.#service4((services[2 * o] as number) | 0, (services[2 * o + 1] as number) | 0));
    let counted = 0;
    for (let o = 0; o < perService.length; o++) {
      const n = perService[o] as number;
      if (n === 0) continue;
      this.#serviceTotals.add(map[o] as number, n);
      counted += n;
    }
    if (tuples.length > 0) this.#tuples4.push({ tuples, services: Int32Array.from(map), clients: totals[2] as number });
    const rows = totals[0] as number;
    const templates = totals[1] as number;
    const byState = this.#byStateIndex;
    for (let s = 0; s < byState.length; s++) byState[s] = (byState[s] as number) + (totals[3 + s] as number);
    this.#rows += rows;
    this.#templates += templates;
    this.#connections += rows - templates;
    this.#counted += counted;
  }

  /**
   * The tuples, when they are the only IPv4 clients (one block, nothing in
   * the client table): then they are read as they are. Otherwise (IPv4 rows
   * the reader parsed itself, or a native table that filled more than once)
   * they go into the client table first, where a client seen in both is
   * summed.
   */
  #onlyTuples4(): Tuples4 | undefined {
    const blocks = this.#tuples4;
    if (blocks.length === 0) return undefined;
    if (blocks.length === 1 && this.#clients4.size === 0) return blocks[0];
    this.#foldTuples4();
    return undefined;
  }

  #foldTuples4(): void {
    const clients = this.#clients4;
    for (const { tuples, services } of this.#tuples4) {
      for (let i = 0; i < tuples.length; i += 3) {
        const service = services[tuples[i + 1] as number] as number;
        const n = tuples[i + 2] as number;
        const id = clients.countMany(tuples[i] as number, service, n);
        if (service >= SLOT_SERVICES) this.#pairCounts.add(this.#pairs.add(id, service), n);
      }
    }
    this.#tuples4.length = 0;
  }

  /** The service of (vip, proto << 16 | port), remembered as the last one found. */
  #service4(vip: number, port: number): number {
    const ordinal = this.#services4.add(vip, port);
    const service = ordinal < this.#serviceOf4.length ? (this.#serviceOf4[ordinal] as number) : this.#newService4(vip >>> 0, port & 0xffff, protoText(port >>> 16, ''));
    this.#lastVip4 = vip;
    this.#lastPort4 = port;
    this.#lastService4 = service;
    return service;
  }

  #newService4(vip: number, vport: number, protocol: string): number {
    const index = this.#serviceNames.length;
    this.#serviceNames.push(serviceText(4, ipv4Text(vip), vport, protocol));
    this.#serviceOf4.push(index);
    return index;
  }

  /**
   * The id of an IPv6 client's prefix. Up to /64 (the default) the prefix is
   * two 32-bit halves keyed into a PairTable, without allocating; longer
   * prefixes by their text.
   */
  #client6(groups: Uint16Array): number {
    const prefix = this.#prefix6;
    if (prefix <= 64) {
      const m = this.#masks6;
      const high = (((groups[0] as number) & (m[0] as number)) << 16) | ((groups[1] as number) & (m[1] as number));
      const low = (((groups[2] as number) & (m[2] as number)) << 16) | ((groups[3] as number) & (m[3] as number));
      const id = this.#clients6Short.add(high, low);
      if (id === this.#groups6.length) this.#groups6.push(masked6(groups, prefix));
      return id;
    }
    const masked = masked6(groups, prefix);
    const key = masked.join(':');
    let id = this.#clients6.get(key);
    if (id === undefined) {
      id = this.#groups6.length;
      this.#groups6.push(masked);
      this.#clients6.set(key, id);
    }
    return id;
  }

  /** The service of an IPv6 row: the last one found when the row repeats it (most rows do), else by its text. */
  #service6(v: ConnRowView): number {
    const last = this.#lastVip6;
    const vip = v.vip6;
    if (v.proto === this.#lastProto6 && v.vport === this.#lastPort6) {
      let same = true;
      for (let g = 0; g < 8; g++) {
        if (vip[g] !== last[g]) {
          same = false;
          break;
        }
      }
      if (same) return this.#lastService6;
    }
    // (VIP folded to 32 bits, protocol and port) finds the service without
    // allocating; a fold shared by two VIPs (checked) falls back to the text.
    const ordinal = this.#services6Fold.add(fold6(vip), (v.proto << 16) | v.vport);
    if (ordinal === this.#foldVips.length / 8) {
      const grown = new Uint16Array(this.#foldVips.length + 8);
      grown.set(this.#foldVips);
      grown.set(vip, ordinal * 8);
      this.#foldVips = grown;
      this.#foldServices.push(this.#serviceByText(v));
    }
    let service = this.#foldServices[ordinal] as number;
    for (let g = 0; g < 8; g++) {
      if (this.#foldVips[ordinal * 8 + g] !== vip[g]) {
        service = this.#serviceByText(v);
        break;
      }
    }
    last.set(vip);
    this.#lastProto6 = v.proto;
    this.#lastPort6 = v.vport;
    this.#lastService6 = service;
    return service;
  }

  #serviceByText(v: ConnRowView): number {
    const key = `${Array.from(v.vip6).join(':')}/${v.proto}/${v.vport}`;
    return this.#services6.get(key) ?? this.#newService6(key, v);
  }

  #newService6(key: string, v: ConnRowView): number {
    const index = this.#serviceNames.length;
    this.#serviceNames.push(serviceText(6, bigIntToAddress(6, ipv6BigInt(v.vip6)), v.vport, protoText(v.proto, v.protoName)));
    this.#services6.set(key, index);
    return index;
  }

  /** Count of `service` for a client: from its slot or record, else from the pair table. */
  #pairCount(family: Family, id: number, service: number, slot?: (index: number) => number): number {
    if (family === 4 && service < SLOT_SERVICES && slot !== undefined) return slot(service);
    if (family === 6 && service < RECORD_SERVICES) return this.#records6.service(id, service);
    const pair = this.#pairs.find(family === 4 ? id : (V6_CLIENT | id) >>> 0, service);
    return pair < 0 ? 0 : this.#pairCounts.get(pair);
  }

  #client(family: Family, id: number, key4: number, connections: number, slot?: (index: number) => number): ClientCount {
    const prefix = family === 4 ? this.#prefix4 : this.#prefix6;
    const address = family === 4 ? ipv4Text(key4) : bigIntToAddress(6, ipv6BigInt(this.#groups6[id] as Uint16Array));
    const services: ServiceCount[] = [];
    this.#serviceNames.forEach((service, index) => {
      const n = this.#pairCount(family, id, index, slot);
      if (n > 0) services.push({ service, connections: n });
    });
    services.sort((a, b) => b.connections - a.connections || a.service.localeCompare(b.service));
    const whole = prefix === (family === 4 ? 32 : 128);
    return { family, address, prefix, client: whole ? address : `${address}/${prefix}`, connections, services };
  }

  #clientOf4(key4: number, connections: number, services: readonly ServiceCount[]): ClientCount {
    const address = ipv4Text(key4);
    const prefix = this.#prefix4;
    return { family: 4, address, prefix, client: prefix === 32 ? address : `${address}/${prefix}`, connections, services };
  }

  /** The clients of `block` for which `keep` is true, into `out`: each client is one run of tuples. */
  #tupleClients(block: Tuples4, serviceIndex: ReadonlyMap<string, number>, keep: (connections: number, perService: (service: string) => number) => boolean, out: ClientCount[]): void {
    const { tuples, services } = block;
    const n = tuples.length / 3;
    let from = 0;
    let to = 0;
    // One function for every client (keep calls it before the next run starts): no closure per client.
    const perService = (service: string): number => {
      const index = serviceIndex.get(service);
      for (let t = from; t < to; t++) if (services[tuples[t * 3 + 1] as number] === index) return tuples[t * 3 + 2] as number;
      return 0;
    };
    while (from < n) {
      const key = tuples[from * 3] as number;
      let total = 0;
      to = from;
      while (to < n && tuples[to * 3] === key) {
        total += tuples[to * 3 + 2] as number;
        to++;
      }
      if (keep(total, perService)) {
        const list: ServiceCount[] = [];
        for (let t = from; t < to; t++) list.push({ service: this.#serviceNames[services[tuples[t * 3 + 1] as number] as number] as string, connections: tuples[t * 3 + 2] as number });
        list.sort((a, b) => b.connections - a.connections || a.service.localeCompare(b.service));
        out.push(this.#clientOf4(key, total, list));
      }
      from = to;
    }
  }

  /**
   * clients returns the client prefixes for which `keep` is true (given the
   * total and a lookup of the count per service text), most connections first.
   */
  clients(keep: (connections: number, perService: (service: string) => number) => boolean = () => true): ClientCount[] {
    const out: ClientCount[] = [];
    const serviceIndex = new Map(this.#serviceNames.map((name, index) => [name, index]));
    const visit = (family: Family, id: number, key4: number, connections: number, slot?: (index: number) => number): void => {
      const perService = (service: string): number => {
        const index = serviceIndex.get(service);
        return index === undefined ? 0 : this.#pairCount(family, id, index, slot);
      };
      if (keep(connections, perService)) out.push(this.#client(family, id, key4, connections, slot));
    };
    const only = this.#onlyTuples4();
    if (only !== undefined) this.#tupleClients(only, serviceIndex, keep, out);
    this.#clients4.forEach((key, id, total, slot) => visit(4, id, key, total, slot));
    for (let id = 0; id < this.#groups6.length; id++) visit(6, id, 0, this.#records6.total(id));
    return out.sort((a, b) => b.connections - a.connections || a.client.localeCompare(b.client));
  }

  /** summary returns the totals of the scan. */
  summary(): ConnCounts {
    const only = this.#onlyTuples4();
    const byState = new Map(this.#byStateOther);
    CONN_STATES.forEach((name, index) => {
      const n = this.#byStateIndex[index] as number;
      if (n > 0) byState.set(name, n);
    });
    return {
      rows: this.#rows,
      connections: this.#connections,
      counted: this.#counted,
      templates: this.#templates,
      byState: Object.fromEntries([...byState].sort(([a], [b]) => a.localeCompare(b))),
      byOrigin: Object.fromEntries(this.#byOrigin),
      byService: this.#serviceNames
        .map((service, index) => ({ service, connections: this.#serviceTotals.get(index) }))
        .sort((a, b) => b.connections - a.connections || a.service.localeCompare(b.service)),
      clients: this.#clients4.size + (only?.clients ?? 0) + this.#groups6.length,
    };
  }
}

/** fold6 folds an IPv6 address (eight groups) to 32 bits; two addresses may share a fold. */
export function fold6(groups: Uint16Array): number {
  let fold = 0;
  for (let g = 0; g < 8; g += 2) fold = Math.imul(fold ^ (((groups[g] as number) << 16) | (groups[g + 1] as number)), 0x9e3779b1);
  return fold;
}

function masked6(groups: Uint16Array, prefix: number): Uint16Array {
  const out = new Uint16Array(8);
  for (let g = 0; g < 8; g++) {
    const bits = Math.max(0, Math.min(16, prefix - g * 16));
    out[g] = bits === 0 ? 0 : (groups[g] as number) & ((0xffff << (16 - bits)) & 0xffff);
  }
  return out;
}
