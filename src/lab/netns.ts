/**
 * Throwaway network namespaces for the lab, the demo and the system tests.
 * Nothing here touches the namespace lbfw itself runs in: every command is
 * `ip netns exec NAME ...` or creates links directly inside a namespace.
 */
import { randomBytes } from 'node:crypto';
import { run, runOk, type RunResult } from '../system/run.js';
import { TCP_CONNECT_PROGRAM } from './programs/index.js';
import { keyToPath } from '../sysctl/key.js';

/** Netns is one named network namespace that this process created. */
export class Netns {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** create makes a fresh namespace named `PREFIX-RANDOM` with lo up. */
  static async create(prefix: string): Promise<Netns> {
    const ns = new Netns(`${prefix}-${randomBytes(3).toString('hex')}`);
    await runOk(['ip', 'netns', 'add', ns.name]);
    try {
      await ns.ok(['ip', 'link', 'set', 'lo', 'up']);
    } catch (error) {
      // The caller never sees a namespace that failed half-way: remove it here.
      await ns.delete();
      throw error;
    }
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

  /**
   * sysctl writes a sysctl inside the namespace, through /proc/sys (what
   * sysctl(8) does), so that hosts without procps can run the lab. `/` in a
   * key separates like `.` (sysctl.d(5)); interface names with dots need it.
   */
  async sysctl(key: string, value: string): Promise<void> {
    const file = `/proc/sys/${keyToPath(key)}`;
    await this.ok(['sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'sh', value, file]);
  }

  /** pids lists the processes running inside the namespace. */
  async pids(): Promise<number[]> {
    return (await run(['ip', 'netns', 'pids', this.name])).stdout
      .split('\n')
      .filter((p) => /^\d+$/.test(p))
      .map(Number);
  }

  /** delete stops every program running inside the namespace and removes it. */
  async delete(): Promise<void> {
    // A program still running inside (a service, a detached confirm timer)
    // would keep the namespace alive.
    for (const pid of await this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
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

