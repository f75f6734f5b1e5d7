/**
 * The lock that serialises lbfw runs on one host: an exclusive flock(2) on
 * the lock file (see fd-lock.ts). The file itself is never removed; it only
 * names the current holder for the message another run prints while it
 * waits. A run that dies, however it dies, releases the lock with its last
 * descriptor, and a child program it left running (an `nft` mid-commit)
 * holds it until that child is gone too.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { LockError } from '../errors.js';
import { inheritInChildren } from '../system/run.js';
import { fdLocker } from './fd-lock.js';

/** Options of {@link withLock}. */
export interface LockOptions {
  /** How long to wait for another run to finish, in seconds. 0 fails at once. */
  readonly waitSeconds: number;
  /** What this run is doing, recorded for the other run's message. */
  readonly purpose: string;
}

/** LockHolder: what the lock file says about the run holding it. */
export interface LockHolder {
  readonly pid: number;
  readonly purpose: string;
  readonly since: string;
}

/** The holder note is a line of JSON: reading more than this is never needed. */
const HOLDER_MAX_BYTES = 4096;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** readLockHolder returns the holder the lock file names, if it names one. */
export async function readLockHolder(lockPath: string): Promise<LockHolder | undefined> {
  let handle;
  try {
    handle = await fs.open(lockPath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(HOLDER_MAX_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HOLDER_MAX_BYTES, 0);
    const value = JSON.parse(buffer.subarray(0, bytesRead).toString('utf8')) as Partial<LockHolder>;
    return typeof value.pid === 'number' ? { pid: value.pid, purpose: String(value.purpose), since: String(value.since) } : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

function holderText(holder: LockHolder | undefined): string {
  if (holder === undefined) return 'another lbfw run';
  const who = `pid ${holder.pid} (${holder.purpose}, since ${holder.since})`;
  // The lock is the kernel's: a dead recorded holder means a program it started still runs.
  return isAlive(holder.pid) ? who : `a program left by ${who}, which has exited`;
}

async function openLockFile(lockPath: string): Promise<fs.FileHandle> {
  await fs.mkdir(path.dirname(lockPath), { recursive: true, mode: 0o700 });
  // O_NOFOLLOW and O_NONBLOCK: a symlink or FIFO planted as the lock file is refused, never followed or waited on.
  const handle = await fs.open(lockPath, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new LockError(`${lockPath} is not a regular file; remove it so that lbfw can create its lock file`, lockPath);
  }
  return handle;
}

/**
 * withLock runs `fn` while holding the lock at `lockPath`, waiting up to
 * `waitSeconds` for another lbfw run (or a program a killed run left
 * behind) to finish first. Programs run meanwhile inherit the lock.
 */
export async function withLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const handle = await openLockFile(lockPath);
  let stopInheriting: (() => void) | undefined;
  try {
    let held: boolean;
    try {
      held = await fdLocker().lock(handle.fd, options.waitSeconds);
    } catch (error) {
      throw error instanceof LockError ? new LockError(error.message, lockPath) : error;
    }
    if (!held) {
      throw new LockError(
        `another lbfw run holds ${lockPath}: ${holderText(await readLockHolder(lockPath))}; waited ${options.waitSeconds} s ` +
          '(raise --wait, or wait for it to finish)',
        lockPath,
      );
    }
    const me: LockHolder = { pid: process.pid, purpose: options.purpose, since: new Date().toISOString() };
    await handle.truncate(0);
    await handle.write(`${JSON.stringify(me)}\n`, 0);
    stopInheriting = inheritInChildren(handle.fd);
    return await fn();
  } finally {
    stopInheriting?.();
    // Closing the last descriptor releases the lock; the note stays until the next holder overwrites it.
    await handle.close();
  }
}
