/**
 * What the running nftables ruleset does with one packet, read from the JSON
 * of `nft -j list ruleset` (libnftables-json(5)). Pure and deliberately
 * cautious: every match is judged `yes`, `no` or `maybe`, and a rule that
 * might accept counts as accepting, so the doctor only reports a packet as
 * dropped when the ruleset certainly drops it.
 *
 * Base chains of one hook all see the packet in turn (by priority): an
 * accept ends only its own chain, a drop anywhere is final (netfilter.rst,
 * "nf_hook_slow"). So a packet passes the input hook only when every base
 * chain on it lets it go.
 */
import type { Family } from '../config/model.js';
import { addressToBigInt, parseAddress } from '../net/address.js';
import { ICMP6_TYPE_NUMBERS, ICMP_TYPE_NUMBERS } from '../nft/model/values.js';

/** NftChainFact: a chain of the ruleset. Base chains have `hook`. */
export interface NftChainFact {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly hook?: string;
  readonly type?: string;
  readonly prio?: number;
  readonly policy?: string;
}

/** NftRuleFact: a rule with its expression list as nft prints it. */
export interface NftRuleFact {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly handle?: number;
  readonly comment?: string;
  readonly expr: readonly unknown[];
}

/** NftSetFact: a named set or map; `elem` is absent when it is empty or its elements were left out. */
export interface NftSetFact {
  readonly family: string;
  readonly table: string;
  readonly name: string;
  readonly elem?: readonly unknown[];
  /** Set when the facts left the elements out (large sets): membership is then unknown. */
  readonly elementsOmitted?: number;
}

