/**
 * keepalived's own configuration dump (`keepalived --vrrp --dont-fork
 * --log-console --dump-conf`), for differential tests: the VRRP process
 * prints its "VRRP Topology" once it has read the configuration. `-t -d`
 * prints nothing (the config test exits before dumping), so keepalived is
 * started for real in a throwaway namespace and stopped once the dump is
 * complete. Only the VRRP process runs: configurations that need IPVS
 * (virtual_server checkers, lvs_sync_daemon) make it crash on a kernel
 * without ip_vs.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Netns } from '../../src/lab/netns.js';

/** DumpedInstance: the VRRP facts of one vrrp_instance as keepalived dumped them. */
export interface DumpedInstance {
  readonly name: string;
  readonly state: string;
  readonly interface: string;
  readonly virtualRouterId: number;
  readonly priority: number;
  /** `ADDR/PREFIX` of each VIP (keepalived omits a full-length prefix; it is written out here). */
  readonly vips: readonly string[];
  readonly unicastPeers: readonly string[];
}

/** How long keepalived may take to start its VRRP process and dump (a loaded CI machine). */
const DUMP_TIMEOUT_MS = 30_000;

const STAMP = /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /;

/** withFullPrefix writes `ADDR` as `ADDR/32` (or /128), as lbfw's model holds it. */
function withFullPrefix(address: string): string {
  if (address.includes('/')) return address;
  return `${address}/${address.includes(':') ? 128 : 32}`;
}

/** parseVrrpTopology reads the "VRRP Topology" section of keepalived's log. */
export function parseVrrpTopology(log: string): DumpedInstance[] {
  const lines = log.split('\n').map((l) => l.replace(STAMP, ''));
  const start = lines.findIndex((l) => l.startsWith('------< VRRP Topology >------'));
  if (start === -1) return [];
  const instances: DumpedInstance[] = [];
  let current: { -readonly [K in keyof DumpedInstance]: DumpedInstance[K] extends readonly string[] ? string[] : DumpedInstance[K] } | undefined;
  let list: string[] | undefined;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('------<')) break;
    // keepalived's parent process logs to the same console while the VRRP
    // child dumps: its lines (not indented) can land between a list's
    // header and its items. The dump's own lines are all indented.
    if (!line.startsWith(' ')) continue;
    const instance = /^ VRRP Instance = (\S+)$/.exec(line);
    if (instance !== null) {
      current = { name: instance[1] ?? '', state: '', interface: '', virtualRouterId: 0, priority: 0, vips: [], unicastPeers: [] };
      instances.push(current);
      list = undefined;
      continue;
    }
    if (current === undefined) continue;
    const item = /^ {5}(\S+)/.exec(line);
    if (item !== null && list !== undefined) {
      list.push(list === current.vips ? withFullPrefix(item[1] ?? '') : (item[1] ?? ''));
      continue;
    }
    list = undefined;
    const field = /^ {3}([^=:]+?) ?[=:] ?(.*)$/.exec(line);
    if (field === null) continue;
    const [, key = '', value = ''] = field;
    if (key === 'Wantstate') current.state = value;
    else if (key === 'Interface') current.interface = value;
    else if (key === 'Virtual Router ID') current.virtualRouterId = Number(value);
    else if (key === 'Priority') current.priority = Number(value);
    else if (key.startsWith('Virtual IP')) list = current.vips;
    else if (key === 'Unicast Peer') list = current.unicastPeers;
  }
  return instances;
}

/**
 * dumpVrrp runs keepalived's VRRP process on `file` inside `ns` until its
 * VRRP Topology dump is complete, stops it and returns the whole log.
 */
export async function dumpVrrp(ns: Netns, file: string, configId: string, dir: string): Promise<string> {
  const pid = (name: string): string => path.join(dir, `${name}-${configId}.pid`);
  const child = spawn('ip', ['netns', 'exec', ns.name, '/usr/sbin/keepalived', '--vrrp', '--dont-fork', '--log-console', '--dump-conf', '--no-syslog', '-f', file, '-i', configId, '-p', pid('k'), '-r', pid('v')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const complete = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keepalived printed no complete VRRP Topology within ${DUMP_TIMEOUT_MS} ms:\n${log}`)), DUMP_TIMEOUT_MS);
    const seen = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      // The topology ends where keepalived's next section (its interfaces) begins.
      if (/VRRP Topology >------[\s\S]*\n.*------< /.test(log) || /died|segmentation fault/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    void exited.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    await complete;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return log;
}
