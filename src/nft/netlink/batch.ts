/**
 * A Transaction as ONE netlink batch: BATCH_BEGIN, the messages, BATCH_END,
 * all in one buffer that the addon sends with one sendmsg, so the kernel
 * commits all of it or nothing. Every message's sequence number maps back to
 * what it wrote (a set's element, a rule), so a kernel error names it. Pure.
 */
import { elementText, type ElementList } from '../model/elements.js';
import type { Ruleset } from '../model/objects.js';
import type { Transaction } from '../transaction.js';
import { batchBegin, batchEnd, delTable, elementMessages, namedSetHeader, newChain, newSet, newTable, msgType, type ElementMessage } from './encode.js';
import { encodeRule } from './expressions.js';
import { NFNL_BATCH_GENID, NFPROTO_INET, NFT_MSG, NLM_F_REQUEST, NFTA_SET_ELEM_LIST_SET, NFTA_SET_ELEM_LIST_TABLE } from './uapi.js';
import { MessageWriter, type NativeKeyElements } from './writer.js';
import { TABLE_NAME } from '../model/objects.js';

/** MessageOrigin: what one message of the batch wrote. */
export interface MessageOrigin {
  /** E.g. `table inet lbfw`, `set bl4_hosts`, `chain input, rule vrrp4`. */
  readonly subject: string;
  /** Element messages: the set, its elements, and where each element lies in the message. */
  readonly elements?: { readonly set: string; readonly list: ElementList; readonly message: ElementMessage };
}

/** EncodedBatch: the bytes to send and the origin of every sequence number. */
export interface EncodedBatch {
  readonly bytes: Buffer;
  readonly origins: ReadonlyMap<number, MessageOrigin>;
  /** Messages between BATCH_BEGIN and BATCH_END. */
  readonly messages: number;
}

/** EncodeOptions: batch end (omitted for a validation-only run) and interface index lookup. */
export interface EncodeOptions {
  /** false: leave BATCH_END out, so the kernel validates and aborts (`nft -c`). */
  readonly commit?: boolean;
  /** First sequence number (default 1). */
  readonly firstSeq?: number;
  /**
   * The ruleset generation the batch is built on (NFNL_BATCH_GENID): the
   * kernel refuses the whole batch with ERESTART when another commit came
   * first. Change it in the bytes with setBatchGeneration.
   */
  readonly generation?: number;
  /**
   * The caller saw no `table inet lbfw`: a replace then only creates it,
   * exclusively (EEXIST, and nothing changed, if one appeared meanwhile).
   * Deleting a table, even an empty one, leaves the kernel destruction work
   * that the next close of a netfilter socket waits for (10-20 ms at boot).
   */
  readonly tableAbsent?: boolean;
  /** Writes plain hash-set elements in C (lbfw's addon): the same bytes. */
  readonly keyElements?: NativeKeyElements | undefined;
  /** meta iif compares interface indexes; lo is always 1. */
  readonly ifindex?: (name: string) => number;
}

function defaultIfindex(name: string): number {
  if (name === 'lo') return 1;
  throw new RangeError(`interface ${name}: only "lo" can be named in a rule loaded by netlink`);
}

/** Bytes a batch of `tx` takes, roughly: 24 bytes an element (a 16-byte hash element, or half an interval pair) plus the rest. */
function sizeEstimate(tx: Transaction): number {
  let elements = 0;
  for (const op of tx.operations) {
    if (op.op === 'replace-table') for (const set of op.ruleset.sets) elements += set.elements.count * (set.interval ? 2 : 1);
    else if (op.op === 'add-elements' || op.op === 'delete-elements') elements += op.elements.count * (op.elements.interval ? 2 : 1);
  }
  return (1 << 16) + elements * 24;
}

