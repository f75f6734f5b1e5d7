/**
 * Transaction: typed operations on lbfw's table, validated when queued and
 * executed ONCE by a backend as one kernel transaction (all or nothing),
 * after kubernetes-sigs/knftables. The nft backend renders it to one
 * `nft -f` script, the netlink backend to one batch, the fake applies it to
 * memory.
 */
import { NftInvalidError } from '../errors.js';
import { assertAscending, ElementOrderError, type ElementList } from './model/elements.js';
import { keyTypeText, sameKey, type SetKey } from './model/keys.js';
import type { NftChain, NftSet, NftSetSpec, Ruleset } from './model/objects.js';
import type { ConcatField, Match, NftRule, Statement } from './model/rules.js';

/** TxOperation is one queued operation. Element operations name a set of the table. */
export type TxOperation =
  /**
   * Replace lbfw's table with `ruleset` (sets, elements, chains, rules):
   * the old table, if any, is deleted in the same transaction.
   */
  | { readonly op: 'replace-table'; readonly ruleset: Ruleset }
  /** Remove lbfw's table if it exists (no error when it does not). */
  | { readonly op: 'delete-table' }
  /** Add elements to a set (an existing element is not an error in a hash set). */
  | { readonly op: 'add-elements'; readonly set: string; readonly elements: ElementList }
  /** Delete elements from a set (each must be there, exactly). */
  | { readonly op: 'delete-elements'; readonly set: string; readonly elements: ElementList }
  /** Remove every element of a set. */
  | { readonly op: 'flush-set'; readonly set: string };

/** Kernel limit on object names (NFT_NAME_MAXLEN - 1). */
export const NAME_MAX_BYTES = 255;
/** nft keeps at most 128 bytes of a rule comment (NFTNL_UDATA_COMMENT_MAXLEN). */
export const COMMENT_MAX_BYTES = 128;

function fail(subject: string, message: string): never {
  throw new NftInvalidError(subject, message);
}

function checkName(kind: string, name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) || Buffer.byteLength(name) > NAME_MAX_BYTES) {
    fail(`${kind} ${name}`, 'a name is letters, digits, `_`, `-` or `.`, starting with a letter or `_`, at most 255 bytes');
  }
}

function checkElements(subject: string, spec: Pick<NftSetSpec, 'key' | 'interval'>, elements: ElementList): void {
  if (!sameKey(spec.key, elements.key)) fail(subject, `elements of type ${keyTypeText(elements.key)} do not fit a set of type ${keyTypeText(spec.key)}`);
  if (spec.interval !== elements.interval) fail(subject, spec.interval ? 'an interval set takes ranges' : 'a hash set takes single keys, not ranges');
  try {
    assertAscending(elements);
  } catch (error) {
    if (error instanceof ElementOrderError) fail(subject, error.message);
    throw error;
  }
}

/** The key a concatenation of fields looks up. */
function concatKey(fields: readonly ConcatField[]): SetKey {
  return fields.map((f) => (f.kind === 'address' ? (f.family === 4 ? 'ipv4_addr' : 'ipv6_addr') : f.kind === 'l4proto' ? 'inet_proto' : 'inet_service')) as unknown as SetKey;
}