/** NftModel: the ruleset taken apart. */
export interface NftModel {
  readonly tables: readonly { readonly family: string; readonly name: string }[];
  readonly chains: readonly NftChainFact[];
  readonly rules: readonly NftRuleFact[];
  readonly sets: readonly NftSetFact[];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** The key under which a set was stored by {@link omitLargeSetElements}. */
export const ELEMENTS_OMITTED = 'lbfw_elements_omitted';

/** readNftModel takes the `nftables` array of `nft -j list ruleset` apart. */
export function readNftModel(items: readonly unknown[]): NftModel {
  const tables: { family: string; name: string }[] = [];
  const chains: NftChainFact[] = [];
  const rules: NftRuleFact[] = [];
  const sets: NftSetFact[] = [];
  for (const item of items) {
    const object = record(item);
    if (object === undefined) continue;
    const table = record(object['table']);
    if (table !== undefined) tables.push({ family: str(table['family']) ?? '', name: str(table['name']) ?? '' });
    const chain = record(object['chain']);
    if (chain !== undefined) {
      const hook = str(chain['hook']);
      const type = str(chain['type']);
      const prio = num(chain['prio']);
      const policy = str(chain['policy']);
      chains.push({
        family: str(chain['family']) ?? '',
        table: str(chain['table']) ?? '',
        name: str(chain['name']) ?? '',
        ...(hook === undefined ? {} : { hook }),
        ...(type === undefined ? {} : { type }),
        ...(prio === undefined ? {} : { prio }),
        ...(policy === undefined ? {} : { policy }),
      });
    }
    const rule = record(object['rule']);
    if (rule !== undefined) {
      const handle = num(rule['handle']);
      const comment = str(rule['comment']);
      rules.push({
        family: str(rule['family']) ?? '',
        table: str(rule['table']) ?? '',
        chain: str(rule['chain']) ?? '',
        ...(handle === undefined ? {} : { handle }),
        ...(comment === undefined ? {} : { comment }),
        expr: Array.isArray(rule['expr']) ? (rule['expr'] as unknown[]) : [],
      });
    }
    const set = record(object['set']) ?? record(object['map']);
    if (set !== undefined) {
      const omitted = num(set[ELEMENTS_OMITTED]);
      sets.push({
        family: str(set['family']) ?? '',
        table: str(set['table']) ?? '',
        name: str(set['name']) ?? '',
        ...(Array.isArray(set['elem']) ? { elem: set['elem'] as unknown[] } : {}),
        ...(omitted === undefined ? {} : { elementsOmitted: omitted }),
      });
    }
  }
  return { tables, chains, rules, sets };
}

/**
 * omitLargeSetElements drops the elements of every set holding more than
 * `limit` (a blacklist of a million entries would make the facts huge),
 * remembering how many there were.
 */
export function omitLargeSetElements(items: readonly unknown[], limit: number): unknown[] {
  return items.map((item) => {
    const object = record(item);
    const key = object === undefined ? undefined : object['set'] !== undefined ? 'set' : object['map'] !== undefined ? 'map' : undefined;
    const set = key === undefined ? undefined : record(object?.[key]);
    if (key === undefined || set === undefined || !Array.isArray(set['elem']) || set['elem'].length <= limit) return item;
    const { elem, ...rest } = set;
    return { [key]: { ...rest, [ELEMENTS_OMITTED]: (elem as unknown[]).length } };
  });
}

/** chainName is how messages name a chain: `inet filter input`. */
export function chainName(chain: Pick<NftChainFact, 'family' | 'table' | 'name'>): string {
  return `${chain.family} ${chain.table} ${chain.name}`;
}

/** Packet: what is known of one packet; an absent field is unknown (any value). */
export interface Packet {
  readonly family: Family;
  readonly saddr?: string;
  readonly daddr?: string;
  /** IP protocol number: 6 tcp, 17 udp, 112 vrrp. */
  readonly l4proto: number;
  readonly sport?: number;
  readonly dport?: number;
  /** The input interface; {@link EXTERNAL} when unknown but certainly not lo. */
  readonly iifname?: string;
  /** The output interface (packets on the output hook). */
  readonly oifname?: string;
  /** TTL (IPv4) or hop limit (IPv6); absent: unknown. */
  readonly hopLimit?: number;
  /** ICMP or ICMPv6 type number (l4proto 1 or 58); absent: unknown. */
  readonly icmpType?: number;
  /** The packet's mark (meta mark); absent: unknown. */
  readonly mark?: number;
  /** Conntrack state of the packet: the first packet of a flow is `new`. */
  readonly ctState?: string;
}

/**
 * EXTERNAL stands for an input interface that is not known but is certainly
 * not loopback (traffic from clients and peers): `iif "lo"` does not match
 * it, any other interface match may.
 */
export const EXTERNAL = '\u0000external';

/** Why a chain lets a packet go or drops it. */
export type ChainVerdict =
  | { readonly kind: 'accept'; readonly rule?: NftRuleFact }
  /** A rule that may match would accept: the doctor gives the packet the benefit of the doubt. */
  | { readonly kind: 'could-accept'; readonly rule?: NftRuleFact }
  | { readonly kind: 'drop'; readonly rule?: NftRuleFact; readonly byPolicy: boolean };

/** HookVerdict: the verdict of one base chain on the hook. */
export interface HookVerdict {
  readonly chain: NftChainFact;
  readonly verdict: ChainVerdict;
}

/** IP protocol names nft prints, with their numbers (/etc/protocols). */
const PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, vrrp: 112, sctp: 132, udplite: 136, dccp: 33,
};

/** Service names nft may print instead of port numbers (/etc/services). */
const SERVICES: Readonly<Record<string, number>> = {
  ssh: 22, domain: 53, http: 80, https: 443, 'ipvs-sync': 8848, smtp: 25, ntp: 123, snmp: 161, bgp: 179, ldap: 389,
};

type Tri = 'yes' | 'no' | 'maybe';
type Kind = 'addr' | 'proto' | 'port' | 'iface' | 'flags' | 'nfproto' | 'number' | 'icmp4' | 'icmp6';

/** ICMP type names nft prints beyond the ones lbfw writes (RFC 792, 950), and ip6tables' names for ICMPv6 below. */
const MORE_ICMP4_TYPES: Readonly<Record<string, number>> = {
  'source-quench': 4, 'router-advertisement': 9, 'router-solicitation': 10, 'timestamp-request': 13, 'timestamp-reply': 14,
  'info-request': 15, 'info-reply': 16, 'address-mask-request': 17, 'address-mask-reply': 18,
};
const ICMP4_NAMES: Readonly<Record<string, number>> = { ...ICMP_TYPE_NUMBERS, ...MORE_ICMP4_TYPES };
const ICMP6_NAMES: Readonly<Record<string, number>> = { ...ICMP6_TYPE_NUMBERS, redirect: 137, 'router-advertisement': 134, 'neighbour-solicitation': 135, 'neighbour-advertisement': 136, 'router-renumbering': 138, 'ind-neighbor-solicit': 141, 'ind-neighbor-advert': 142 };

