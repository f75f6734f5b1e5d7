/**
 * Helpers of the faults suite: start lbfw in the background to kill it at a
 * chosen point, poll for conditions with a bound (never a bare sleep), and
 * build big blacklists from the IPv6 documentation prefix.
 */
import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Netns } from '../../../src/lab/netns.js';
import type { RunResult } from '../../../src/system/run.js';
import { LBFW, ROOT } from '../../helpers/system.js';

/** Background: an lbfw run in the background, its pid and its end. */
export interface Background {
  readonly pid: number;
  readonly done: Promise<RunResult>;
}

/** startLbfw starts the real CLI inside `ns` without waiting for it (same pid through ip/env exec). */
export function startLbfw(ns: Netns, args: readonly string[], env: Record<string, string> = {}): Background {
  const assignments = Object.entries({ LBFW_ROOT: ROOT, ...env }).map(([k, v]) => `${k}=${v}`);
  const child = spawn('ip', ['netns', 'exec', ns.name, 'env', ...assignments, process.execPath, LBFW, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
  return { pid: child.pid ?? 0, done };
}

/** waitFor polls `condition` every 20 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

/** commandLine returns a process's argv joined by spaces, or undefined once it is gone. */
export async function commandLine(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** childPids lists the direct children of `pid` (every thread's), [] once it is gone. */
export async function childPids(pid: number): Promise<number[]> {
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    const lists = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')));
    return lists.flatMap((l) => l.split(/\s+/).filter((x) => x !== '').map(Number));
  } catch {
    return [];
  }
}

/** childRunning says whether `pid` has a child whose command line matches `pattern`; returns its pid. */
export async function childMatching(pid: number, pattern: RegExp): Promise<number | undefined> {
  for (const child of await childPids(pid)) {
    const line = await commandLine(child);
    if (line !== undefined && pattern.test(line)) return child;
  }
  return undefined;
}

/** isGone says whether a process has exited (and been reaped, or is a zombie). */
export async function isGone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** kill9 sends SIGKILL to `pid` (gone already is fine). */
export function kill9(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // It ended by itself first.
  }
}

/** Seeded pseudo-random numbers (mulberry32), so a failing run can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** bigHosts gives `n` distinct IPv6 hosts of 2001:db8:f::/48 (documentation prefix). */
export function bigHosts(n: number, group = 'f'): string[] {
  return Array.from({ length: n }, (_, i) => `2001:db8:${group}::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`);
}

/** The director config of the faults suite: one VIP, a management network, the blacklist beside it. */
export const FAULTS_CONFIG = `role: director
services: ["192.0.2.10:80/tcp"]
management:
  sources: [198.51.100.0/28]
blacklist: static_blacklist
`;

/** writeSetup writes the config and a blacklist into `dir`; returns the CLI arguments and the blacklist path. */
export async function writeSetup(dir: string, blacklist: string, config = FAULTS_CONFIG): Promise<{ args: string[]; file: string }> {
  await writeFile(path.join(dir, 'lbfw.yaml'), config);
  const file = path.join(dir, 'static_blacklist');
  await writeFile(file, blacklist);
  return { args: ['--config', path.join(dir, 'lbfw.yaml'), '--state-dir', path.join(dir, 'state')], file };
}

/**
 * NFT_SCRIPT_RUN matches the command line of nft itself running a script lbfw
 * wrote (`nft -f /dev/fd/3`, a file written in full before nft started). It is anchored so that it never matches
 * `setpriv --pdeathsig KILL -- nft ...` (the same process before setpriv
 * armed the parent-death signal and exec'd nft): stopping it there would
 * test a process lbfw has not finished starting.
 */
export const NFT_SCRIPT_RUN = /^\S*\bnft -f \/dev\/fd\/3$/;

/**
 * bigNets gives `n` IPv6 /64s of 2001:db8::/32 with a gap after each, so
 * nothing merges: an interval set that nft takes seconds to load.
 */
export function bigNets(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `2001:db8:${(0x100 + (i >> 15)).toString(16)}:${((i & 0x7fff) * 2).toString(16)}::/64`);
}
