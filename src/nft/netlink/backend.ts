/**
 * NetlinkBackend: the NftBackend that talks to the kernel itself, through
 * lbfw-netlink (native/). A Transaction becomes ONE batch sent with ONE
 * sendmsg: the kernel commits all of it or nothing. Reading back dumps set
 * headers, chains and rules, and every set's elements (lbfw shards big hash
 * sets, so each dump stays small and the whole read-back linear: see
 * src/ruleset/shards.ts and native/README.md); single keys are looked up
 * with batched GETSETELEM requests.
 */
import { NftError, PermissionError } from '../../errors.js';
import type { CommitReceipt, ListRulesetOptions, LookupRequest, NftBackend, ReadTableOptions, RuleSnapshot, SetSnapshot, TableSnapshot } from '../backend.js';
import { emptyElements, sortElements, type ElementList } from '../model/elements.js';
import { keyWidth, type SetKey } from '../model/keys.js';
import { TABLE_NAME } from '../model/objects.js';
import { renderRuleText } from '../render/rule-text.js';
import type { Transaction } from '../transaction.js';
import { run } from '../../system/run.js';
import { nftVersion } from '../cli-backend.js';
import { encodeTransaction, elementAt, setBatchGeneration, type EncodedBatch } from './batch.js';
import { decodeChain, decodeElements, decodeHashKeys, decodeRule, decodeSet, expressionsText, toElementList, typedRule, type AnonymousSet, type DecodedSet, type RawElement } from './decode.js';
import { msgType } from './encode.js';
import { describeErrno, NetlinkError, NetlinkUnknownOutcomeError } from './errors.js';
import type { NativeBinding } from './native.js';
import { attributeMap, be32, kernelErrors, messages, type ReplyMessage } from './reader.js';
import * as U from './uapi.js';
import { MessageWriter } from './writer.js';

/** Keys per GETSETELEM request, and requests per round trip: each found key is one reply skb. */
const LOOKUP_KEYS_PER_MESSAGE = 1024;
const LOOKUP_MESSAGES_PER_ROUND = 4;
/** Requests lookupEach sends in one round trip (each a message of at most LOOKUP_KEYS_PER_MESSAGE keys). */
const LOOKUP_EACH_PER_ROUND = 512;
/** Receive buffer for dumps and lookups (FORCE'd as root). */
const RCVBUF = 64 << 20;

/** One GETSETELEM message of a lookup round: keys first..first+count of `keys`. */
interface LookupMessage extends LookupRequest {
  readonly first: number;
  readonly count: number;
}

/** What the kernel answered to one LookupMessage: the keys it holds; ENOENT when it stopped at one it does not. */
interface LookupAnswer {
  readonly got: Uint8Array[];
  readonly errno?: number;
}
const EPERM = 1;
const ENOENT = 2;
const ENOBUFS = 105;
/** The kernel's answer to a batch built on a generation that is no longer current. */
const ERESTART = 85;
const EEXIST = 17;
/** Sends of one batch before lbfw gives up on a ruleset that keeps changing. */
const GENERATION_ATTEMPTS = 5;

/** The generation a commit on top of `generation` creates: the kernel counts up and skips 0 (0 means "any" in a batch). */
function nextGeneration(generation: number): number {
  const next = (generation + 1) >>> 0;
  return next === 0 ? 1 : next;
}

/** NetlinkBackendOptions: the namespace to work in. */
export interface NetlinkOptions {
  readonly netns?: string;
  /** The nft program, for listRulesetJson (the doctor's view of other tables). */
  readonly nft?: string;
}

/** NetlinkBackend implements NftBackend over lbfw-netlink. */
export class NetlinkBackend implements NftBackend {
  readonly name = 'netlink' as const;
  readonly netns?: string;
  readonly #native: NativeBinding;
  readonly #nsPath: string | undefined;
  readonly #nft: string;
  #seq = Math.floor(Date.now() / 1000) & 0x3fffffff;

  constructor(native: NativeBinding, options: NetlinkOptions = {}) {
    this.#native = native;
    if (options.netns !== undefined) this.netns = options.netns;
    this.#nsPath = options.netns === undefined ? undefined : `/run/netns/${options.netns}`;
    this.#nft = options.nft ?? 'nft';
  }

