/**
 * Real keepalived in the lab's director namespaces, when Debian's
 * `keepalived` package is installed: it holds the VIP by VRRP between the two
 * directors exactly as in production. Only its VRRP subsystem runs
 * (`--vrrp`): this kernel has no IPVS, so the virtual servers stay emulated
 * by nftables (dr-emulation.ts).
 *
 * keepalived touches nothing of the host: it runs only through `ip netns exec`
 * in a namespace the lab made (never in lbfw's own), with its config, pid
 * files and log in the node's directory of the lab's temp dir, in the
 * foreground (`-n`, so Netns.delete() kills it with the namespace) and
 * logging to its console (`-l -D`, into that log file, not syslog).
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Netns } from './netns.js';

/** Where Debian installs keepalived. */
export const KEEPALIVED_BIN = '/usr/sbin/keepalived';

/** keepalivedInstalled says whether the lab can run real keepalived. */
export function keepalivedInstalled(): boolean {
  return existsSync(KEEPALIVED_BIN);
}

/** KeepalivedNode: one director's keepalived: its namespace and its files. */
export interface KeepalivedNode {
  readonly ns: Netns;
  /** The node's directory: keepalived.conf, keepalived.pid, vrrp.pid, keepalived.log. */
  readonly dir: string;
}

function files(node: KeepalivedNode): { conf: string; pid: string; vrrpPid: string; log: string } {
  return {
    conf: path.join(node.dir, 'keepalived.conf'),
    pid: path.join(node.dir, 'keepalived.pid'),
    vrrpPid: path.join(node.dir, 'vrrp.pid'),
    log: path.join(node.dir, 'keepalived.log'),
  };
}

/** keepalivedPid reads the parent process's pid file; undefined when keepalived is not running. */
export async function keepalivedPid(node: KeepalivedNode): Promise<number | undefined> {
  const text = await readFile(files(node).pid, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  return comm.trim() === 'keepalived' ? pid : undefined;
}

/** isKeepalived says whether `pid` is a live keepalived process (its comm, which a bare kill -0 would not check). */
async function isKeepalived(pid: number | undefined): Promise<boolean> {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false;
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'keepalived';
}

/** What the VRRP child logs once it has read the configuration and set up its instances. */
const STARTUP_COMPLETE = /: Startup complete$/m;

/** What keepalived logs when it gives up (a refused configuration, a failed child). */
const GAVE_UP = /exited with permanent error|Terminating|Stopped Keepalived/;

/**
 * startKeepalived starts keepalived's VRRP subsystem inside the node's
 * namespace and returns its pid once it is really up: the VRRP child logged
 * "Startup complete" (this run's part of the log) and, after that, both the
 * parent and the child are still alive. A pid file alone does not tell: a
 * keepalived whose configuration is refused writes it and exits a moment
 * later. Bounded polls, no fixed sleep; throws with the log's last lines.
 */
export async function startKeepalived(node: KeepalivedNode): Promise<number> {
  const f = files(node);
  const offset = (await stat(f.log).catch(() => undefined))?.size ?? 0;
  const log = openSync(f.log, 'a');
  try {
    const child = spawn('ip', ['netns', 'exec', node.ns.name, KEEPALIVED_BIN, '--vrrp', '-n', '-l', '-D', '-f', f.conf, '-p', f.pid, '-r', f.vrrpPid], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
  } finally {
    closeSync(log);
  }
  const thisRun = async (): Promise<string> => (await readFile(f.log, 'utf8').catch(() => '')).slice(offset);
  const failed = async (why: string): Promise<Error> => new Error(`keepalived ${why} in ${node.ns.name}: ${(await thisRun()).trim().split('\n').slice(-5).join('\n')}`);
  const pid = await waitFor(() => keepalivedPid(node), 5000);
  if (pid === undefined) throw await failed('did not start');
  const outcome = await waitFor(async () => {
    const text = await thisRun();
    if (STARTUP_COMPLETE.test(text)) return 'up' as const;
    if (GAVE_UP.test(text) || !(await isKeepalived(pid))) return 'gone' as const;
    return undefined;
  }, 10000);
  if (outcome !== 'up') throw await failed(outcome === 'gone' ? 'exited right after starting' : 'did not complete its startup within 10 s');
  const vrrpPid = Number((await readFile(f.vrrpPid, 'utf8').catch(() => '')).trim());
  if (!(await isKeepalived(pid)) || !(await isKeepalived(vrrpPid))) throw await failed('exited after its startup');
  return pid;
}

/** stopKeepalived stops keepalived (SIGTERM: it releases the VIP and tells the peer, priority 0) and waits until it is gone. */
export async function stopKeepalived(node: KeepalivedNode): Promise<void> {
  const pid = await keepalivedPid(node);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitFor(async () => ((await keepalivedPid(node)) === undefined ? true : undefined), 10000);
}

/**
 * waitFor polls `probe` every 100 ms until it yields a value or `ms` pass
 * (then undefined): VRRP state changes take adverts, so a bounded poll is
 * the measurement.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= end) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** holdsAddress says whether `address` is on `ifname` in the namespace. */
export async function holdsAddress(ns: Netns, ifname: string, address: string): Promise<boolean> {
  const result = await ns.exec(['ip', '-j', 'addr', 'show', 'dev', ifname]);
  if (result.code !== 0) return false;
  const links = JSON.parse(result.stdout) as { addr_info?: { local?: string }[] }[];
  return links.some((l) => (l.addr_info ?? []).some((a) => a.local === address));
}