/** What a left-hand expression evaluates to for the packet. */
type Value =
  | { readonly kind: 'absent' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'single'; readonly type: Kind; readonly value: string | number | readonly string[] }
  | { readonly kind: 'concat'; readonly parts: readonly { readonly type: Kind; readonly value: string | number | readonly string[] }[] };

const ABSENT: Value = { kind: 'absent' };
const UNKNOWN: Value = { kind: 'unknown' };

function single(type: Kind, value: string | number | readonly string[] | undefined): Value {
  return value === undefined ? UNKNOWN : { kind: 'single', type, value };
}

const TRANSPORT = new Set([6, 17, 132, 33, 136]);

function payloadValue(payload: Record<string, unknown>, packet: Packet): Value {
  const protocol = str(payload['protocol']);
  const field = str(payload['field']);
  if (protocol === undefined || field === undefined) return UNKNOWN;
  if (protocol === 'ip' || protocol === 'ip6') {
    if ((protocol === 'ip') !== (packet.family === 4)) return ABSENT;
    if (field === 'saddr') return single('addr', packet.saddr);
    if (field === 'daddr') return single('addr', packet.daddr);
    if (field === 'protocol' || field === 'nexthdr') return single('proto', packet.l4proto);
    if (field === 'ttl' || field === 'hoplimit') return single('number', packet.hopLimit);
    return UNKNOWN;
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    if (packet.l4proto !== (protocol === 'icmp' ? 1 : 58)) return ABSENT;
    return field === 'type' ? single(protocol === 'icmp' ? 'icmp4' : 'icmp6', packet.icmpType) : UNKNOWN;
  }
  if (protocol === 'th') {
    if (!TRANSPORT.has(packet.l4proto)) return ABSENT;
  } else {
    const number = PROTOCOLS[protocol];
    if (number === undefined) return UNKNOWN;
    if (number !== packet.l4proto) return ABSENT;
  }
  if (field === 'dport') return single('port', packet.dport);
  if (field === 'sport') return single('port', packet.sport);
  return UNKNOWN;
}

function leftValue(expression: unknown, packet: Packet): Value {
  const object = record(expression);
  if (object === undefined) return UNKNOWN;
  const payload = record(object['payload']);
  if (payload !== undefined) return payloadValue(payload, packet);
  const meta = record(object['meta']);
  if (meta !== undefined) {
    switch (str(meta['key'])) {
      case 'l4proto':
        return single('proto', packet.l4proto);
      case 'nfproto':
        return single('nfproto', packet.family === 4 ? 'ipv4' : 'ipv6');
      case 'protocol':
        return single('nfproto', packet.family === 4 ? 'ip' : 'ip6');
      case 'iifname':
      case 'iif':
        return single('iface', packet.iifname);
      case 'oifname':
      case 'oif':
        return single('iface', packet.oifname);
      case 'mark':
        return single('number', packet.mark);
      default:
        return UNKNOWN;
    }
  }
  const ct = record(object['ct']);
  if (ct !== undefined) {
    if (str(ct['key']) === 'state' && ct['dir'] === undefined) return single('flags', packet.ctState === undefined ? undefined : [packet.ctState]);
    return UNKNOWN;
  }
  const concat = object['concat'];
  if (Array.isArray(concat)) {
    const parts: { type: Kind; value: string | number | readonly string[] }[] = [];
    let unknown = false;
    for (const part of concat) {
      const value = leftValue(part, packet);
      if (value.kind === 'absent') return ABSENT;
      if (value.kind !== 'single') unknown = true;
      else parts.push({ type: value.type, value: value.value });
    }
    return unknown ? UNKNOWN : { kind: 'concat', parts };
  }
  return UNKNOWN;
}

