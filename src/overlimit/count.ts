/**
 * The counter: connections per client (IPv4 per /prefix4, IPv6 per
 * /prefix6, /64 by default: one host owns a /64), per VIP service and per
 * state, from the rows of one scan. It is fed the reader's reused views, so
 * its hot path keys IPv4 clients and services by numbers, not strings.
 */
import type { Family } from '../config/model.js';
import { bigIntToAddress } from '../net/address.js';
import { PROTO_SCTP, PROTO_TCP, PROTO_UDP, ipv4Text, ipv6BigInt, type ConnRowView } from './conn-table.js';

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

interface Tally {
  count: number;
  /** Service index -> count. */
  readonly services: Map<number, number>;
  readonly family: Family;
  /** IPv4: masked address; IPv6: masked groups. */
  readonly v4: number;
  readonly v6: Uint16Array | undefined;
}

const PROTO_TEXT = ['tcp', 'udp', 'sctp'];

function protoText(view: ConnRowView): string {
  return view.proto === PROTO_TCP || view.proto === PROTO_UDP || view.proto === PROTO_SCTP ? (PROTO_TEXT[view.proto] as string) : view.protoName.toLowerCase();
}

/** serviceText formats a VIP service as the config writes it. */
export function serviceText(family: Family, address: string, port: number, protocol: string): string {
  return family === 4 ? `${address}:${port}/${protocol}` : `[${address}]:${port}/${protocol}`;
}

function mask4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** ConnCounter counts the rows it is given; {@link clients} and {@link summary} read the result. */
export class ConnCounter {
  readonly #states: Set<string>;
  readonly #mask4: number;
  readonly #prefix4: number;
  readonly #prefix6: number;
  readonly #tallies4 = new Map<number, Tally>();
  readonly #tallies6 = new Map<string, Tally>();
  readonly #serviceIndex4 = new Map<number, number>();
  readonly #serviceIndex6 = new Map<string, number>();
  readonly #serviceNames: string[] = [];
  readonly #serviceTotals: number[] = [];
  readonly #byState = new Map<string, number>();
  readonly #byOrigin = new Map<string, number>();
  #rows = 0;
  #connections = 0;
  #counted = 0;
  #templates = 0;

  constructor(options: CountOptions) {
    this.#states = new Set(options.states);
    this.#prefix4 = options.prefix4;
    this.#prefix6 = options.prefix6;
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
    this.#byState.set(v.state, (this.#byState.get(v.state) ?? 0) + 1);
    if (v.origin !== undefined) this.#byOrigin.set(v.origin, (this.#byOrigin.get(v.origin) ?? 0) + 1);
    if (!this.#states.has(v.state)) return;
    this.#counted++;
    let tally: Tally | undefined;
    let service: number;
    if (v.family === 4) {
      const key = (v.client4 & this.#mask4) >>> 0;
      tally = this.#tallies4.get(key);
      if (tally === undefined) {
        tally = { count: 0, services: new Map(), family: 4, v4: key, v6: undefined };
        this.#tallies4.set(key, tally);
      }
      // 32 bits of VIP, 3 of protocol, 16 of port: exact in a double.
      const serviceKey = v.vip4 * 524288 + v.proto * 65536 + v.vport;
      service = this.#serviceIndex4.get(serviceKey) ?? this.#newService4(serviceKey, v);
    } else {
      const groups = masked6(v.client6, this.#prefix6);
      const key = groups.join(':');
      tally = this.#tallies6.get(key);
      if (tally === undefined) {
        tally = { count: 0, services: new Map(), family: 6, v4: 0, v6: groups };
        this.#tallies6.set(key, tally);
      }
      const serviceKey = `${Array.from(v.vip6).join(':')}/${v.proto}/${v.vport}`;
      service = this.#serviceIndex6.get(serviceKey) ?? this.#newService6(serviceKey, v);
    }
    tally.count++;
    tally.services.set(service, (tally.services.get(service) ?? 0) + 1);
    this.#serviceTotals[service] = (this.#serviceTotals[service] ?? 0) + 1;
  }

  #newService4(key: number, v: ConnRowView): number {
    const index = this.#serviceNames.length;
    this.#serviceNames.push(serviceText(4, ipv4Text(v.vip4), v.vport, protoText(v)));
    this.#serviceIndex4.set(key, index);
    return index;
  }

  #newService6(key: string, v: ConnRowView): number {
    const index = this.#serviceNames.length;
    this.#serviceNames.push(serviceText(6, bigIntToAddress(6, ipv6BigInt(v.vip6)), v.vport, protoText(v)));
    this.#serviceIndex6.set(key, index);
    return index;
  }

  #client(tally: Tally): ClientCount {
    const prefix = tally.family === 4 ? this.#prefix4 : this.#prefix6;
    const address = tally.family === 4 ? ipv4Text(tally.v4) : bigIntToAddress(6, ipv6BigInt(tally.v6 as Uint16Array));
    const services = [...tally.services]
      .map(([index, connections]) => ({ service: this.#serviceNames[index] as string, connections }))
      .sort((a, b) => b.connections - a.connections || a.service.localeCompare(b.service));
    const whole = prefix === (tally.family === 4 ? 32 : 128);
    return { family: tally.family, address, prefix, client: whole ? address : `${address}/${prefix}`, connections: tally.count, services };
  }

  /**
   * clients returns the client prefixes for which `keep` is true (given the
   * total and a lookup of the count per service text), most connections first.
   */
  clients(keep: (connections: number, perService: (service: string) => number) => boolean = () => true): ClientCount[] {
    const out: ClientCount[] = [];
    const serviceIndex = new Map(this.#serviceNames.map((name, index) => [name, index]));
    for (const tally of [...this.#tallies4.values(), ...this.#tallies6.values()]) {
      const perService = (service: string): number => {
        const index = serviceIndex.get(service);
        return index === undefined ? 0 : (tally.services.get(index) ?? 0);
      };
      if (keep(tally.count, perService)) out.push(this.#client(tally));
    }
    return out.sort((a, b) => b.connections - a.connections || a.client.localeCompare(b.client));
  }

  /** summary returns the totals of the scan. */
  summary(): ConnCounts {
    return {
      rows: this.#rows,
      connections: this.#connections,
      counted: this.#counted,
      templates: this.#templates,
      byState: Object.fromEntries([...this.#byState].sort(([a], [b]) => a.localeCompare(b))),
      byOrigin: Object.fromEntries(this.#byOrigin),
      byService: this.#serviceNames
        .map((service, index) => ({ service, connections: this.#serviceTotals[index] ?? 0 }))
        .sort((a, b) => b.connections - a.connections || a.service.localeCompare(b.service)),
      clients: this.#tallies4.size + this.#tallies6.size,
    };
  }
}

function masked6(groups: Uint16Array, prefix: number): Uint16Array {
  const out = new Uint16Array(8);
  for (let g = 0; g < 8; g++) {
    const bits = Math.max(0, Math.min(16, prefix - g * 16));
    out[g] = bits === 0 ? 0 : (groups[g] as number) & ((0xffff << (16 - bits)) & 0xffff);
  }
  return out;
}
