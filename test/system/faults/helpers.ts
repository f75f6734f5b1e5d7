/**
 * Helpers of the faults suite: start lbfw in the background to kill it at a
 * chosen point, poll for conditions with a bound (never a bare sleep), and
 * build big blacklists from the IPv6 documentation prefix.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import { Netns } from '../../../src/lab/netns.js';
import type { RunResult } from '../../../src/system/run.js';
import { LBFW, NFT, ROOT } from '../../helpers/system.js';

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

/** The IPv6 host-set elements of lbfw's table, listed by nft itself (not lbfw). */
export async function kernelHosts(ns: Netns): Promise<Set<string>> {
  const listing = await ns.ok([NFT, 'list', 'table', 'inet', 'lbfw']);
  const hosts = new Set<string>();
  let sets = 0;
  for (const match of listing.matchAll(/set bl6_hosts\w* \{([^}]*\{[^}]*\})?[^}]*\}/g)) {
    sets++;
    for (const address of (match[1] ?? '').matchAll(/2001:db8:[0-9a-f:]+/g)) hosts.add(address[0]);
  }
  if (sets === 0) throw new Error('no IPv6 host set in the table');
  return hosts;
}

/** Pids of `nft -f /dev/fd/3` (a script lbfw started) running in `ns`. */
export async function nftScriptsIn(ns: Netns): Promise<number[]> {
  const inode = (await stat(`/run/netns/${ns.name}`)).ino;
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const line = await commandLine(Number(name));
    if (line === undefined || !NFT_SCRIPT_RUN.test(line)) continue;
    const nsInode = await stat(`/proc/${name}/ns/net`).then((s) => s.ino, () => undefined);
    if (nsInode === inode) found.push(Number(name));
  }
  return found;
}

/**
 * oldOrNew says which of two tables over the same `filler` hosts the kernel
 * holds: `old` or `new` when its IPv6 host sets hold exactly that table's
 * extra hosts (every one, and the total count). Anything else (half a table)
 * fails the test with `text` and the count found.
 */
export async function oldOrNew(t: ExecutionContext, ns: Netns, filler: number, old: ReadonlySet<string>, next: ReadonlySet<string>, text: string): Promise<'old' | 'new'> {
  const hosts = await kernelHosts(ns);
  const matches = (extras: ReadonlySet<string>): boolean => hosts.size === filler + extras.size && [...extras].every((h) => hosts.has(h));
  if (matches(next)) return 'new';
  if (matches(old)) return 'old';
  t.fail(`${text}: the kernel holds neither the old table (${filler + old.size} hosts) nor the whole new one (${filler + next.size}): ${hosts.size} hosts`);
  return 'old';
}

/** FaultsLab: one namespace and state directory that a faults file's tests share, in order. */
export interface FaultsLab {
  readonly ns: Netns;
  readonly dir: string;
  readonly args: string[];
  readonly stateArgs: string[];
  readonly file: string;
}

/**
 * sharedLab gives a faults file its lab, built on first use with `blacklist`
 * as the file (a 200k-host table costs seconds per load, so the tests go on
 * from each other's table), and the cleanup for `test.after.always`: it
 * removes the namespace and the directory, also after a failed test.
 */
export function sharedLab(name: string, blacklist: string): { lab: () => Promise<FaultsLab>; remove: () => Promise<void> } {
  let lab: Promise<FaultsLab> | undefined;
  const made: { ns?: Netns; dir?: string } = {};
  return {
    lab: () => {
      lab ??= (async () => {
        const dir = await mkdtemp(path.join(tmpdir(), `lbfw-t-${name}-`));
        made.dir = dir;
        const ns = await Netns.create(`lbfw-t-${name}`);
        made.ns = ns;
        const { args, file } = await writeSetup(dir, blacklist);
        return { ns, dir, args, file, stateArgs: ['--state-dir', path.join(dir, 'state')] };
      })();
      return lab;
    },
    remove: async () => {
      await made.ns?.delete();
      if (made.dir !== undefined) await rm(made.dir, { recursive: true, force: true });
    },
  };
}