function toNumber(value: unknown, names: Readonly<Record<string, number>>): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return /^\d+$/.test(value) ? Number(value) : names[value];
  return undefined;
}

function addressNumber(text: unknown): bigint | undefined {
  const parsed = typeof text === 'string' ? parseAddress(text) : undefined;
  return parsed === undefined ? undefined : addressToBigInt(parsed);
}

/** elementMatches: does one element of the right-hand side hold the value? */
function elementMatches(type: Kind, value: string | number | readonly string[], element: unknown): Tri {
  const wrapped = record(element);
  const elem = record(wrapped?.['elem']);
  if (elem !== undefined) return elementMatches(type, value, elem['val']);
  if (typeof element === 'string' && element.startsWith('@')) return 'maybe';
  const range = wrapped?.['range'];
  if (Array.isArray(range) && range.length === 2) {
    if (type === 'addr') {
      const v = addressNumber(value);
      const lo = addressNumber(range[0]);
      const hi = addressNumber(range[1]);
      if (v === undefined || lo === undefined || hi === undefined) return 'maybe';
      return v >= lo && v <= hi ? 'yes' : 'no';
    }
    const names = namesOf(type);
    const v = toNumber(value, names);
    const lo = toNumber(range[0], names);
    const hi = toNumber(range[1], names);
    if (v === undefined || lo === undefined || hi === undefined) return 'maybe';
    return v >= lo && v <= hi ? 'yes' : 'no';
  }
  const prefix = record(wrapped?.['prefix']);
  if (prefix !== undefined) {
    if (type !== 'addr') return 'maybe';
    const parsed = typeof value === 'string' ? parseAddress(value) : undefined;
    const base = typeof prefix['addr'] === 'string' ? parseAddress(prefix['addr']) : undefined;
    const len = num(prefix['len']);
    if (parsed === undefined || base === undefined || len === undefined) return 'maybe';
    if (parsed.family !== base.family) return 'no';
    const bits = BigInt(parsed.family === 4 ? 32 : 128);
    const shift = bits - BigInt(len);
    return addressToBigInt(parsed) >> shift === addressToBigInt(base) >> shift ? 'yes' : 'no';
  }
  if (wrapped !== undefined) return 'maybe';
  switch (type) {
    case 'addr': {
      const a = typeof value === 'string' ? parseAddress(value) : undefined;
      const b = typeof element === 'string' ? parseAddress(element) : undefined;
      if (a === undefined || b === undefined) return 'maybe';
      return a.family === b.family && a.address === b.address ? 'yes' : 'no';
    }
    case 'proto':
    case 'port':
    case 'number':
    case 'icmp4':
    case 'icmp6': {
      const names = namesOf(type);
      const a = toNumber(value, names);
      const b = toNumber(element, names);
      return a === undefined || b === undefined ? 'maybe' : a === b ? 'yes' : 'no';
    }
    case 'iface': {
      if (typeof value !== 'string' || typeof element !== 'string') return 'maybe';
      if (value === EXTERNAL) return element === 'lo' ? 'no' : 'maybe';
      if (element.endsWith('*') && !element.endsWith('\\*')) return value.startsWith(element.slice(0, -1)) ? 'yes' : 'no';
      return value === element ? 'yes' : 'no';
    }
    case 'flags': {
      const states = Array.isArray(value) ? value : [String(value)];
      const wanted = Array.isArray(element) ? (element as unknown[]).map(String) : [String(element)];
      return wanted.some((w) => states.includes(w)) ? 'yes' : 'no';
    }
    case 'nfproto':
      return typeof element === 'string' ? (element === value ? 'yes' : 'no') : 'maybe';
  }
}

/** The names a number of this kind may be printed as. */
function namesOf(type: Kind): Readonly<Record<string, number>> {
  return type === 'port' ? SERVICES : type === 'icmp4' ? ICMP4_NAMES : type === 'icmp6' ? ICMP6_NAMES : PROTOCOLS;
}

function anyOf(results: Iterable<Tri>): Tri {
  let maybe = false;
  for (const result of results) {
    if (result === 'yes') return 'yes';
    if (result === 'maybe') maybe = true;
  }
  return maybe ? 'maybe' : 'no';
}

