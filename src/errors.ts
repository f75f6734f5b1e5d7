/**
 * Typed errors of lbfw. Every error the library throws is an {@link LbfwError}
 * with a stable `code`; the CLI maps them to exit code 1 and one clear line.
 * Findings and drift are data, never errors.
 */
import { problemReport } from './text/problems.js';

/** One problem in an input file, located by line (1-based). */
export interface InputProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** LbfwError is the base of every error lbfw throws on purpose. */
export class LbfwError extends Error {
  /** Stable machine-readable code, e.g. `CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

function describeProblems(what: string, problems: readonly InputProblem[], more = 0): string {
  const lines = problemReport(problems);
  if (more > 0) lines.push(`and ${more} more`);
  return problems.length === 1 && more === 0 ? (lines[0] ?? what) : `${what}:\n${lines.join('\n')}`;
}

/** ConfigError: the host config (or a file it names) is wrong. `problems` lists every bad line. */
export class ConfigError extends LbfwError {
  readonly problems: readonly InputProblem[];
  /** File of the first problem. */
  readonly file: string;
  /** Line of the first problem (1-based; 0 when the whole file is at fault). */
  readonly line: number;

  /** Problems found beyond those listed (a reader keeps only the first ones). */
  readonly more: number;

  constructor(problems: readonly InputProblem[], more = 0) {
    super('CONFIG_INVALID', describeProblems(`${problems.length + more} problems in the configuration`, problems, more));
    this.problems = problems;
    this.more = more;
    this.file = problems[0]?.file ?? '';
    this.line = problems[0]?.line ?? 0;
  }
}

/** BlacklistError: the static_blacklist has bad lines; nothing was changed. */
export class BlacklistError extends LbfwError {
  readonly problems: readonly InputProblem[];
  readonly file: string;
  readonly line: number;

  constructor(problems: readonly InputProblem[]) {
    super('BLACKLIST_INVALID', describeProblems(`${problems.length} bad lines in the blacklist`, problems));
    this.problems = problems;
    this.file = problems[0]?.file ?? '';
    this.line = problems[0]?.line ?? 0;
  }
}

/** What a dangerous blacklist entry would cut off. */
export interface ProtectedHit {
  /** The blacklist entry as written. */
  readonly entry: string;
  readonly file: string;
  readonly line: number;
  /** The protected address it covers. */
  readonly address: string;
  /** Why that address matters, e.g. `VIP 192.0.2.10`, `management source`, `your SSH session`. */
  readonly role: string;
}

/** SafetyError: a blacklist entry would lock out a VIP, a real server, a peer or the operator. */
export class SafetyError extends LbfwError {
  readonly hits: readonly ProtectedHit[];

  constructor(hits: readonly ProtectedHit[]) {
    const lines = hits.map(
      (h) => `${h.file}:${h.line}: ${h.entry} would block ${h.address} (${h.role})`,
    );
    super(
      'BLACKLIST_UNSAFE',
      `refusing to blacklist protected addresses (use --force to override):\n${lines.join('\n')}`,
    );
    this.hits = hits;
  }
}

/** NftError: the `nft` program or the kernel refused a command. The payload is attached. */
export class NftError extends LbfwError {
  readonly stderr: string;
  readonly payload: string;
  readonly exitCode: number | null;

  constructor(message: string, stderr: string, payload: string, exitCode: number | null) {
    super('NFT_FAILED', message);
    this.stderr = stderr;
    this.payload = payload;
    this.exitCode = exitCode;
  }
}

/**
 * NftInvalidError: a Transaction was given an operation that cannot be
 * right (a rule naming a missing set, elements of the wrong key type,
 * overlapping intervals). Raised when the operation is queued, before any
 * backend sees it.
 */
export class NftInvalidError extends LbfwError {
  /** What was refused, e.g. `set bl4_nets`, `chain input, rule vrrp4`. */
  readonly subject: string;

  constructor(subject: string, message: string) {
    super('NFT_INVALID', `${subject}: ${message}`);
    this.subject = subject;
  }
}

/** PermissionError: lbfw needs root or CAP_NET_ADMIN for this command. */
export class PermissionError extends LbfwError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message);
  }
}

/** LockError: another lbfw run holds the lock and did not release it in time. */
export class LockError extends LbfwError {
  readonly lockPath: string;

  constructor(message: string, lockPath: string) {
    super('LOCKED', message);
    this.lockPath = lockPath;
  }
}

/** Why an input file was refused by {@link InputFileError}. */
export type InputFileReason = 'missing' | 'permission' | 'directory' | 'not-regular' | 'too-large' | 'unreadable';

/**
 * InputFileError: an input file cannot be read as one: missing, unreadable,
 * not a regular file (a FIFO, a device) or over its size limit. Nothing was
 * changed. Readers of a kind of input may wrap it in their own error.
 */
export class InputFileError extends LbfwError {
  readonly file: string;
  readonly reason: InputFileReason;

  constructor(file: string, reason: InputFileReason, message: string) {
    super('INPUT_UNREADABLE', message);
    this.file = file;
    this.reason = reason;
  }
}

/** StateError: saved state (backups, pending confirmations) is missing or unreadable. */
export class StateError extends LbfwError {
  constructor(message: string) {
    super('STATE', message);
  }
}

/** UsageError: the command line is inconsistent (e.g. `--role` missing without a config file). */
export class UsageError extends LbfwError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
