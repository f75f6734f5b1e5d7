/**
 * Whether a daemon runs in THIS network namespace, decided exactly: its pid
 * file (`/run/NAME.pid`) or a process whose /proc/PID/comm and /proc/PID/exe
 * are the daemon, and whose /proc/PID/ns/net is the namespace lbfw runs in.
 * A command line that merely contains the name ("vi keepalived.conf",
 * `grep keepalived`) or a keepalived of another namespace (the peer director
 * of a lab, a container) does not count.
 */
import path from 'node:path';

/** DaemonSystem: the reads detection needs; every one yields undefined when the file is missing or unreadable. */
export interface DaemonSystem {
  readonly readFile: (file: string) => Promise<string | undefined>;
  readonly listDir: (dir: string) => Promise<string[] | undefined>;
  readonly readlink: (file: string) => Promise<string | undefined>;
}

/** DaemonFact: the daemon's processes here and in other namespaces. */
export interface DaemonFact {
  readonly name: string;
  readonly running: boolean;
  /** Processes of the daemon in this network namespace. */
  readonly pids: readonly number[];
  /** Processes of the daemon in other network namespaces (not this host's daemon). */
  readonly elsewhere?: readonly number[];
}

/** A zombie (Z) or dead (X) process has exited: it keeps its comm, but no namespace or exe to read. */
function hasExited(stat: string | undefined): boolean {
  if (stat === undefined) return true;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

async function isDaemon(system: DaemonSystem, pid: number, name: string): Promise<boolean> {
  const comm = (await system.readFile(`/proc/${pid}/comm`))?.trim();
  if (comm !== name) return false;
  // A keepalived that has exited but is not yet reaped (anywhere on the
  // machine) would otherwise count as running HERE: its ns link is gone.
  if (hasExited(await system.readFile(`/proc/${pid}/stat`))) return false;
  const exe = await system.readlink(`/proc/${pid}/exe`);
  // Kernel threads and processes of other users may hide exe; comm alone then decides.
  return exe === undefined || path.basename(exe.replace(/ \(deleted\)$/, '')) === name;
}

/** detectDaemon finds the daemon `name` (pid file `/run/NAME.pid` first, then every process). */
export async function detectDaemon(system: DaemonSystem, name: string): Promise<DaemonFact> {
  const self = await system.readlink('/proc/self/ns/net');
  const candidates = new Set<number>();
  const pidFile = (await system.readFile(`/run/${name}.pid`))?.trim();
  if (pidFile !== undefined && /^\d+$/.test(pidFile)) candidates.add(Number(pidFile));
  for (const entry of (await system.listDir('/proc')) ?? []) if (/^\d+$/.test(entry)) candidates.add(Number(entry));
  const pids: number[] = [];
  const elsewhere: number[] = [];
  for (const pid of [...candidates].sort((a, b) => a - b)) {
    if (!(await isDaemon(system, pid, name))) continue;
    const ns = await system.readlink(`/proc/${pid}/ns/net`);
    if (self !== undefined && ns !== undefined && ns !== self) elsewhere.push(pid);
    else pids.push(pid);
  }
  return { name, running: pids.length > 0, pids, ...(elsewhere.length === 0 ? {} : { elsewhere }) };
}