function allOf(results: Iterable<Tri>): Tri {
  let maybe = false;
  for (const result of results) {
    if (result === 'no') return 'no';
    if (result === 'maybe') maybe = true;
  }
  return maybe ? 'maybe' : 'yes';
}

interface Scope {
  readonly model: NftModel;
  readonly family: string;
  readonly table: string;
}

function setElements(scope: Scope, reference: string): readonly unknown[] | undefined {
  const name = reference.slice(1);
  const set = scope.model.sets.find((s) => s.family === scope.family && s.table === scope.table && s.name === name);
  if (set === undefined || set.elementsOmitted !== undefined) return undefined;
  return set.elem ?? [];
}

/** contains: is the value in the right-hand side (one element, an anonymous set, or a named set)? */
function contains(value: Extract<Value, { kind: 'single' | 'concat' }>, right: unknown, scope: Scope): Tri {
  let elements: readonly unknown[];
  if (typeof right === 'string' && right.startsWith('@')) {
    const found = setElements(scope, right);
    if (found === undefined) return 'maybe';
    elements = found;
  } else {
    const anonymous = record(right)?.['set'];
    elements = Array.isArray(anonymous) ? anonymous : [right];
  }
  return anyOf(
    elements.map((element) => {
      if (value.kind === 'single') return elementMatches(value.type, value.value, element);
      const inner = record(element);
      const unwrapped = record(inner?.['elem'])?.['val'] ?? element;
      const parts = record(unwrapped)?.['concat'];
      if (!Array.isArray(parts) || parts.length !== value.parts.length) return 'maybe';
      return allOf(value.parts.map((part, i) => elementMatches(part.type, part.value, parts[i])));
    }),
  );
}

function matchResult(match: Record<string, unknown>, packet: Packet, scope: Scope): Tri {
  const value = leftValue(match['left'], packet);
  if (value.kind === 'absent') return 'no';
  if (value.kind === 'unknown') return 'maybe';
  const op = str(match['op']) ?? '==';
  const right = match['right'];
  switch (op) {
    case '==':
    case 'in':
      return contains(value, right, scope);
    case '!=': {
      const result = contains(value, right, scope);
      return result === 'yes' ? 'no' : result === 'no' ? 'yes' : 'maybe';
    }
    default: {
      if (value.kind !== 'single') return 'maybe';
      const a = toNumber(value.value, namesOf(value.type));
      const b = toNumber(right, namesOf(value.type));
      if (a === undefined || b === undefined) return 'maybe';
      const holds = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : op === '>=' ? a >= b : undefined;
      return holds === undefined ? 'maybe' : holds ? 'yes' : 'no';
    }
  }
}

/** Statements that neither match nor decide: they never change the verdict. */
const NEUTRAL = new Set(['counter', 'log', 'mangle', 'notrack', 'dup', 'set', 'ct helper', 'ct timeout', 'ct expectation', 'synproxy', 'snat', 'dnat', 'masquerade', 'redirect', 'tproxy', 'fwd']);
/** Statements that match only sometimes (rate limits, quotas, connection counts). */
const SOMETIMES = new Set(['limit', 'quota', 'ct count', 'secmark']);

type RuleOutcome =
  | { readonly kind: 'no-match' }
  | { readonly kind: 'verdict'; readonly verdict: string; readonly target?: string; readonly certain: boolean };

function ruleOutcome(rule: NftRuleFact, packet: Packet, scope: Scope): RuleOutcome {
  let status: Tri = 'yes';
  for (const statement of rule.expr) {
    const object = record(statement);
    if (object === undefined) continue;
    const [key] = Object.keys(object);
    if (key === undefined) continue;
    const body = object[key];
    if (key === 'match') {
      const result = matchResult(record(body) ?? {}, packet, scope);
      if (result === 'no') return { kind: 'no-match' };
      if (result === 'maybe') status = 'maybe';
      continue;
    }
    if (key === 'accept' || key === 'drop' || key === 'reject' || key === 'return' || key === 'continue' || key === 'queue') {
      return { kind: 'verdict', verdict: key, certain: status === 'yes' };
    }
    if (key === 'jump' || key === 'goto') {
      const target = str(record(body)?.['target']);
      return { kind: 'verdict', verdict: key, ...(target === undefined ? {} : { target }), certain: status === 'yes' };
    }
    if (key === 'vmap') return { kind: 'verdict', verdict: 'vmap', certain: false };
    if (NEUTRAL.has(key)) continue;
    if (key === 'xt') {
      // An iptables-nft target (MARK, LOG, ...) does not decide; a match nobody explained may or may not match.
      if (record(body)?.['type'] === 'target') continue;
      status = 'maybe';
      continue;
    }
    if (SOMETIMES.has(key)) {
      status = 'maybe';
      continue;
    }
    // Anything else (an expression this reader does not know) may or may not match.
    status = 'maybe';
  }
  return { kind: 'no-match' };
}

