/**
 * Reads a rule's canonical nft text (as `nft list` prints it, counter values
 * and comment removed) back into a typed rule, for the shapes lbfw writes.
 * A rule is typed only when rendering the result gives the same text back:
 * anything else (a rule someone added by hand, a newer nft's spelling)
 * stays untyped and is compared and shown as text.
 */
import type { AddressRange } from '../../net/address.js';
import { addressKey } from '../model/keys.js';
import { elementsFromTexts, decodeKey, ElementTextError } from '../model/elements.js';
import type { ConcatField, IpFamily, Match, NftRule, Statement } from '../model/rules.js';
import { CT_STATE_BITS, ICMP6_TYPE_NUMBERS, ICMP_TYPE_NUMBERS, L4_PROTOCOL_NUMBERS, type CtState, type Icmp6Type, type IcmpType, type L4Protocol } from '../model/values.js';
import { renderRuleText } from '../render/rule-text.js';

/** A cursor over the words of a rule; `{ ... }` is one word. */
class Words {
  readonly #words: string[];
  #at = 0;

  constructor(text: string) {
    this.#words = text.match(/\{[^{}]*\}|"[^"]*"|\S+/g) ?? [];
  }

  peek(offset = 0): string | undefined {
    return this.#words[this.#at + offset];
  }

  next(): string | undefined {
    return this.#words[this.#at++];
  }

  get done(): boolean {
    return this.#at >= this.#words.length;
  }
}

function family(word: string | undefined): IpFamily | undefined {
  return word === 'ip' ? 4 : word === 'ip6' ? 6 : undefined;
}

function setBody(word: string): string[] {
  return word.startsWith('{') ? word.slice(1, -1).split(',').map((w) => w.trim()).filter((w) => w.length > 0) : [word];
}

function ranges(fam: IpFamily, word: string): AddressRange[] | undefined {
  try {
    const list = elementsFromTexts(addressKey(fam), true, setBody(word));
    return Array.from({ length: list.count }, (_, i) => ({
      family: fam,
      first: decodeKey(list.key, list.keys, i)[0] as bigint,
      last: decodeKey(list.key, list.lasts as Uint8Array, i)[0] as bigint,
    }));
  } catch (error) {
    if (error instanceof ElementTextError) return undefined;
    throw error;
  }
}

function names<T extends string>(table: Readonly<Record<T, number>>, word: string): T[] | undefined {
  const items = setBody(word);
  return items.every((item) => item in table) ? (items as T[]) : undefined;
}

function concatField(words: Words): ConcatField | undefined {
  const a = words.next();
  const b = words.next();
  const fam = family(a);
  if (fam !== undefined && (b === 'saddr' || b === 'daddr')) return { kind: 'address', family: fam, field: b };
  if (a === 'meta' && b === 'l4proto') return { kind: 'l4proto' };
  if (a === 'th' && b === 'dport') return { kind: 'th-dport' };
  if (a === 'th' && b === 'sport') return { kind: 'th-sport' };
  return undefined;
}

