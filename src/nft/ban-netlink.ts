/**
 * NetlinkBanBackend: the {@link BanBackend} whose writes (put, remove) go
 * to the kernel over lbfw-netlink as one batch each, encoded in
 * src/nft/netlink/ban-elements.ts: 10k bans with timeout and comment cost
 * the kernel's time only, where `nft -f` spends most of a second parsing
 * the text. Everything else (creating the table, listing, fill, counters)
 * is the nft program's ({@link NftBanCli}).
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

const EPERM = 1;
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

  tableExists(): Promise<boolean> {
    return this.#nft.tableExists();
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
