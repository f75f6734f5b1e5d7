/**
 * NetlinkBanBackend: the {@link BanBackend} whose writes (put, remove) go
 * to the kernel over lbfw-netlink as one batch each, encoded in
 * src/nft/netlink/ban-elements.ts: 10k bans with timeout and comment cost
 * the kernel's time only, where `nft -f` spends most of a second parsing
 * the text. Whether the table exists is one GETTABLE request. Everything
 * else (creating the table, listing, fill, counters) is the nft program's ({@link NftBanCli}).
 *
 * Ban elements are plain keys with a timeout and a comment: unlike the
 * hardened firewall's rules they are fully covered by the encoder, so
 * `LBFW_BACKEND=auto` uses this backend whenever the binding loads.
 */
import { NftError, PermissionError } from '../errors.js';
import type { BanBackend, BanCounter, BanElement, ListedBan, SetFill } from './ban-backend.js';
import type { BanTableSpec } from '../ban/table.js';
import { NftBanCli } from './ban-cli.js';
import type { NetlinkBanOptions } from './ban-select.js';
import { encodeBanPut, encodeBanRemove, type BanBatch } from './netlink/ban-elements.js';
import { describeErrno } from './netlink/errors.js';
import type { NativeBinding } from './netlink/native.js';
import { kernelErrors, messages } from './netlink/reader.js';
import { msgType } from './netlink/encode.js';
import { NFPROTO_INET, NFTA_TABLE_NAME, NFT_MSG, NLM_F_ACK, NLM_F_REQUEST } from './netlink/uapi.js';
import { MessageWriter } from './netlink/writer.js';
import { BAN_TABLE } from '../ban/table.js';

const EPERM = 1;
const ENOENT = 2;
const ENOBUFS = 105;

export type { NetlinkBanOptions } from './ban-select.js';

/** NetlinkBanBackend implements BanBackend: writes over netlink, reads with nft. */
export class NetlinkBanBackend implements BanBackend {
  readonly #native: NativeBinding;
  readonly #nft: NftBanCli;
  readonly #nsPath: string | undefined;
  #seq = Math.floor(Date.now() / 1000) & 0x3fffffff;

  constructor(native: NativeBinding, options: NetlinkBanOptions = {}) {
    this.#native = native;
    this.#nft = new NftBanCli(options);
    this.#nsPath = options.netns === undefined ? undefined : `/run/netns/${options.netns}`;
  }

  async #send(batch: BanBatch): Promise<void> {
    this.#seq += batch.messages;
    const result = await this.#native.transact([batch.bytes], { rcvbuf: Math.max(4 << 20, batch.messages * 1024), dump: 0, ...(this.#nsPath === undefined ? {} : { netns: this.#nsPath }) });
    if (result.errno === EPERM) throw new PermissionError('nftables refused: netlink needs root or CAP_NET_ADMIN');
    if (result.errno !== 0 && result.errno !== ENOBUFS) throw new NftError(`netlink ${result.where ?? 'I/O'} failed: ${describeErrno(result.errno)}`, '', '', null);
    const first = kernelErrors(messages(result.replies))[0];
    if (first !== undefined) {
      const subject = batch.subjects.get(first.seq) ?? `message ${first.seq}`;
      throw new NftError(`the kernel refused the bans at ${subject}: ${describeErrno(first.errno)}${first.message === undefined ? '' : ` (${first.message})`}; nothing was changed`, '', '', first.errno);
    }
    // ENOBUFS without an error: the replies (acks) were lost, not the batch.
    if (result.errno === ENOBUFS) throw new NftError('netlink: the kernel dropped its replies (ENOBUFS): run `lbfw ban list` to see whether the bans landed', '', '', null);
  }

  /** One NFT_MSG_GETTABLE: no `nft` child (every overlimit run asks this first). */
  async tableExists(): Promise<boolean> {
    const w = new MessageWriter();
    w.begin(msgType(NFT_MSG.GETTABLE), NLM_F_REQUEST | NLM_F_ACK, this.#seq++, NFPROTO_INET);
    w.string(NFTA_TABLE_NAME, BAN_TABLE);
    w.end();
    const result = await this.#native.transact([w.finish()], { dump: 0, ...(this.#nsPath === undefined ? {} : { netns: this.#nsPath }) });
    if (result.errno === EPERM) throw new PermissionError('nftables refused: netlink needs root or CAP_NET_ADMIN');
    // A lost reply (ENOBUFS) or a failed socket call: nft answers instead.
    if (result.errno !== 0) return this.#nft.tableExists();
    const replies = messages(result.replies);
    const error = kernelErrors(replies)[0];
    if (error === undefined) return replies.some((r) => r.type === msgType(NFT_MSG.NEWTABLE));
    if (error.errno === ENOENT) return false;
    if (error.errno === EPERM) throw new PermissionError('nftables refused: reading needs root or CAP_NET_ADMIN');
    throw new NftError(`netlink get table ${BAN_TABLE} failed: ${describeErrno(error.errno)}`, '', '', null);
  }

  ensure(spec: BanTableSpec): Promise<void> {
    return this.#nft.ensure(spec);
  }

  async put(elements: readonly BanElement[]): Promise<void> {
    if (elements.length === 0) return;
    await this.#send(encodeBanPut(elements, this.#seq));
  }

  async remove(elements: readonly Pick<BanElement, 'set' | 'address'>[]): Promise<void> {
    if (elements.length === 0) return;
    await this.#send(encodeBanRemove(elements, this.#seq));
  }

  list(): Promise<ListedBan[]> {
    return this.#nft.list();
  }

  fill(): Promise<SetFill[]> {
    return this.#nft.fill();
  }

  counters(): Promise<BanCounter[]> {
    return this.#nft.counters();
  }
}
