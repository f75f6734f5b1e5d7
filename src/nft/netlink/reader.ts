/**
 * Reading netlink replies: messages out of the received bytes, attributes
 * out of a message, and the kernel's errors with their sequence number and
 * extended-ACK offset (the byte offset, inside the failing request, of the
 * attribute the kernel refused). Pure.
 */
import {
  NLA_F_NESTED,
  NLA_TYPE_MASK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from './uapi.js';

/** ReplyMessage: one message of a reply, its payload after nlmsghdr. */
export interface ReplyMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** The payload (after the 16-byte nlmsghdr). */
  readonly payload: Buffer;
}

/** KernelError: an NLMSG_ERROR with a non-zero error. */
export interface KernelError {
  /** Sequence number of the request it answers. */
  readonly seq: number;
  /** Positive errno (EEXIST = 17, ...). */
  readonly errno: number;
  /** Extended ACK: offset of the refused attribute from the start of the request's nlmsghdr. */
  readonly offset?: number;
  /** Extended ACK: the kernel's own message. */
  readonly message?: string;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** messages splits received bytes into netlink messages; a truncated one ends the walk with an error. */
export function messages(bytes: Buffer): ReplyMessage[] {
  const out: ReplyMessage[] = [];
  let at = 0;
  while (at + NLMSG_HDRLEN <= bytes.length) {
    const len = bytes.readUInt32LE(at);
    if (len < NLMSG_HDRLEN || at + len > bytes.length) throw new RangeError(`netlink reply truncated at byte ${at} (length ${len})`);
    out.push({
      type: bytes.readUInt16LE(at + 4),
      flags: bytes.readUInt16LE(at + 6),
      seq: bytes.readUInt32LE(at + 8),
      payload: bytes.subarray(at + NLMSG_HDRLEN, at + len),
    });
    at += align4(len);
  }
  return out;
}

/** Attribute: one netlink attribute; `nested` is set when the kernel flagged it NLA_F_NESTED. */
export interface Attribute {
  readonly type: number;
  readonly nested: boolean;
  readonly value: Buffer;
}

/** attributes reads the attributes of `bytes` (a message payload after its fixed header, or a nest's value). */
export function attributes(bytes: Buffer): Attribute[] {
  const out: Attribute[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const len = bytes.readUInt16LE(at);
    const type = bytes.readUInt16LE(at + 2);
    if (len < 4 || at + len > bytes.length) break;
    out.push({ type: type & NLA_TYPE_MASK, nested: (type & NLA_F_NESTED) !== 0, value: bytes.subarray(at + 4, at + len) });
    at += align4(len);
  }
  return out;
}

/** attributeMap indexes attributes by type (the last one wins; nf_tables never repeats top-level types). */
export function attributeMap(bytes: Buffer): Map<number, Buffer> {
  return new Map(attributes(bytes).map((a) => [a.type, a.value]));
}

/** text reads a NUL-terminated string attribute. */
export function text(value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  const nul = value.indexOf(0);
  return value.toString('utf8', 0, nul === -1 ? value.length : nul);
}

/** be32 reads a big-endian u32 attribute (nf_tables integers). */
export function be32(value: Buffer | undefined): number | undefined {
  return value === undefined || value.length < 4 ? undefined : value.readUInt32BE(0);
}

/**
 * kernelErrors returns the NLMSG_ERROR messages with a non-zero error,
 * with the extended-ACK offset and message when the kernel gave them.
 */
export function kernelErrors(replies: readonly ReplyMessage[]): KernelError[] {
  const out: KernelError[] = [];
  for (const reply of replies) {
    if (reply.type !== NLMSG_ERROR) continue;
    const error = -reply.payload.readInt32LE(0);
    if (error === 0) continue;
    // struct nlmsgerr: int error, then the request's nlmsghdr (and, unless
    // capped, its payload), then the TLVs when NLM_F_ACK_TLVS.
    const request = reply.payload.subarray(4);
    const seq = request.readUInt32LE(8);
    let offset: number | undefined;
    let message: string | undefined;
    if ((reply.flags & NLM_F_ACK_TLVS) !== 0) {
      const requestLen = (reply.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : align4(request.readUInt32LE(0));
      for (const attr of attributes(request.subarray(requestLen))) {
        if (attr.type === NLMSGERR_ATTR_OFFS) offset = attr.value.readUInt32LE(0);
        if (attr.type === NLMSGERR_ATTR_MSG) message = text(attr.value);
      }
    }
    out.push({ seq, errno: error, ...(offset === undefined ? {} : { offset }), ...(message === undefined ? {} : { message }) });
  }
  return out;
}

/** isDone says whether a reply message ends a dump. */
export function isDone(reply: ReplyMessage): boolean {
  return reply.type === NLMSG_DONE;
}