type Walk =
  | { readonly kind: 'end' }
  | Exclude<ChainVerdict, { kind: 'drop' }>
  | { readonly kind: 'drop'; readonly rule: NftRuleFact };

/** MAX_DEPTH bounds jumps (the kernel itself allows 16 levels: NFT_JUMP_STACK_SIZE). */
const MAX_DEPTH = 16;

function walkChain(scope: Scope, chain: string, packet: Packet, depth: number): Walk {
  if (depth > MAX_DEPTH) return { kind: 'could-accept' };
  const rules = scope.model.rules.filter((r) => r.family === scope.family && r.table === scope.table && r.chain === chain);
  for (const rule of rules) {
    const outcome = ruleOutcome(rule, packet, scope);
    if (outcome.kind === 'no-match') continue;
    switch (outcome.verdict) {
      case 'accept':
        return outcome.certain ? { kind: 'accept', rule } : { kind: 'could-accept', rule };
      case 'queue':
      case 'vmap':
        return { kind: 'could-accept', rule };
      case 'drop':
      case 'reject':
        if (outcome.certain) return { kind: 'drop', rule };
        continue;
      case 'return':
        if (outcome.certain) return { kind: 'end' };
        continue;
      case 'continue':
        continue;
      case 'jump':
      case 'goto': {
        if (outcome.target === undefined) return { kind: 'could-accept', rule };
        const inner = walkChain(scope, outcome.target, packet, depth + 1);
        if (inner.kind === 'end') {
          if (outcome.verdict === 'goto' && outcome.certain) return { kind: 'end' };
          continue;
        }
        if (outcome.certain) return inner;
        if (inner.kind !== 'drop') return { kind: 'could-accept', rule };
        continue;
      }
      default:
        return { kind: 'could-accept', rule };
    }
  }
  return { kind: 'end' };
}

function familyApplies(tableFamily: string, family: Family): boolean {
  return tableFamily === 'inet' || (tableFamily === 'ip' && family === 4) || (tableFamily === 'ip6' && family === 6);
}

/** baseChains lists the base chains of `hook` that see packets of `family`, by priority. */
export function baseChains(model: NftModel, hook: string, family?: Family): NftChainFact[] {
  return model.chains
    .filter((c) => c.hook === hook && (family === undefined ? ['inet', 'ip', 'ip6'].includes(c.family) : familyApplies(c.family, family)))
    .sort((a, b) => (a.prio ?? 0) - (b.prio ?? 0));
}

/** hookVerdicts says what every base chain of `hook` does with the packet. */
export function hookVerdicts(model: NftModel, hook: string, packet: Packet): HookVerdict[] {
  return baseChains(model, hook, packet.family).map((chain) => {
    const scope: Scope = { model, family: chain.family, table: chain.table };
    const walked = walkChain(scope, chain.name, packet, 0);
    if (walked.kind === 'end') {
      const verdict: ChainVerdict = chain.policy === 'drop' ? { kind: 'drop', byPolicy: true } : { kind: 'accept' };
      return { chain, verdict };
    }
    if (walked.kind === 'drop') return { chain, verdict: { kind: 'drop', rule: walked.rule, byPolicy: false } };
    return { chain, verdict: walked };
  });
}

/** droppedBy returns the first base chain that drops the packet, or undefined when it may pass. */
export function droppedBy(
  model: NftModel,
  hook: string,
  packet: Packet,
  ignore: (verdict: HookVerdict) => boolean = () => false,
): HookVerdict | undefined {
  return hookVerdicts(model, hook, packet).find((v) => v.verdict.kind === 'drop' && !ignore(v));
}