/** encodeTransaction turns a Transaction into one batch. */
export function encodeTransaction(tx: Transaction, options: EncodeOptions = {}): EncodedBatch {
  // Sized for the whole batch up front: doubling from 64 KiB copied a 16 MB batch about 24 MB and left up to twice its size allocated.
  const w = new MessageWriter(sizeEstimate(tx), { keyElements: options.keyElements });
  const origins = new Map<number, MessageOrigin>();
  let seq = options.firstSeq ?? 1;
  let setId = 1;
  const nextSeq = (): number => seq++;
  const mark = (subject: string): number => {
    const s = nextSeq();
    origins.set(s, { subject });
    return s;
  };
  const elements = (verb: 'add' | 'delete', set: string, list: ElementList, id?: number, leadingEnd = false): void => {
    for (const message of elementMessages(w, nextSeq, verb, { set, ...(id === undefined ? {} : { setId: id }) }, list, { leadingEnd })) {
      origins.set(message.seq, { subject: `set ${set}`, elements: { set, list, message } });
    }
  };
  batchBegin(w, nextSeq(), options.generation);
  const start = seq;
  for (const op of tx.operations) {
    switch (op.op) {
      case 'replace-table':
        writeReplace(op.ruleset);
        break;
      case 'delete-table':
        newTable(w, mark('table inet lbfw'));
        delTable(w, mark('table inet lbfw'));
        break;
      case 'add-elements':
      case 'delete-elements':
        elements(op.op === 'add-elements' ? 'add' : 'delete', op.set, op.elements);
        break;
      case 'flush-set':
        // DELSETELEM without an element list flushes the set.
        w.begin(msgType(NFT_MSG.DELSETELEM), NLM_F_REQUEST, mark(`set ${op.set}`), NFPROTO_INET)
          .string(NFTA_SET_ELEM_LIST_TABLE, TABLE_NAME)
          .string(NFTA_SET_ELEM_LIST_SET, op.set)
          .end();
        break;
    }
  }
  const messages = seq - start;
  if (options.commit !== false) batchEnd(w, nextSeq());
  return { bytes: w.finish(), origins, messages };

  function writeReplace(ruleset: Ruleset): void {
    if (options.tableAbsent === true) newTable(w, mark('table inet lbfw (create)'), true);
    else {
      // nft 1.0.6 has no destroy: create-if-missing, delete, create, in one transaction.
      newTable(w, mark('table inet lbfw'));
      delTable(w, mark('table inet lbfw'));
      newTable(w, mark('table inet lbfw'));
    }
    const setIds = new Map<string, number>();
    for (const set of ruleset.sets) {
      const id = setId++;
      setIds.set(set.name, id);
      newSet(w, mark(`set ${set.name}`), namedSetHeader(set), id);
      elements('add', set.name, set.elements, id, true);
    }
    for (const chain of ruleset.chains) newChain(w, mark(`chain ${chain.name}`), chain);
    const batch = {
      w,
      nextSeq,
      nextSetId: () => setId++,
      setIds,
      ifindex: options.ifindex ?? defaultIfindex,
    };
    for (const chain of ruleset.chains) {
      for (const rule of chain.rules) {
        const written = encodeRule(batch, chain.name, rule);
        for (const s of written.seqs) origins.set(s, { subject: `chain ${chain.name}, rule ${rule.id}` });
      }
    }
  }
}

/** Where BATCH_BEGIN's generation lies: after its nlmsghdr (16), nfgenmsg (4) and the attribute's header (4). */
const GENERATION_OFFSET = 24;

/**
 * setBatchGeneration changes the generation a batch encoded with one is
 * built on, in place (a retry after ERESTART sends the same batch on the
 * new generation without encoding it again).
 */
export function setBatchGeneration(batch: EncodedBatch, generation: number): void {
  if (batch.bytes.readUInt32LE(0) <= GENERATION_OFFSET || batch.bytes.readUInt16LE(GENERATION_OFFSET - 2) !== NFNL_BATCH_GENID) {
    throw new RangeError('this batch was encoded without a generation');
  }
  batch.bytes.writeUInt32BE(generation >>> 0, GENERATION_OFFSET);
}

/** FailedElement: the element a kernel error offset points at. */
export interface FailedElement {
  readonly set: string;
  readonly index: number;
  /** The element as nft prints it (`192.0.2.0/24`). */
  readonly text: string;
  readonly list: ElementList;
}

/** elementAt maps a kernel error (sequence number and extended-ACK offset) to the element it names. */
export function elementAt(batch: EncodedBatch, seq: number, offset: number | undefined): FailedElement | undefined {
  const origin = batch.origins.get(seq)?.elements;
  if (origin === undefined || offset === undefined) return undefined;
  const { offsets, indexes } = origin.message;
  // The largest element start at or before the offset: the kernel points at the NFTA_LIST_ELEM (or inside it).
  let lo = 0;
  let hi = offsets.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((offsets[mid] as number) <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found === -1) return undefined;
  const index = indexes[found] as number;
  return { set: origin.set, index, text: elementText(origin.list, index), list: origin.list };
}
