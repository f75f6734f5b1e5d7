/**
 * Throwaway network namespaces for the lab, the demo and the system tests.
 * Nothing here touches the namespace lbfw itself runs in: every command is
 * `ip netns exec NAME ...` or creates links directly inside a namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run, runOk, type RunResult } from '../system/run.js';
import { SERVICE_PROGRAM, TCP_CONNECT_PROGRAM } from './programs/index.js';

/** Netns is one named network namespace that this process created. */
export class Netns {
  readonly name: string;
  readonly #children: ChildProcess[] = [];

  private constructor(name: string) {
    this.name = name;
  }

  /** create makes a fresh namespace named `PREFIX-RANDOM` with lo up. */
  static async create(prefix: string): Promise<Netns> {
    const ns = new Netns(`${prefix}-${randomBytes(3).toString('hex')}`);
    await runOk(['ip', 'netns', 'add', ns.name]);
    await ns.ok(['ip', 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /**
   * open names a namespace that already exists (one a previous `lbfw lab up`
   * made): delete() then removes it and every program still running in it.
   */
  static open(name: string): Netns {
    return new Netns(name);
  }

  /** exec runs a program inside the namespace. */
  exec(argv: readonly string[], input?: string): Promise<RunResult> {
    return run(['ip', 'netns', 'exec', this.name, ...argv], input);
  }

  /** ok runs a program inside the namespace and throws when it fails. */
  ok(argv: readonly string[], input?: string): Promise<string> {
    return runOk(['ip', 'netns', 'exec', this.name, ...argv], input);
  }

  /** background starts a long-running program inside the namespace; delete() stops it. */
  background(argv: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    return child;
  }

  /**
   * sysctl writes a sysctl inside the namespace, through /proc/sys (what
   * sysctl(8) does), so that hosts without procps can run the lab. `/` in a
   * key separates like `.` (sysctl.d(5)); interface names with dots need it.
   */
  async sysctl(key: string, value: string): Promise<void> {
    const file = `/proc/sys/${key.includes('/') ? key : key.replaceAll('.', '/')}`;
    await this.ok(['sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'sh', value, file]);
  }

  /** delete stops the programs started here and removes the namespace. */
  async delete(): Promise<void> {
    for (const child of this.#children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('close', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    // A process we did not start (e.g. a detached confirm timer) would keep
    // the namespace alive: kill whatever still runs inside it.
    const pids = (await run(['ip', 'netns', 'pids', this.name])).stdout.split('\n').filter((p) => /^\d+$/.test(p));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await run(['ip', 'netns', 'del', this.name]);
  }
}

/** Link: one end of a veth pair, as configured. */
export interface LinkEnd {
  readonly ns: Netns;
  readonly ifname: string;
  readonly addresses: readonly string[];
}

/**
 * connect joins two namespaces with a veth pair, assigns the addresses
 * (CIDR form) and brings both ends up. IPv6 DAD is disabled on the pair so
 * addresses are usable at once rather than after a timer.
 */
export async function connect(a: LinkEnd, b: LinkEnd): Promise<void> {
  const tmpA = `v${randomBytes(4).toString('hex')}`;
  const tmpB = `v${randomBytes(4).toString('hex')}`;
  await a.ns.ok(['ip', 'link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpB, 'netns', b.ns.name]);
  for (const [end, tmp] of [
    [a, tmpA],
    [b, tmpB],
  ] as const) {
    await end.ns.ok(['ip', 'link', 'set', tmp, 'name', end.ifname]);
    await end.ns.sysctl(`net.ipv6.conf.${end.ifname}.accept_dad`, '0');
    for (const address of end.addresses) await end.ns.ok(['ip', 'addr', 'add', address, 'dev', end.ifname]);
    await end.ns.ok(['ip', 'link', 'set', end.ifname, 'up']);
  }
}

/**
 * tcpConnects says whether a TCP connection from `ns` to ADDR:PORT is
 * accepted within `timeoutSeconds`. A dropped SYN is only visible as
 * silence, so a bounded wait is the measurement itself here.
 */
export async function tcpConnects(ns: Netns, address: string, port: number, timeoutSeconds = 5): Promise<boolean> {
  const result = await ns.exec([process.execPath, TCP_CONNECT_PROGRAM, address, String(port), String(timeoutSeconds * 1000)]);
  return result.code === 0;
}

/**
 * serveTcp starts the lab's service (HTTP, answering `name`) on ADDR:PORT
 * inside `ns` and resolves once it listens; delete() stops it.
 */
export async function serveTcp(ns: Netns, address: string, port: number, name = 'lbfw'): Promise<void> {
  const child = ns.background([process.execPath, SERVICE_PROGRAM, 'lbfw-lab-tcp', name, address, String(port)]);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('close', (code) => reject(new Error(`service on ${address}:${port} exited (${code})`)));
  });
}