/**
 * passedBy returns what every base chain of `hook` does with the packet when
 * each of them certainly lets it go (an accepting rule, or the end of the
 * chain under policy accept); undefined when any chain drops it or might.
 * `pass` names chains whose verdict does not count (the lab's DR emulation).
 * The opposite caution of {@link droppedBy}: a hole is reported only when
 * the ruleset certainly has it.
 */
export function passedBy(
  model: NftModel,
  hook: string,
  packet: Packet,
  pass: (verdict: HookVerdict) => boolean = () => false,
): HookVerdict[] | undefined {
  const verdicts = hookVerdicts(model, hook, packet).filter((v) => !pass(v));
  return verdicts.every((v) => v.verdict.kind === 'accept') ? verdicts : undefined;
}

/** describePass says in words which chains let a packet through, and by which rule or policy. */
export function describePass(verdicts: readonly HookVerdict[]): string {
  if (verdicts.length === 0) return 'no chain filters it';
  return verdicts
    .map((v) => (v.verdict.rule === undefined ? `chain ${chainName(v.chain)} (policy ${v.chain.policy ?? 'accept'}) lets it pass` : `rule ${describeRule(v.verdict.rule)} of chain ${chainName(v.chain)} accepts it`))
    .join('; ');
}

/**
 * Conntrack's own hook priority (NF_IP_PRI_CONNTRACK): a `notrack` in a
 * prerouting base chain of lower priority (raw, -300) runs before conntrack
 * looks at the packet, one at this priority or later does nothing.
 */
export const CONNTRACK_PRIORITY = -200;

/** Untracked: the rule whose `notrack` makes conntrack skip the packet, and its base chain. */
export interface Untracked {
  readonly chain: NftChainFact;
  readonly rule: NftRuleFact;
}

type NotrackWalk = { readonly kind: 'notrack'; readonly rule: NftRuleFact } | { readonly kind: 'end' } | { readonly kind: 'stop' };

/** notrackIn walks a chain: a rule certainly reached and certainly matching that holds `notrack` untracks the packet. */
function notrackIn(scope: Scope, chain: string, packet: Packet, depth: number): NotrackWalk {
  if (depth > MAX_DEPTH) return { kind: 'stop' };
  const rules = scope.model.rules.filter((r) => r.family === scope.family && r.table === scope.table && r.chain === chain);
  for (const rule of rules) {
    let status: Tri = 'yes';
    let next: NotrackWalk | undefined;
    for (const statement of rule.expr) {
      const object = record(statement);
      const key = object === undefined ? undefined : Object.keys(object)[0];
      if (object === undefined || key === undefined) continue;
      if (key === 'match') {
        const result = matchResult(record(object[key]) ?? {}, packet, scope);
        if (result === 'no') break;
        if (result === 'maybe') status = 'maybe';
        continue;
      }
      if (key === 'notrack') {
        if (status === 'yes') return { kind: 'notrack', rule };
        continue;
      }
      if (key === 'jump' || key === 'goto') {
        const target = str(record(object[key])?.['target']);
        if (target === undefined) {
          next = { kind: 'stop' };
          break;
        }
        const inner = notrackIn(scope, target, packet, depth + 1);
        // A jump that only may happen cannot prove the packet untracked; a certain one returns here unless it stopped.
        if (inner.kind === 'notrack' && status === 'yes') return inner;
        if (inner.kind === 'stop') next = inner;
        else if (inner.kind === 'end' && key === 'goto' && status === 'yes') next = inner;
        break;
      }
      if (NEUTRAL.has(key) || key === 'continue') continue;
      if (key === 'accept' || key === 'drop' || key === 'reject' || key === 'queue' || key === 'return' || key === 'vmap') {
        // A verdict that certainly applies ends the walk before any later notrack; one that may apply leaves it unproven.
        if (status === 'yes') next = key === 'return' ? { kind: 'end' } : { kind: 'stop' };
        else if (key !== 'drop' && key !== 'reject') next = { kind: 'stop' };
        break;
      }
      status = 'maybe';
    }
    if (next !== undefined) return next;
  }
  return { kind: 'end' };
}

