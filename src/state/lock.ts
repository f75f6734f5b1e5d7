/**
 * A lock file that serialises lbfw runs on one host. Written by hand rather
 * than with an mtime-based library so that the message can name the holder's
 * pid and command, and so that a crashed run's lock is taken over at once
 * (its pid is gone) instead of after a staleness timeout.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LockError } from '../errors.js';

/** Options of {@link withLock}. */
export interface LockOptions {
  /** How long to wait for another run to finish, in seconds. 0 fails at once. */
  readonly waitSeconds: number;
  /** What this run is doing, recorded for the other run's message. */
  readonly purpose: string;
}

interface Holder {
  readonly pid: number;
  readonly purpose: string;
  readonly since: string;
}

const POLL_MS = 50;
const UNREADABLE_GRACE_MS = 5000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await fs.readFile(lockPath, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

async function tryAcquire(lockPath: string, purpose: string): Promise<Holder | undefined> {
  const me: Holder = { pid: process.pid, purpose, since: new Date().toISOString() };
  try {
    await fs.writeFile(lockPath, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = await readHolder(lockPath);
  if (holder !== undefined && isAlive(holder.pid)) return holder;
  if (holder === undefined) {
    // Created but not yet written by the other run: held for now. A file that
    // stays unreadable is debris of a crash between create and write.
    const age = Date.now() - (await fs.stat(lockPath).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age < UNREADABLE_GRACE_MS) return { pid: 0, purpose: 'unknown', since: '' };
  }
  // The holder died without cleaning up: remove its lock and race again.
  await fs.rm(lockPath, { force: true });
  return tryAcquire(lockPath, purpose);
}

/**
 * withLock runs `fn` while holding the lock at `lockPath`, waiting up to
 * `waitSeconds` for another lbfw run to finish first.
 */
export async function withLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.waitSeconds * 1000;
  await fs.mkdir(path.dirname(lockPath), { recursive: true, mode: 0o700 });
  for (;;) {
    const holder = await tryAcquire(lockPath, options.purpose);
    if (holder === undefined) break;
    if (Date.now() >= deadline) {
      const who = holder.pid > 0 ? `pid ${holder.pid} (${holder.purpose}, since ${holder.since})` : 'another lbfw run';
      throw new LockError(
        `another lbfw run holds ${lockPath}: ${who}; waited ${options.waitSeconds} s (raise --wait, or wait for it to finish)`,
        lockPath,
      );
    }
    await delay(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}