  async #transact(buffers: readonly Buffer[], dump: boolean, rcvbuf = RCVBUF): Promise<{ replies: ReplyMessage[]; errno: number }> {
    const result = await this.#native.transact(buffers, { rcvbuf, dump: dump ? 1 : 0, ...(this.#nsPath === undefined ? {} : { netns: this.#nsPath }) });
    if (result.errno === EPERM) throw new PermissionError('nftables refused: netlink needs root or CAP_NET_ADMIN');
    if (result.errno !== 0 && result.errno !== ENOBUFS) {
      throw new NftError(`netlink ${result.where ?? 'I/O'} failed: ${describeErrno(result.errno)}`, '', '', null);
    }
    return { replies: messages(result.replies), errno: result.errno };
  }

  /** A one-message request (a GET or a dump), with its replies. */
  async #request(msg: number, flags: number, family: number, attrs: (w: MessageWriter) => void): Promise<ReplyMessage[]> {
    const w = new MessageWriter();
    w.begin(msgType(msg), U.NLM_F_REQUEST | flags, this.#seq++, family);
    attrs(w);
    w.end();
    const dump = (flags & U.NLM_F_DUMP) === U.NLM_F_DUMP;
    const { replies, errno } = await this.#transact([w.finish()], dump);
    if (errno === ENOBUFS) throw new NftError('netlink: the kernel dropped replies (ENOBUFS) while lbfw read the table; run it again', '', '', null);
    return replies;
  }

  async #dump(msg: number, attrs: (w: MessageWriter) => void = () => undefined): Promise<ReplyMessage[]> {
    const replies = await this.#request(msg, U.NLM_F_DUMP, U.NFPROTO_INET, attrs);
    const error = kernelErrors(replies)[0];
    if (error !== undefined) {
      if (error.errno === ENOENT) return [];
      throw new NftError(`netlink dump failed: ${describeErrno(error.errno)}`, '', '', null);
    }
    return replies.filter((r) => r.type !== U.NLMSG_DONE && r.type !== U.NLMSG_ERROR);
  }

  /** generation reads the ruleset generation (NFT_MSG_GETGEN): it changes with every commit. */
  async generation(): Promise<number | undefined> {
    const replies = await this.#request(U.NFT_MSG.GETGEN, 0, U.NFPROTO_UNSPEC, () => undefined);
    const reply = replies.find((r) => r.type === msgType(U.NFT_MSG.NEWGEN));
    return reply === undefined ? undefined : be32(attributeMap(reply.payload.subarray(U.NFGENMSG_LEN)).get(U.NFTA_GEN_ID));
  }

  async #send(batch: EncodedBatch, before: number | undefined): Promise<void> {
    // Errors are small (NETLINK_CAP_ACK): a few MB hold one per message.
    const { replies, errno } = await this.#transact([batch.bytes], false, Math.max(4 << 20, batch.messages * 1024));
    const errors = kernelErrors(replies);
    if (errno === ENOBUFS && errors.length === 0) {
      const after = await this.generation();
      const exists = await this.tableExists();
      throw new NetlinkUnknownOutcomeError(
        `netlink: the kernel's replies were lost (ENOBUFS), so lbfw cannot tell whether the transaction was committed: ` +
          `generation ${before ?? '?'} before, ${after ?? '?'} after, table inet lbfw ${exists ? 'exists' : 'does not exist'}; run \`lbfw verify\``,
        before,
        after,
      );
    }
    const first = errors[0];
    if (first === undefined) return;
    const origin = batch.origins.get(first.seq);
    const element = elementAt(batch, first.seq, first.offset);
    const subject = origin?.subject ?? `message ${first.seq}`;
    const what = element === undefined ? subject : `${subject}, element ${element.text}`;
    const kernelSays = first.message === undefined ? '' : ` (${first.message})`;
    throw new NetlinkError(
      `the kernel refused the transaction at ${what}: ${describeErrno(first.errno)}${kernelSays}; nothing was changed`,
      first.errno,
      subject,
      element === undefined ? undefined : { set: element.set, index: element.index, text: element.text },
    );
  }

  /**
   * run sends the batch on the generation it read just before, so the
   * kernel commits it only on top of that one; when another commit came in
   * between (ERESTART, nothing changed) it sends it again on the new one.
   * The receipt names the generation the commit created.
   */
  async run(tx: Transaction): Promise<CommitReceipt> {
    if (tx.empty) return {};
    let before = await this.generation();
    if (before === undefined) {
      await this.#send(encodeTransaction(tx, { firstSeq: this.#take(tx), keyElements: this.#native.keyElements }), before);
      return {};
    }
    // A replace of a table that is not there only creates it (exclusively): see EncodeOptions.tableAbsent.
    let tableAbsent = tx.operations.some((op) => op.op === 'replace-table') && !(await this.tableExists());
    let batch = encodeTransaction(tx, { firstSeq: this.#take(tx), generation: before, tableAbsent, keyElements: this.#native.keyElements });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#send(batch, before);
        return { generation: nextGeneration(before) };
      } catch (error) {
        if (tableAbsent && error instanceof NetlinkError && error.errno === EEXIST && error.subject === 'table inet lbfw (create)') {
          // Someone created the table since lbfw looked (nothing was changed): replace it after all.
          tableAbsent = false;
          batch = encodeTransaction(tx, { firstSeq: this.#take(tx), generation: before, keyElements: this.#native.keyElements });
          continue;
        }
        if (!(error instanceof NetlinkError) || error.errno !== ERESTART) throw error;
        const now = await this.generation();
        if (attempt >= GENERATION_ATTEMPTS || now === undefined) {
          throw new NetlinkError(
            `the ruleset changed while lbfw loaded its table, ${attempt} times (another program commits nftables changes without pause); nothing was changed`,
            ERESTART,
            'batch',
            undefined,
          );
        }
        before = now;
        setBatchGeneration(batch, now);
      }
    }
  }

  async check(tx: Transaction): Promise<void> {
    if (tx.empty) return;
    await this.#send(encodeTransaction(tx, { commit: false, firstSeq: this.#take(tx), keyElements: this.#native.keyElements }), await this.generation());
  }

  /** Reserves sequence numbers for a batch (distinct from the requests' ones on this backend). */
  #take(_tx: Transaction): number {
    const first = this.#seq;
    this.#seq += 1 << 22;
    return first;
  }

  async tableExists(): Promise<boolean> {
    const replies = await this.#request(U.NFT_MSG.GETTABLE, U.NLM_F_ACK, U.NFPROTO_INET, (w) => w.string(U.NFTA_TABLE_NAME, TABLE_NAME));
    const error = kernelErrors(replies)[0];
    if (error === undefined) return replies.some((r) => r.type === msgType(U.NFT_MSG.NEWTABLE));
    if (error.errno === ENOENT) return false;
    if (error.errno === EPERM) throw new PermissionError('nftables refused: reading needs root or CAP_NET_ADMIN');
    throw new NftError(`netlink get table failed: ${describeErrno(error.errno)}`, '', '', null);
  }

  async #elementPayloads(set: string): Promise<Buffer[]> {
    const replies = await this.#dump(U.NFT_MSG.GETSETELEM, (w) => w.string(U.NFTA_SET_ELEM_LIST_TABLE, TABLE_NAME).string(U.NFTA_SET_ELEM_LIST_SET, set));
    return replies.map((r) => r.payload);
  }

  async #rawElements(set: string): Promise<RawElement[]> {
    const raw: RawElement[] = [];
    for (const payload of await this.#elementPayloads(set)) decodeElements(payload, raw);
    return raw;
  }

  /**
   * The elements of one set as the kernel dumps them. A named hash set (the
   * blacklist's host shards: nearly every element) is decoded straight into
   * a typed array; the rest (small: intervals, maps, anonymous sets) element
   * by element.
   */
  async #setElements(header: DecodedSet): Promise<{ list?: ElementList; raw?: RawElement[] }> {
    const plainHash = (header.flags & (U.NFT_SET_ANONYMOUS | U.NFT_SET_INTERVAL | U.NFT_SET_MAP)) === 0;
    if (plainHash && header.key !== undefined && header.keyLen === keyWidth(header.key)) {
      return { list: decodeHashKeys(header.key, await this.#elementPayloads(header.name)) };
    }
    return { raw: await this.#rawElements(header.name) };
  }

  async readTable(options: ReadTableOptions = {}): Promise<TableSnapshot | undefined> {
    // The dumps run side by side on the thread pool (each its own socket).
    const chainDump = this.#dump(U.NFT_MSG.GETCHAIN);
    const ruleDump = this.#dump(U.NFT_MSG.GETRULE, (w) => w.string(U.NFTA_RULE_TABLE, TABLE_NAME));
    const setDump = this.#dump(U.NFT_MSG.GETSET, (w) => w.string(U.NFTA_SET_TABLE, TABLE_NAME));
    const settled = Promise.allSettled([chainDump, ruleDump, setDump]);
    if (!(await this.tableExists())) {
      await settled;
      return undefined;
    }
    const setReplies = await setDump;
    const headers = setReplies.map((r) => decodeSet(r.payload));
    const anonymous = new Map<string, AnonymousSet>();
    const sets: SetSnapshot[] = [];
    // Each set is its own dump; they run side by side on the thread pool. A
    // dump costs O(n^2/32 KiB) in the kernel (it restarts its walk for each
    // message), so lbfw keeps sets small by sharding (src/ruleset/shards.ts).
    const skipped = (header: DecodedSet): boolean => (header.flags & U.NFT_SET_ANONYMOUS) === 0 && options.skipElements?.has(header.name) === true;
    const dumped = await Promise.all(headers.map((h) => (skipped(h) ? {} : this.#setElements(h))));
    for (const [i, header] of headers.entries()) {
      const { list: decoded, raw = [] } = dumped[i] as { list?: ElementList; raw?: RawElement[] };
      const interval = (header.flags & U.NFT_SET_INTERVAL) !== 0;
      if ((header.flags & U.NFT_SET_ANONYMOUS) !== 0) {
        const key: SetKey = header.key ?? (['inet_proto'] as SetKey);
        const list = header.keyLen === keyWidth(key) ? toElementList(key, interval, raw) : emptyElements(key, interval);
        anonymous.set(header.name, { list, raw });
        continue;
      }
      const key = header.key;
      if (key === undefined) {
        sets.push({ name: header.name, key: ['ipv4_addr'], interval, count: decoded?.count ?? raw.length, extra: [`type id ${header.keyType} lbfw does not write`] });
        continue;
      }
      if (skipped(header)) {
        sets.push({ name: header.name, key, interval, ...(header.size === undefined ? {} : { size: header.size }), count: -1, extra: extraFlags(header.flags) });
        continue;
      }
      const elements = decoded ?? toElementList(key, interval, raw);
      sets.push({
        name: header.name,
        key,
        interval,
        ...(header.size === undefined ? {} : { size: header.size }),
        count: elements.count,
        elements,
        extra: extraFlags(header.flags),
      });
    }
    const chains = (await chainDump).map((r) => decodeChain(r.payload)).filter((c) => c.table === TABLE_NAME);
    const rules = (await ruleDump).map((r) => decodeRule(r.payload));
    const ifname = (index: number): string | undefined => (index === 1 ? 'lo' : undefined);
    return {
      sets,
      chains: chains.map((chain) => ({
        name: chain.name,
        ...(chain.base === undefined ? {} : { base: chain.base }),
        rules: rules
          .filter((r) => r.chain === chain.name)
          .map((r): RuleSnapshot => {
            const typed = typedRule(r, anonymous, ifname);
            return {
              ...(r.comment === undefined ? {} : { id: r.comment }),
              ...(typed === undefined ? {} : { rule: typed }),
              text: typed === undefined ? expressionsText(r) : renderRuleText(typed),
              ...(r.packets === undefined ? {} : { packets: r.packets }),
            };
          }),
      })),
    };
  }

  /** setNames lists the named sets of lbfw's table from their headers alone (no elements are read). */
  async setNames(): Promise<string[]> {
    const headers = (await this.#dump(U.NFT_MSG.GETSET, (w) => w.string(U.NFTA_SET_TABLE, TABLE_NAME))).map((r) => decodeSet(r.payload));
    return headers.filter((h) => (h.flags & U.NFT_SET_ANONYMOUS) === 0).map((h) => h.name);
  }

  async listElements(set: string): Promise<ElementList> {
    const header = (await this.#dump(U.NFT_MSG.GETSET, (w) => w.string(U.NFTA_SET_TABLE, TABLE_NAME))).map((r) => decodeSet(r.payload)).find((s) => s.name === set);
    if (header?.key === undefined) return emptyElements(['ipv4_addr'], false);
    return toElementList(header.key, (header.flags & U.NFT_SET_INTERVAL) !== 0, await this.#rawElements(set));
  }

  /**
   * lookupElements: hash sets by batched GETSETELEM (each message a list of
   * keys; the kernel answers every key it holds and stops a message at the
   * first it does not, so the rest of that message is asked again); interval
   * sets (small: merged prefixes) by one dump searched here.
   */
  async lookupElements(set: string, keys: ElementList): Promise<ElementList> {
    if (keys.count === 0) return keys;
    if (keys.interval) return this.#lookupInterval(set, keys);
    const width = keyWidth(keys.key);
    const found: Uint8Array[] = [];
    for (let next = 0; next < keys.count; ) {
      const round: LookupMessage[] = [];
      for (let m = 0; m < LOOKUP_MESSAGES_PER_ROUND && next < keys.count; m++) {
        const count = Math.min(LOOKUP_KEYS_PER_MESSAGE, keys.count - next);
        round.push({ set, keys, first: next, count });
        next += count;
      }
      const answers = await this.#lookupRound(round);
      for (const [j, message] of round.entries()) {
        const { got, errno } = answers[j] as LookupAnswer;
        found.push(...got);
        if (errno === undefined) continue;
        if (got.length === 0 && message.first === 0 && (await this.#setMissing(set))) return emptyElements(keys.key, false);
        // The kernel stopped at key first+got.length (missing): ask again for the ones after it.
        const resume = message.first + got.length + 1;
        if (resume < message.first + message.count) {
          const more = await this.lookupElements(set, sliceElements(keys, resume, message.first + message.count));
          for (let i = 0; i < more.count; i++) found.push(more.keys.subarray(i * width, i * width + width));
        }
      }
    }
    return foundElements(keys.key, found);
  }

  /**
   * lookupEach answers each request as lookupElements would, with one round
   * trip for all the short hash-set lists (apply's proof asks 16 keys in
   * each of hundreds of sets: one socket and one sendmsg instead of one per
   * set). A list that does not fit one message, an interval set, or a
   * message the kernel stopped at a missing key takes lookupElements' path.
   */
  async lookupEach(requests: readonly LookupRequest[]): Promise<ElementList[]> {
    const answered: (ElementList | undefined)[] = requests.map(() => undefined);
    const short = requests.flatMap((r, i) => (!r.keys.interval && r.keys.count > 0 && r.keys.count <= LOOKUP_KEYS_PER_MESSAGE ? [i] : []));
    for (let c = 0; c < short.length; c += LOOKUP_EACH_PER_ROUND) {
      const indexes = short.slice(c, c + LOOKUP_EACH_PER_ROUND);
      const answers = await this.#lookupRound(indexes.map((i) => ({ ...(requests[i] as LookupRequest), first: 0, count: (requests[i] as LookupRequest).keys.count })));
      indexes.forEach((i, j) => {
        const { got, errno } = answers[j] as LookupAnswer;
        if (errno === undefined) answered[i] = foundElements((requests[i] as LookupRequest).keys.key, got);
      });
    }
    return Promise.all(requests.map((r, i) => answered[i] ?? this.lookupElements(r.set, r.keys)));
  }

  /**
   * One GETSETELEM message per entry of `round`, sent in one transact; for
   * each, the keys the kernel found, and ENOENT when it stopped at a missing
   * key (any other refusal throws).
   */
  async #lookupRound(round: readonly LookupMessage[]): Promise<LookupAnswer[]> {
    const w = new MessageWriter(round.reduce((bytes, m) => bytes + m.count * (keyWidth(m.keys.key) + 12) + 256, 0));
    const seqs = round.map(({ set, keys, first, count }) => {
      const seq = this.#seq++;
      const width = keyWidth(keys.key);
      w.begin(msgType(U.NFT_MSG.GETSETELEM), U.NLM_F_REQUEST | U.NLM_F_ACK, seq, U.NFPROTO_INET);
      w.string(U.NFTA_SET_ELEM_LIST_TABLE, TABLE_NAME).string(U.NFTA_SET_ELEM_LIST_SET, set).nest(U.NFTA_SET_ELEM_LIST_ELEMENTS);
      for (let i = first; i < first + count; i++) {
        w.nest(U.NFTA_LIST_ELEM).nest(U.NFTA_SET_ELEM_KEY).bytes(U.NFTA_DATA_VALUE, keys.keys.subarray(i * width, i * width + width)).endNest().endNest();
      }
      w.endNest().end();
      return seq;
    });
    const { replies, errno } = await this.#transact([w.finish()], false);
    if (errno === ENOBUFS) throw new NftError('netlink: the kernel dropped lookup replies (ENOBUFS)', '', '', null);
    const errors = new Map(kernelErrors(replies).map((e) => [e.seq, e.errno]));
    const index = new Map(seqs.map((seq, j) => [seq, j]));
    const raw = round.map((): RawElement[] => []);
    for (const reply of replies) {
      const j = index.get(reply.seq);
      if (j !== undefined && reply.type === msgType(U.NFT_MSG.NEWSETELEM)) decodeElements(reply.payload, raw[j] as RawElement[]);
    }
    return round.map((m, j) => {
      const error = errors.get(seqs[j] as number);
      if (error !== undefined && error !== ENOENT) throw new NftError(`netlink get element failed: ${describeErrno(error)}`, '', '', null);
      const width = keyWidth(m.keys.key);
      return { got: (raw[j] as RawElement[]).map((e) => e.key.subarray(0, width)), ...(error === undefined ? {} : { errno: error }) };
    });
  }

  async #setMissing(set: string): Promise<boolean> {
    const replies = await this.#request(U.NFT_MSG.GETSET, U.NLM_F_ACK, U.NFPROTO_INET, (w) => w.string(U.NFTA_SET_TABLE, TABLE_NAME).string(U.NFTA_SET_NAME, set));
    return kernelErrors(replies).some((e) => e.errno === ENOENT);
  }

  async #lookupInterval(set: string, keys: ElementList): Promise<ElementList> {
    const all = await this.listElements(set);
    if (!all.interval || all.lasts === undefined) return emptyElements(keys.key, true);
    const width = keyWidth(keys.key);
    const hits = new Set<number>();
    for (let k = 0; k < keys.count; k++) {
      const key = Buffer.from(keys.keys.subarray(k * width, k * width + width));
      for (let i = 0; i < all.count; i++) {
        const first = Buffer.from(all.keys.subarray(i * width, i * width + width));
        const last = Buffer.from(all.lasts.subarray(i * width, i * width + width));
        if (Buffer.compare(first, key) <= 0 && Buffer.compare(key, last) <= 0) hits.add(i);
      }
    }
    const order = [...hits].sort((a, b) => a - b);
    const out = new Uint8Array(order.length * width);
    const lasts = new Uint8Array(order.length * width);
    order.forEach((i, j) => {
      out.set(all.keys.subarray(i * width, i * width + width), j * width);
      lasts.set((all.lasts as Uint8Array).subarray(i * width, i * width + width), j * width);
    });
    return { key: keys.key, interval: true, count: order.length, keys: out, lasts };
  }

  /** The nft program this backend uses for the doctor's ruleset view (the kernel work is lbfw's own). */
  version(): Promise<string | undefined> {
    return nftVersion(this.#nft);
  }

  async listRulesetJson(_options: ListRulesetOptions = {}): Promise<readonly unknown[]> {
    // The doctor's view of other tables is nft's own JSON: other tools' rules use expressions lbfw never decodes.
    const argv = this.netns === undefined ? [this.#nft, '-j', 'list', 'ruleset'] : ['ip', 'netns', 'exec', this.netns, this.#nft, '-j', 'list', 'ruleset'];
    const result = await run(argv);
    if (result.code !== 0) throw new NftError(`nft -j list ruleset failed: ${result.stderr.trim()}`, result.stderr, '', result.code);
    const parsed = JSON.parse(result.stdout) as { nftables?: unknown[] };
    return parsed.nftables ?? [];
  }
}

function extraFlags(flags: number): string[] {
  const extra: string[] = [];
  if ((flags & 0x10) !== 0) extra.push('flags timeout');
  if ((flags & 0x20) !== 0) extra.push('flags dynamic');
  if ((flags & U.NFT_SET_MAP) !== 0) extra.push('map');
  if ((flags & U.NFT_SET_CONSTANT) !== 0) extra.push('flags constant');
  return extra;
}

/** The sorted list of keys a lookup found. */
function foundElements(key: SetKey, found: readonly Uint8Array[]): ElementList {
  return sortElements({ key, interval: false, count: found.length, keys: new Uint8Array(Buffer.concat(found)) });
}

function sliceElements(list: ElementList, from: number, to: number): ElementList {
  const width = keyWidth(list.key);
  return { key: list.key, interval: false, count: to - from, keys: list.keys.subarray(from * width, to * width) };
}