function checkMatch(subject: string, match: Match, sets: ReadonlyMap<string, NftSetSpec>): void {
  const lookup = (set: string, key: SetKey): void => {
    const spec = sets.get(set);
    if (spec === undefined) fail(subject, `looks up set ${set}, which the table does not have`);
    if (!sameKey(spec.key, key)) fail(subject, `looks up ${keyTypeText(key)} in set ${set} of type ${keyTypeText(spec.key)}`);
  };
  switch (match.kind) {
    case 'address-in-set':
      return lookup(match.set, match.family === 4 ? ['ipv4_addr'] : ['ipv6_addr']);
    case 'concat-in-set':
      if (match.fields.length < 2) fail(subject, 'a concatenation has at least two fields');
      return lookup(match.set, concatKey(match.fields));
    case 'address-in':
      if (match.ranges.length === 0) fail(subject, 'an address match needs at least one range');
      if (match.ranges.some((r) => r.family !== match.family || r.first > r.last)) fail(subject, `ranges must be IPv${match.family} and ascending`);
      for (let i = 1; i < match.ranges.length; i++) {
        if ((match.ranges[i - 1]?.last ?? 0n) + 1n >= (match.ranges[i]?.first ?? 0n)) fail(subject, 'ranges must be merged and ascending');
      }
      return;
    case 'dport':
      if (!Number.isInteger(match.port) || match.port < 0 || match.port > 65535) fail(subject, `port ${match.port} is not 0-65535`);
      return;
    case 'hop-limit':
      if (!Number.isInteger(match.value) || match.value < 0 || match.value > 255) fail(subject, `hop limit ${match.value} is not 0-255`);
      return;
    case 'icmp-type':
    case 'icmpv6-type':
    case 'ct-state':
      if ((match.kind === 'ct-state' ? match.states : match.types).length === 0) fail(subject, `${match.kind} needs at least one value`);
      return;
    case 'iif':
    case 'iifname':
      if (match.name.length === 0 || match.name.length > 15 || /["\\\s]/.test(match.name)) fail(subject, `"${match.name}" is not an interface name`);
      return;
    case 'l4proto':
    case 'nfproto':
    case 'fib-saddr-iif-missing':
      return;
  }
}

function checkStatement(subject: string, statement: Statement, chains: ReadonlyMap<string, NftChain>): void {
  const target = (name: string): void => {
    const chain = chains.get(name);
    if (chain === undefined) fail(subject, `jumps to chain ${name}, which the table does not have`);
    if (chain.base !== undefined) fail(subject, `jumps to base chain ${name}`);
  };
  switch (statement.kind) {
    case 'jump':
    case 'goto':
      return target(statement.chain);
    case 'shard-vmap': {
      const n = statement.chains.length;
      if (n < 2 || (n & (n - 1)) !== 0 || n > 256) fail(subject, `a shard map has a power of two of chains, 2 to 256, not ${n}`);
      statement.chains.forEach(target);
      return;
    }
    case 'limit':
      if (!Number.isInteger(statement.perSecond) || statement.perSecond < 1 || !Number.isInteger(statement.burst) || statement.burst < 1) {
        fail(subject, 'a limit has a whole rate and burst of at least 1');
      }
      return;
    case 'counter':
    case 'notrack':
    case 'verdict':
      return;
  }
}

function checkRule(chain: string, rule: NftRule, sets: ReadonlyMap<string, NftSetSpec>, chains: ReadonlyMap<string, NftChain>): void {
  const subject = `chain ${chain}, rule ${rule.id}`;
  if (/["\\]/.test(rule.id) || Buffer.byteLength(rule.id) > COMMENT_MAX_BYTES || rule.id.length === 0) {
    fail(subject, 'a rule id is 1-128 bytes without `"` or `\\` (it is stored as the rule comment)');
  }
  for (const match of rule.match) checkMatch(subject, match, sets);
  for (const statement of rule.statements) checkStatement(subject, statement, chains);
  // counter, notrack and limit let the rule go on; the others end it.
  const finals = rule.statements.filter((s) => s.kind !== 'counter' && s.kind !== 'notrack' && s.kind !== 'limit');
  if (finals.length > 1 || (finals.length === 1 && rule.statements[rule.statements.length - 1] !== finals[0])) {
    fail(subject, 'at most one verdict, and it comes last');
  }
}

/** validateRuleset checks a whole table before it is queued: names, references, element order. */
export function validateRuleset(ruleset: Ruleset): void {
  const sets = new Map<string, NftSet>();
  for (const set of ruleset.sets) {
    checkName('set', set.name);
    if (sets.has(set.name)) fail(`set ${set.name}`, 'defined twice');
    sets.set(set.name, set);
    checkElements(`set ${set.name}`, set, set.elements);
    if (set.size !== undefined && (!Number.isInteger(set.size) || set.size < set.elements.count)) {
      fail(`set ${set.name}`, `size ${set.size} cannot hold ${set.elements.count} elements`);
    }
  }
  const chains = new Map<string, NftChain>();
  for (const chain of ruleset.chains) {
    checkName('chain', chain.name);
    if (chains.has(chain.name)) fail(`chain ${chain.name}`, 'defined twice');
    chains.set(chain.name, chain);
  }
  for (const chain of ruleset.chains) {
    const ids = new Set<string>();
    for (const rule of chain.rules) {
      if (ids.has(rule.id)) fail(`chain ${chain.name}, rule ${rule.id}`, 'two rules of a chain share an id');
      ids.add(rule.id);
      checkRule(chain.name, rule, sets, chains);
    }
  }
}

/**
 * Transaction collects operations; a backend's `run` commits them as one
 * kernel transaction. Every method validates its operation and throws
 * NftInvalidError at once, so a bad operation never reaches a backend.
 */
export class Transaction {
  readonly #operations: TxOperation[] = [];
  /** Sets of a table replaced earlier in this transaction, to check element operations against. */
  #sets: Map<string, NftSetSpec> | undefined;

  /** The queued operations, in order. */
  get operations(): readonly TxOperation[] {
    return this.#operations;
  }

  /** True when nothing is queued (a backend's run of it does nothing). */
  get empty(): boolean {
    return this.#operations.length === 0;
  }

  /** replaceTable queues the atomic replacement of lbfw's table by `ruleset`. */
  replaceTable(ruleset: Ruleset): this {
    validateRuleset(ruleset);
    this.#sets = new Map(ruleset.sets.map((s) => [s.name, s]));
    this.#operations.push({ op: 'replace-table', ruleset });
    return this;
  }

  /** deleteTable queues the removal of lbfw's table (nothing when it does not exist). */
  deleteTable(): this {
    this.#sets = new Map();
    this.#operations.push({ op: 'delete-table' });
    return this;
  }

  #elementOp(op: 'add-elements' | 'delete-elements', set: string, elements: ElementList): this {
    checkName('set', set);
    const spec = this.#sets?.get(set);
    if (this.#sets !== undefined && spec === undefined) fail(`set ${set}`, 'not in the table this transaction loads');
    checkElements(`set ${set}`, spec ?? elements, elements);
    if (elements.count > 0) this.#operations.push({ op, set, elements });
    return this;
  }

  /** addElements queues elements to add to `set` (sorted, distinct: see ElementList). */
  addElements(set: string, elements: ElementList): this {
    return this.#elementOp('add-elements', set, elements);
  }

  /** deleteElements queues elements to delete from `set`; each must be there exactly. */
  deleteElements(set: string, elements: ElementList): this {
    return this.#elementOp('delete-elements', set, elements);
  }

  /** flushSet queues the removal of every element of `set`. */
  flushSet(set: string): this {
    checkName('set', set);
    if (this.#sets !== undefined && !this.#sets.has(set)) fail(`set ${set}`, 'not in the table this transaction loads');
    this.#operations.push({ op: 'flush-set', set });
    return this;
  }
}