/**
 * untrackedBy says which rule certainly untracks the packet (a `notrack` in
 * a prerouting base chain before conntrack, in any table), or undefined when
 * conntrack may see it. Cautious the other way round from droppedBy: only a
 * rule that certainly matches, reached without any verdict that may end the
 * chain first, counts.
 */
export function untrackedBy(model: NftModel, packet: Packet): Untracked | undefined {
  for (const chain of baseChains(model, 'prerouting', packet.family)) {
    if ((chain.prio ?? 0) >= CONNTRACK_PRIORITY) continue;
    const walked = notrackIn({ model, family: chain.family, table: chain.table }, chain.name, packet, 0);
    if (walked.kind === 'notrack') return { chain, rule: walked.rule };
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(describeValue).join(',');
  const object = record(value);
  if (object === undefined) return JSON.stringify(value);
  const prefix = record(object['prefix']);
  if (prefix !== undefined) return `${describeValue(prefix['addr'])}/${describeValue(prefix['len'])}`;
  const range = object['range'];
  if (Array.isArray(range)) return `${describeValue(range[0])}-${describeValue(range[1])}`;
  const set = object['set'];
  if (Array.isArray(set)) return `{ ${set.map(describeValue).join(', ')} }`;
  const concat = object['concat'];
  if (Array.isArray(concat)) return concat.map(describeValue).join(' . ');
  const payload = record(object['payload']);
  if (payload !== undefined) return `${describeValue(payload['protocol'])} ${describeValue(payload['field'])}`;
  const meta = record(object['meta']);
  if (meta !== undefined) return `meta ${describeValue(meta['key'])}`;
  const ct = record(object['ct']);
  if (ct !== undefined) return `ct ${describeValue(ct['key'])}`;
  const [key] = Object.keys(object);
  return key ?? '?';
}

/** unjudgedExpressions lists what the rule holds that the evaluator cannot judge (iptables-nft `xt` matches). */
export function unjudgedExpressions(rule: NftRuleFact): string[] {
  return rule.expr.flatMap((statement) => {
    const xt = record(record(statement)?.['xt']);
    if (xt === undefined || xt['type'] === 'target') return [];
    const why = xt['lbfw_unjudged'];
    return [typeof why === 'string' ? why : `xt match ${str(xt['name']) ?? '?'}`];
  });
}

/** describeRule renders a rule roughly as `nft list` does, with its handle: for messages only. */
export function describeRule(rule: NftRuleFact): string {
  const parts: string[] = [];
  for (const statement of rule.expr) {
    const object = record(statement);
    if (object === undefined) continue;
    const [key] = Object.keys(object);
    if (key === undefined || key === 'counter') continue;
    const body = object[key];
    if (key === 'match') {
      const match = record(body) ?? {};
      const op = str(match['op']) ?? '==';
      parts.push(`${describeValue(match['left'])}${op === '==' || op === 'in' ? '' : ` ${op}`} ${describeValue(match['right'])}`);
    } else if (key === 'jump' || key === 'goto') {
      parts.push(`${key} ${describeValue(record(body)?.['target'])}`);
    } else if (key === 'xt') {
      parts.push(`xt ${describeValue(record(body)?.['name'])}`);
    } else {
      parts.push(key);
    }
  }
  const comment = rule.comment === undefined ? '' : ` comment "${rule.comment}"`;
  return `"${parts.join(' ')}${comment}"${rule.handle === undefined ? '' : ` (handle ${rule.handle})`}`;
}

/** describeDrop says in words how a chain drops a packet. */
export function describeDrop(verdict: HookVerdict): string {
  const name = chainName(verdict.chain);
  if (verdict.verdict.kind !== 'drop') return `chain ${name} lets it pass`;
  if (verdict.verdict.byPolicy || verdict.verdict.rule === undefined) {
    return `chain ${name} (hook ${verdict.chain.hook ?? '?'}, policy drop) has no rule that accepts it`;
  }
  return `rule ${describeRule(verdict.verdict.rule)} of chain ${name} drops it`;
}
