/**
 * Renders typed rules as the canonical text `nft list` prints (nft 1.0.6),
 * so the text lbfw loads is the text it reads back. One renderer per Match
 * and Statement kind: the tables are typed so that a new kind does not
 * compile until it has its text here.
 */
import { bigIntToAddress } from '../../net/address.js';
import { rangeToElement } from '../../net/merge.js';
import type { ConcatField, IpFamily, Match, MatchKind, NftRule, Statement, StatementKind } from '../model/rules.js';
import { NAMED_PRIORITIES } from '../model/values.js';

/** The selector of an IP family: `ip` or `ip6`. */
export function ipKeyword(family: IpFamily): 'ip' | 'ip6' {
  return family === 4 ? 'ip' : 'ip6';
}

function concatFieldText(field: ConcatField): string {
  switch (field.kind) {
    case 'address':
      return `${ipKeyword(field.family)} ${field.field}`;
    case 'l4proto':
      return 'meta l4proto';
    case 'th-dport':
      return 'th dport';
    case 'th-sport':
      return 'th sport';
  }
}

/** `X` for one value, `{ X, Y }` (an anonymous set) for several. */
function oneOrSet(values: readonly string[]): string {
  return values.length === 1 ? (values[0] as string) : `{ ${values.join(', ')} }`;
}

/** nft's default limit burst, which `nft list` leaves out. */
const NFT_DEFAULT_BURST = 5;

type Renderers<K extends string, U extends { kind: string }> = { readonly [P in K]: (item: Extract<U, { kind: P }>) => string };

/** MATCH_TEXT renders each kind of Match. */
export const MATCH_TEXT: Renderers<MatchKind, Match> = {
  iif: (m) => `iif "${m.name}"`,
  iifname: (m) => `iifname "${m.name}"`,
  nfproto: (m) => `meta nfproto ${m.family === 4 ? 'ipv4' : 'ipv6'}`,
  'fib-saddr-iif-missing': () => 'fib saddr . iif oif missing',
  'address-in-set': (m) => `${ipKeyword(m.family)} ${m.field} @${m.set}`,
  'address-in': (m) => `${ipKeyword(m.family)} ${m.field} ${oneOrSet(m.ranges.map(rangeToElement))}`,
  'concat-in-set': (m) => `${m.fields.map(concatFieldText).join(' . ')} @${m.set}`,
  l4proto: (m) => `meta l4proto ${m.protocol}`,
  dport: (m) => `${m.protocol} dport ${m.port}`,
  'hop-limit': (m) => `${m.family === 4 ? 'ip ttl' : 'ip6 hoplimit'} ${m.value}`,
  'icmp-type': (m) => `icmp type ${oneOrSet(m.types)}`,
  'icmpv6-type': (m) => `icmpv6 type ${oneOrSet(m.types)}`,
  'ct-state': (m) => `ct state ${m.states.join(',')}`,
};

/** STATEMENT_TEXT renders each kind of Statement. */
export const STATEMENT_TEXT: Renderers<StatementKind, Statement> = {
  counter: () => 'counter',
  notrack: () => 'notrack',
  limit: (s) => `limit rate ${s.over === true ? 'over ' : ''}${s.perSecond}/second${s.burst === NFT_DEFAULT_BURST ? '' : ` burst ${s.burst} packets`}`,
  verdict: (s) => s.verdict,
  jump: (s) => `jump ${s.chain}`,
  goto: (s) => `goto ${s.chain}`,
  'shard-vmap': (s) => {
    const key = (n: number): string => bigIntToAddress(s.family, BigInt(n));
    const jumps = s.chains.map((chain, shard) => `${key(shard)} : jump ${chain}`);
    return `${ipKeyword(s.family)} ${s.field} & ${key(s.chains.length - 1)} vmap { ${jumps.join(', ')} }`;
  },
};

/** matchText renders one match. */
export function matchText(match: Match): string {
  return (MATCH_TEXT[match.kind] as (m: Match) => string)(match);
}

/** statementText renders one statement. */
export function statementText(statement: Statement): string {
  return (STATEMENT_TEXT[statement.kind] as (s: Statement) => string)(statement);
}

/** renderRuleText renders a rule without its comment and counter values: the text verify compares. */
export function renderRuleText(rule: Pick<NftRule, 'match' | 'statements'>): string {
  return [...rule.match.map(matchText), ...rule.statements.map(statementText)].join(' ');
}

/** commentText is `comment "..."`; rule ids never hold `"` or `\` (Transaction checks). */
export function commentText(id: string): string {
  return `comment "${id}"`;
}

/** priorityText prints a base chain priority by name when nft has one for it. */
export function priorityText(priority: number): string {
  return Object.entries(NAMED_PRIORITIES).find(([, value]) => value === priority)?.[0] ?? String(priority);
}