/** One match starting at the cursor, or undefined when the words are not one lbfw writes. */
function parseMatch(words: Words): Match | undefined {
  const a = words.peek();
  const b = words.peek(1);
  const fam = family(a);
  if (a === 'fib' && b === 'saddr' && words.peek(2) === '.' && words.peek(3) === 'iif' && words.peek(4) === 'oif' && words.peek(5) === 'missing') {
    for (let i = 0; i < 6; i++) words.next();
    return { kind: 'fib-saddr-iif-missing' };
  }
  // A concatenation: `X . Y . Z @set`.
  if (words.peek(2) === '.') {
    const fields: ConcatField[] = [];
    for (;;) {
      const field = concatField(words);
      if (field === undefined) return undefined;
      fields.push(field);
      if (words.peek() !== '.') break;
      words.next();
    }
    const set = words.next();
    return set?.startsWith('@') === true ? { kind: 'concat-in-set', fields, set: set.slice(1) } : undefined;
  }
  words.next();
  words.next();
  if (a === 'iif' && b !== undefined && /^"[^"]+"$/.test(b)) return { kind: 'iif', name: b.slice(1, -1) };
  if (a === 'iifname' && b !== undefined && /^"[^"]+"$/.test(b)) return { kind: 'iifname', name: b.slice(1, -1) };
  const value = words.peek();
  if (value === undefined) return undefined;
  if (fam !== undefined && (b === 'saddr' || b === 'daddr')) {
    if (words.peek(1) === '&') return undefined; // a shard map: a statement
    words.next();
    if (value.startsWith('@')) return { kind: 'address-in-set', family: fam, field: b, set: value.slice(1) };
    const parsed = ranges(fam, value);
    return parsed === undefined ? undefined : { kind: 'address-in', family: fam, field: b, ranges: parsed };
  }
  words.next();
  if (a === 'meta' && b === 'nfproto' && (value === 'ipv4' || value === 'ipv6')) return { kind: 'nfproto', family: value === 'ipv4' ? 4 : 6 };
  if (a === 'meta' && b === 'l4proto' && value in L4_PROTOCOL_NUMBERS) return { kind: 'l4proto', protocol: value as L4Protocol };
  if ((a === 'tcp' || a === 'udp') && b === 'dport' && /^\d+$/.test(value)) return { kind: 'dport', protocol: a, port: Number(value) };
  if (((a === 'ip' && b === 'ttl') || (a === 'ip6' && b === 'hoplimit')) && /^\d+$/.test(value)) return { kind: 'hop-limit', family: a === 'ip' ? 4 : 6, value: Number(value) };
  if (a === 'icmp' && b === 'type') {
    const types = names<IcmpType>(ICMP_TYPE_NUMBERS, value);
    return types === undefined ? undefined : { kind: 'icmp-type', types };
  }
  if (a === 'icmpv6' && b === 'type') {
    const types = names<Icmp6Type>(ICMP6_TYPE_NUMBERS, value);
    return types === undefined ? undefined : { kind: 'icmpv6-type', types };
  }
  if (a === 'ct' && b === 'state') {
    const states = value.split(',');
    return states.every((s) => s in CT_STATE_BITS) ? { kind: 'ct-state', states: states as CtState[] } : undefined;
  }
  return undefined;
}

function parseShardVmap(words: Words): Statement | undefined {
  const fam = family(words.next());
  const field = words.next();
  if (fam === undefined || (field !== 'saddr' && field !== 'daddr') || words.next() !== '&') return undefined;
  words.next(); // the mask: checked by rendering the result again
  if (words.next() !== 'vmap') return undefined;
  const body = words.next();
  if (body === undefined || !body.startsWith('{')) return undefined;
  const chains = setBody(body).map((entry) => /^\S+ : jump (\S+)$/.exec(entry)?.[1]);
  return chains.every((c): c is string => c !== undefined) ? { kind: 'shard-vmap', family: fam, field, chains } : undefined;
}

function parseStatement(words: Words): Statement | undefined {
  const word = words.peek();
  if (word === 'counter') {
    words.next();
    return { kind: 'counter' };
  }
  if (word === 'notrack') {
    words.next();
    return { kind: 'notrack' };
  }
  if (word === 'limit' && words.peek(1) === 'rate') {
    words.next();
    words.next();
    const over = words.peek() === 'over';
    if (over) words.next();
    const rate = /^(\d+)\/second$/.exec(words.next() ?? '');
    let burst = 5;
    if (words.peek() === 'burst') {
      words.next();
      burst = Number(words.next());
      if (words.next() !== 'packets') return undefined;
    }
    return rate === null || !Number.isInteger(burst) ? undefined : { kind: 'limit', perSecond: Number(rate[1]), burst, ...(over ? { over } : {}) };
  }
  if (word === 'accept' || word === 'drop' || word === 'return') {
    words.next();
    return { kind: 'verdict', verdict: word };
  }
  if (word === 'jump' || word === 'goto') {
    words.next();
    const chain = words.next();
    return chain === undefined ? undefined : { kind: word, chain };
  }
  if (family(word) !== undefined && words.peek(2) === '&') return parseShardVmap(words);
  return undefined;
}

const STATEMENT_START = /^(counter|notrack|limit|accept|drop|return|jump|goto)$/;

/** parseRuleText types a rule's text, or returns undefined when it is not a shape lbfw writes. */
export function parseRuleText(id: string, text: string): NftRule | undefined {
  const words = new Words(text);
  const match: Match[] = [];
  const statements: Statement[] = [];
  while (!words.done && !STATEMENT_START.test(words.peek() ?? '') && words.peek(2) !== '&') {
    const parsed = parseMatch(words);
    if (parsed === undefined) return undefined;
    match.push(parsed);
  }
  while (!words.done) {
    const parsed = parseStatement(words);
    if (parsed === undefined) return undefined;
    statements.push(parsed);
  }
  const rule: NftRule = { id, match, statements };
  return renderRuleText(rule) === text ? rule : undefined;
}
