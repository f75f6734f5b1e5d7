/**
 * The links and addresses of a network namespace as rtnetlink dumps
 * (RTM_GETLINK, RTM_GETADDR): what `ip -j addr show` prints, read by lbfw's
 * netlink binding instead of two execs (setpriv, ip) in every apply. Pure:
 * requests are built and replies decoded here; the socket I/O is the
 * binding's (src/vip/addresses.ts calls it). The result is what
 * {@link parseIpAddrJson} makes of iproute2's output, in the same order
 * (links by the kernel's dump order, each with its addresses in dump order:
 * IPv4, then IPv6).
 */
import type { HostAddress, HostLink } from './addresses.js';
import { parseAddress } from '../net/address.js';

const NLMSG_HDRLEN = 16;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_GETADDR = 22;
const IFINFOMSG_LEN = 16;
const IFADDRMSG_LEN = 8;
const IFLA_IFNAME = 3;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
const IFF_NOARP = 0x80;
const ARPHRD_LOOPBACK = 772;
const AF_INET = 2;
const AF_INET6 = 10;

/** A dump request for every link or every address, of every family. */
function dumpRequest(type: number, bodyLength: number, seq: number): Buffer {
  const buf = Buffer.alloc(NLMSG_HDRLEN + bodyLength);
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  buf.writeUInt32LE(seq, 8);
  return buf;
}

/** linkDumpRequest: `ip link show` as one message (ifinfomsg, AF_UNSPEC). */
export function linkDumpRequest(seq = 1): Buffer {
  return dumpRequest(RTM_GETLINK, IFINFOMSG_LEN, seq);
}

/** addressDumpRequest: `ip addr show`'s addresses as one message (ifaddrmsg, AF_UNSPEC). */
export function addressDumpRequest(seq = 2): Buffer {
  return dumpRequest(RTM_GETADDR, IFADDRMSG_LEN, seq);
}

/** RtnetlinkError: the kernel answered a dump with an error, or the reply is malformed. */
export class RtnetlinkError extends Error {
  override readonly name = 'RtnetlinkError';
}

interface Message {
  readonly type: number;
  readonly body: Buffer;
}

/** Every message of the replies of one dump, up to NLMSG_DONE; an NLMSG_ERROR throws. */
function messages(replies: Buffer): Message[] {
  const out: Message[] = [];
  for (let at = 0; at + NLMSG_HDRLEN <= replies.length; ) {
    const len = replies.readUInt32LE(at);
    const type = replies.readUInt16LE(at + 4);
    if (len < NLMSG_HDRLEN || at + len > replies.length) throw new RtnetlinkError(`truncated netlink message at byte ${at}`);
    const body = replies.subarray(at + NLMSG_HDRLEN, at + len);
    if (type === NLMSG_DONE) return out;
    if (type === NLMSG_ERROR) {
      const errno = body.length >= 4 ? -body.readInt32LE(0) : 0;
      throw new RtnetlinkError(`the kernel refused the dump (errno ${errno})`);
    }
    out.push({ type, body });
    at += (len + 3) & ~3;
  }
  throw new RtnetlinkError('the dump ended without NLMSG_DONE');
}

/** The attributes of a message body after its fixed header, by type (the first of each type). */
function attributes(body: Buffer, from: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let at = from; at + 4 <= body.length; ) {
    const len = body.readUInt16LE(at);
    const type = body.readUInt16LE(at + 2) & 0x3fff;
    if (len < 4 || at + len > body.length) throw new RtnetlinkError('truncated netlink attribute');
    if (!out.has(type)) out.set(type, body.subarray(at + 4, at + len));
    at += (len + 3) & ~3;
  }
  return out;
}

function cString(value: Buffer): string {
  const end = value.indexOf(0);
  return value.toString('utf8', 0, end < 0 ? value.length : end);
}

function addressText(family: number, raw: Buffer): string | undefined {
  if (family === AF_INET && raw.length === 4) return `${raw[0]}.${raw[1]}.${raw[2]}.${raw[3]}`;
  if (family === AF_INET6 && raw.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
    return groups.join(':');
  }
  return undefined;
}

/**
 * decodeLinks turns the replies of {@link linkDumpRequest} and
 * {@link addressDumpRequest} into links, as parseIpAddrJson does with
 * iproute2's JSON: `local` is IFA_LOCAL where present (the peer of a
 * point-to-point address is IFA_ADDRESS), else IFA_ADDRESS.
 */
export function decodeLinks(linkReplies: Buffer, addressReplies: Buffer): HostLink[] {
  const links: { index: number; ifname: string; flags: number; loopback: boolean; addresses: HostAddress[] }[] = [];
  const byIndex = new Map<number, (typeof links)[number]>();
  for (const { type, body } of messages(linkReplies)) {
    if (type !== RTM_NEWLINK || body.length < IFINFOMSG_LEN) continue;
    const name = attributes(body, IFINFOMSG_LEN).get(IFLA_IFNAME);
    if (name === undefined) continue;
    const flags = body.readUInt32LE(8);
    const link = { index: body.readInt32LE(4), ifname: cString(name), flags, loopback: body.readUInt16LE(2) === ARPHRD_LOOPBACK || (flags & IFF_LOOPBACK) !== 0, addresses: [] };
    links.push(link);
    byIndex.set(link.index, link);
  }
  for (const { type, body } of messages(addressReplies)) {
    if (type !== RTM_NEWADDR || body.length < IFADDRMSG_LEN) continue;
    const link = byIndex.get(body.readUInt32LE(4));
    if (link === undefined) continue;
    const attrs = attributes(body, IFADDRMSG_LEN);
    const raw = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
    const text = raw === undefined ? undefined : addressText(body[0] ?? 0, raw);
    const parsed = text === undefined ? undefined : parseAddress(text);
    if (parsed === undefined) continue;
    link.addresses.push({ ifname: link.ifname, family: parsed.family, address: parsed.address, prefix: body[1] ?? 0 });
  }
  return links.map((link) => ({
    ifname: link.ifname,
    loopback: link.loopback,
    answersArp: !link.loopback && (link.flags & IFF_NOARP) === 0,
    up: (link.flags & IFF_UP) !== 0,
    addresses: link.addresses,
  }));
}
