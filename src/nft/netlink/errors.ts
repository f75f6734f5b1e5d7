/**
 * Errors of the netlink backend: the kernel's refusal of a batch, named by
 * what the failing message wrote (and, for elements, by the element), and
 * the one case where lbfw cannot know the outcome (ENOBUFS).
 */
import { constants } from 'node:os';
import { NftError } from '../../errors.js';

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** errnoName gives the symbolic name of a positive errno (`EEXIST`). */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** What EEXIST, ENOENT, ... mean for nf_tables, in the words nft uses. */
const MEANINGS: Readonly<Record<string, string>> = {
  EEXIST: 'already exists or overlaps an existing element',
  ENOENT: 'no such table, chain, set or element',
  EINVAL: 'invalid argument',
  EBUSY: 'in use',
  ENOSPC: 'the set is full (its size is too small)',
  EOPNOTSUPP: 'not supported by this kernel',
  EPERM: 'operation not permitted (root or CAP_NET_ADMIN needed)',
  EMSGSIZE: 'message too long',
  ENOMEM: 'out of kernel memory',
  ERANGE: 'value out of range',
};

/** describeErrno: `EEXIST (already exists or overlaps an existing element)`. */
export function describeErrno(errno: number): string {
  const name = errnoName(errno);
  const meaning = MEANINGS[name];
  return meaning === undefined ? name : `${name} (${meaning})`;
}

/** NetlinkElementRef: the element a kernel error names. */
export interface NetlinkElementRef {
  readonly set: string;
  /** Index in the set's element list as lbfw sent it. */
  readonly index: number;
  /** The element as nft prints it. */
  readonly text: string;
}

/** NetlinkError: the kernel refused a batch; nothing was committed. */
export class NetlinkError extends NftError {
  readonly errno: number;
  /** What the refused message wrote, e.g. `set bl4_nets`, `chain input, rule vrrp4`. */
  readonly subject: string;
  /** The refused element, when the kernel's error offset named one. */
  readonly element?: NetlinkElementRef;

  constructor(message: string, errno: number, subject: string, element?: NetlinkElementRef) {
    super(message, '', '', null);
    this.errno = errno;
    this.subject = subject;
    if (element !== undefined) this.element = element;
  }
}

/** NetlinkUnknownOutcomeError: replies were lost (ENOBUFS); the commit may or may not have happened. */
export class NetlinkUnknownOutcomeError extends NftError {
  readonly generationBefore: number | undefined;
  readonly generationAfter: number | undefined;

  constructor(message: string, before: number | undefined, after: number | undefined) {
    super(message, '', '', null);
    this.generationBefore = before;
    this.generationAfter = after;
  }
}
