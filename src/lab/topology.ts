/**
 * The DR lab: a client, a director and two real servers in their own network
 * namespaces, joined by bridges in a "switch" namespace. The director forwards
 * like IPVS Direct Routing through the nftables emulation (dr-emulation.ts),
 * the real servers run a real HTTP service, and every kernel decision (ARP,
 * routing, rp_filter, firewalls) is the real kernel's: what `lbfw doctor`
 * explains and `lbfw apply` fixes can be watched with real traffic.
 *
 *   LAN      203.0.113.0/24  br0  client .100, client2 .50, director .1 (VIP .10), rs1 .11, rs2 .12
 *   backend  198.51.100.0/24 br1  client .100, rs1 .11, rs2 .12  (multi-homed real servers)
 *   uplink   192.0.2.0/24    br2  client .100, director .1       (a second way to the director)
 *
 * The client is also the LAN's default gateway (.100) and does not forward.
 * client2 is a plain client on the LAN, nothing else: being the directors'
 * gateway exempts the client from `lbfw overlimit`, client2 is exempt from
 * nothing (the directors' configs turn off the exemption of connected
 * networks: the LAN stands for the internet too).
 * Every node has lbfw's files in its own directory of the lab's temp dir
 * (LBFW_CONFIG, LBFW_ROOT, LBFW_STATE_DIR), so nothing writes the host's
 * /etc or /var/lib.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readKeepalived } from '../keepalived/index.js';
import { DR_LAB, macOf } from './dr-lab.js';
import { drServicesFromKeepalived, loadDrEmulation, type DrEmulation } from './dr-emulation.js';
import { startHttpService } from './http-service.js';
import { connect, Netns } from './netns.js';
import { directorConfig, keepalivedConf, realServerConfig, type LabRealServerEntry } from './node-config.js';
import { run, type RunResult } from '../system/run.js';
import { holdsAddress, keepalivedInstalled, startKeepalived, waitFor, type KeepalivedNode } from './keepalived.js';
import { packageRoot } from '../package-info.js';

/** The lab's addresses: documentation prefixes only. */
export const LAB = {
  prefix: 24,
  vip: DR_LAB.vip,
  port: 80,
  lan: { client: DR_LAB.client, client2: '203.0.113.50', director: DR_LAB.director, rs1: DR_LAB.realServers[0], rs2: DR_LAB.realServers[1] },
  /** director2, the other director of the VRRP pair (BACKUP). */
  peerDirector: '203.0.113.2',
  backend: { client: '198.51.100.100', rs1: '198.51.100.11', rs2: '198.51.100.12' },
  uplink: { client: '192.0.2.100', director: '192.0.2.1' },
  /** jhash seed of the DR emulation: fixed, so the lab knows where each client port goes. */
  seed: 0x1b5e,
} as const;

/** Names of the lab's nodes. */
export type LabNodeName = 'client' | 'client2' | 'director' | 'director2' | 'rs1' | 'rs2';

/** Names of the nodes lbfw runs on. */
export type LbfwNodeName = 'director' | 'director2' | 'rs1' | 'rs2';

/** LBFW_NODES: the nodes lbfw is applied to, in the order the demo and tests use. */
export const LBFW_NODES: readonly LbfwNodeName[] = ['director', 'director2', 'rs1', 'rs2'];

/** The two directors of the VRRP pair: director is MASTER (priority 150), director2 BACKUP (100). */
export const DIRECTORS = ['director', 'director2'] as const;

/** LabNode: one node of the lab. */
export interface LabNode {
  readonly name: LabNodeName;
  readonly ns: Netns;
  /** The node's lbfw files: lbfw.yaml (the director also keepalived.conf), root/, state/. */
  readonly dir: string;
  /** MAC of eth0, the LAN interface: tells whose ARP answer a client cached. */
  readonly mac: string;
}

/** Lab: the namespaces, files and runners of one lab. */
export interface Lab {
  readonly prefix: string;
  /** The lab's temp dir (node files, the `lbfw` launcher in bin/). */
  readonly dir: string;
  readonly switchNs: Netns;
  readonly client: LabNode;
  /** A second client with no other role (not a gateway, not exempt from `lbfw overlimit`). */
  readonly client2: LabNode;
  readonly director: LabNode;
  readonly director2: LabNode;
  readonly rs1: LabNode;
  readonly rs2: LabNode;
  /** The director's keepalived.conf: the lab's stand-in for IPVS reads it (reloadKeepalived). */
  readonly keepalivedPath: string;
  /** Whether real keepalived (VRRP) holds the VIP; without the package the director holds it statically. */
  readonly keepalived: boolean;
  /** Environment of commands run in a node: PATH with `lbfw` and the system's nft first, LBFW_*. */
  readonly env: (node: LabNodeName) => Record<string, string>;
  /** exec runs a program inside a node with the node's environment. */
  readonly exec: (node: LabNodeName, argv: readonly string[], input?: string) => Promise<RunResult>;
  /** sh runs a shell command line inside a node, as the operator would type it there. */
  readonly sh: (node: LabNodeName, command: string) => Promise<RunResult>;
  /** lbfw runs the real CLI inside a node. */
  readonly lbfw: (node: LabNodeName, args: readonly string[]) => Promise<RunResult>;
  /** nextPort hands out client source ports never used before in this lab (no TIME_WAIT reuse). */
  readonly nextPort: () => number;
  /** Removes every namespace (and the programs in them) and the temp dir. */
  readonly destroy: () => Promise<void>;
}

/** LabRecord: what `lbfw lab up` records so that later commands find the lab. */
export interface LabRecord {
  readonly prefix: string;
  readonly dir: string;
  readonly namespaces: Readonly<Record<LabNodeName | 'switch', string>>;
  /** Whether real keepalived runs on the directors. */
  readonly keepalived?: boolean;
}

/** Path of the lbfw launcher of this checkout. */
export const LBFW_BIN = path.join(packageRoot(), 'bin', 'lbfw');

/** The PATH of commands run in a node: the lab's `lbfw` first, then the system's sbin (its nft, never an npm bin). */
function nodePath(dir: string): string {
  return `${path.join(dir, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
}

function quoteSh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function nodeDir(dir: string, node: LabNodeName): string {
  return path.join(dir, node);
}

/** labRecordOf gives the record of a lab. */
export function labRecordOf(lab: Lab): LabRecord {
  return {
    prefix: lab.prefix,
    dir: lab.dir,
    keepalived: lab.keepalived,
    namespaces: {
      switch: lab.switchNs.name,
      client: lab.client.ns.name,
      client2: lab.client2.ns.name,
      director: lab.director.ns.name,
      director2: lab.director2.ns.name,
      rs1: lab.rs1.ns.name,
      rs2: lab.rs2.ns.name,
    },
  };
}

/**
 * labFromParts assembles the Lab object (runners, destroy) around existing
 * namespaces: the ones createLab just made, or those of a record.
 */
async function labFromParts(prefix: string, dir: string, switchNs: Netns, spaces: Readonly<Record<LabNodeName, Netns>>, keepalived: boolean): Promise<Lab> {
  const node = async (name: LabNodeName): Promise<LabNode> => ({
    name,
    ns: spaces[name],
    dir: nodeDir(dir, name),
    mac: await macOf(spaces[name], 'eth0'),
  });
  const env = (name: LabNodeName): Record<string, string> => {
    const base = { PATH: nodePath(dir) };
    if (name === 'client' || name === 'client2') return base;
    const own = nodeDir(dir, name);
    return {
      ...base,
      LBFW_CONFIG: path.join(own, 'lbfw.yaml'),
      LBFW_ROOT: path.join(own, 'root'),
      LBFW_STATE_DIR: path.join(own, 'state'),
    };
  };
  const exec = (name: LabNodeName, argv: readonly string[], input?: string): Promise<RunResult> => {
    const assignments = Object.entries(env(name)).map(([k, v]) => `${k}=${v}`);
    return run(['ip', 'netns', 'exec', spaces[name].name, 'env', ...assignments, ...argv], input);
  };
  // Below the kernel's ephemeral range (32768-60999), so ports the kernel picks never collide.
  let port = 20000 + Math.floor(Math.random() * 10000);
  const all = [spaces.client, spaces.client2, spaces.director, spaces.director2, spaces.rs1, spaces.rs2, switchNs];
  return {
    prefix,
    dir,
    switchNs,
    client: await node('client'),
    client2: await node('client2'),
    director: await node('director'),
    director2: await node('director2'),
    rs1: await node('rs1'),
    rs2: await node('rs2'),
    keepalivedPath: path.join(nodeDir(dir, 'director'), 'keepalived.conf'),
    keepalived,
    env,
    exec,
    sh: (name, command) => exec(name, ['sh', '-c', command]),
    lbfw: (name, args) => exec(name, [process.execPath, LBFW_BIN, ...args]),
    nextPort: () => port++,
    destroy: async () => {
      for (const ns of all) await ns.delete();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** openLab rebuilds the Lab object of a recorded lab (`lbfw lab exec`, `lbfw lab down`). */
export async function openLab(record: LabRecord): Promise<Lab> {
  const n = record.namespaces;
  return labFromParts(record.prefix, record.dir, Netns.open(n.switch), {
    client: Netns.open(n.client),
    client2: Netns.open(n.client2),
    director: Netns.open(n.director),
    director2: Netns.open(n.director2),
    rs1: Netns.open(n.rs1),
    rs2: Netns.open(n.rs2),
  }, record.keepalived ?? false);
}

/** The real servers keepalived.conf lists when nothing is wrong: both by their LAN address, port 80. */
export const LAB_REAL_SERVERS: readonly LabRealServerEntry[] = [
  { address: LAB.lan.rs1, port: LAB.port },
  { address: LAB.lan.rs2, port: LAB.port },
];

/** The VRRP role of each director in keepalived.conf. */
const VRRP_ROLES = {
  director: { self: LAB.lan.director, peer: LAB.peerDirector, state: 'MASTER', priority: 150 },
  director2: { self: LAB.peerDirector, peer: LAB.lan.director, state: 'BACKUP', priority: 100 },
} as const;

/** keepalivedPathOf is a director's keepalived.conf. */
export function keepalivedPathOf(lab: Pick<Lab, 'dir'>, node: (typeof DIRECTORS)[number]): string {
  return path.join(nodeDir(lab.dir, node), 'keepalived.conf');
}

/**
 * writeKeepalived rewrites both directors' keepalived.conf with these real
 * servers (then reloadKeepalived): one file as an operator keeps it, with
 * the VRRP role swapped on the peer.
 */
export async function writeKeepalived(lab: Pick<Lab, 'dir'>, realServers: readonly LabRealServerEntry[]): Promise<void> {
  for (const node of DIRECTORS) {
    await writeFile(keepalivedPathOf(lab, node), keepalivedConf({ vip: LAB.vip, port: LAB.port }, VRRP_ROLES[node], realServers));
  }
}

/** labEmulation is what the director's "IPVS" does, read from its keepalived.conf. */
export async function labEmulation(lab: Lab): Promise<DrEmulation> {
  const model = await readKeepalived(lab.keepalivedPath);
  return { services: drServicesFromKeepalived(model), seed: LAB.seed, device: 'eth0' };
}

/**
 * reloadKeepalived makes the director's emulated IPVS follow keepalived.conf,
 * as `systemctl reload keepalived` makes keepalived reprogram IPVS.
 */
export async function reloadKeepalived(lab: Lab): Promise<void> {
  const emulation = await labEmulation(lab);
  for (const node of DIRECTORS) await loadDrEmulation(lab[node].ns, emulation);
}

/** keepalivedNode is a director's keepalived (namespace and files). */
export function keepalivedNode(lab: Lab, node: (typeof DIRECTORS)[number]): KeepalivedNode {
  return { ns: lab[node].ns, dir: lab[node].dir };
}

/** vipHolders lists the directors that hold the VIP on eth0 now. */
export async function vipHolders(lab: Lab): Promise<(typeof DIRECTORS)[number][]> {
  const held: (typeof DIRECTORS)[number][] = [];
  for (const node of DIRECTORS) if (await holdsAddress(lab[node].ns, 'eth0', LAB.vip)) held.push(node);
  return held;
}

/**
 * waitForVipHolders polls until exactly `expected` hold the VIP (VRRP needs
 * a few adverts: advert_int 1, master down after about 3.6 s) or `ms` pass;
 * returns who holds it then.
 */
export async function waitForVipHolders(lab: Lab, expected: readonly string[], ms = 15000): Promise<string[]> {
  const want = [...expected].sort().join(',');
  const reached = await waitFor(async () => {
    const now = await vipHolders(lab);
    return [...now].sort().join(',') === want ? now : undefined;
  }, ms);
  return reached ?? (await vipHolders(lab));
}

/** nodeOwning names the node that has `address` (LAN or backend), if any. */
export function nodeOwning(address: string): LabNodeName | undefined {
  if (address === LAB.peerDirector) return 'director2';
  for (const name of ['client', 'client2', 'director', 'rs1', 'rs2'] as const) {
    const lan = (LAB.lan as Record<string, string>)[name];
    const backend = (LAB.backend as Record<string, string>)[name];
    if (address === lan || address === backend) return name;
  }
  return undefined;
}

/** CreateLabOptions: the namespace prefix (e.g. `lbfw-lab`, `lbfw-t-lab`). */
export interface CreateLabOptions {
  readonly prefix: string;
  /**
   * Run real keepalived on both directors (default: when the package is
   * installed). Without it the director holds the VIP statically and
   * director2 stays without it.
   */
  readonly keepalived?: boolean;
}

/**
 * createLab builds the lab as on fresh machines: kernel default sysctls
 * (the real servers answer and announce ARP for the VIP: the classic DR
 * mistake), the VIP on each real server's lo as the wiki says, the HTTP
 * services, keepalived's VIP on the director and the DR emulation following
 * keepalived.conf. lbfw is not applied yet. On failure it removes what it
 * made before rethrowing.
 */
export async function createLab(options: CreateLabOptions): Promise<Lab> {
  const { prefix } = options;
  const dir = await mkdtemp(path.join(tmpdir(), `${path.basename(prefix)}-`));
  const made: Netns[] = [];
  const make = async (name: string): Promise<Netns> => {
    const ns = await Netns.create(`${prefix}-${name}`);
    made.push(ns);
    return ns;
  };
  try {
    const switchNs = await make('sw');
    const client = await make('client');
    const client2 = await make('client2');
    const director = await make('dir');
    const director2 = await make('dir2');
    const rs1 = await make('rs1');
    const rs2 = await make('rs2');
    for (const bridge of ['br0', 'br1', 'br2']) {
      await switchNs.ok(['ip', 'link', 'add', bridge, 'type', 'bridge']);
      await switchNs.ok(['ip', 'link', 'set', bridge, 'up']);
    }
    const attach = async (bridge: string, port: string, ns: Netns, ifname: string, address: string): Promise<void> => {
      await connect({ ns: switchNs, ifname: port, addresses: [] }, { ns, ifname, addresses: [`${address}/${LAB.prefix}`] });
      await switchNs.ok(['ip', 'link', 'set', port, 'master', bridge]);
    };
    // Order matters: a bridge floods to its newest port first (br_flood walks
    // port_list, where new ports are added at the head), so the real servers,
    // attached last, see the client's ARP request first and, when they answer
    // for the VIP, answer before the director. The client keeps the first
    // answer (arp.c: later ones within LOCKTIME are ignored): a real server
    // that answers ARP for the VIP always wins, as a fast one does in production.
    await attach('br0', 'p-client', client, 'eth0', LAB.lan.client);
    await attach('br0', 'p-client2', client2, 'eth0', LAB.lan.client2);
    await attach('br0', 'p-dir', director, 'eth0', LAB.lan.director);
    await attach('br0', 'p-dir2', director2, 'eth0', LAB.peerDirector);
    await attach('br0', 'p-rs1', rs1, 'eth0', LAB.lan.rs1);
    await attach('br0', 'p-rs2', rs2, 'eth0', LAB.lan.rs2);
    await attach('br1', 'b-client', client, 'eth1', LAB.backend.client);
    await attach('br1', 'b-rs1', rs1, 'eth1', LAB.backend.rs1);
    await attach('br1', 'b-rs2', rs2, 'eth1', LAB.backend.rs2);
    await attach('br2', 'u-client', client, 'eth2', LAB.uplink.client);
    await attach('br2', 'u-dir', director, 'eth1', LAB.uplink.director);
    for (const ns of [director, director2, rs1, rs2]) await ns.ok(['ip', 'route', 'add', 'default', 'via', LAB.lan.client]);
    // The client accepts replies on any of its links (real servers may answer
    // from another network): loose routers and clients are not what is tested.
    for (const key of ['all', 'default', 'eth0', 'eth1', 'eth2']) await client.sysctl(`net.ipv4.conf.${key}.rp_filter`, '0');
    // Kernel defaults, written out so that a host whose new namespaces inherit other values changes nothing.
    for (const ns of [rs1, rs2]) {
      for (const key of ['all', 'eth0', 'eth1']) {
        await ns.sysctl(`net.ipv4.conf.${key}.arp_ignore`, '0');
        await ns.sysctl(`net.ipv4.conf.${key}.arp_announce`, '0');
      }
      await ns.ok(['ip', 'addr', 'add', `${LAB.vip}/32`, 'dev', 'lo']);
    }
    const keepalived = options.keepalived ?? keepalivedInstalled();
    if (!keepalived) await director.ok(['ip', 'addr', 'add', `${LAB.vip}/32`, 'dev', 'eth0']);

    const lab = await labFromParts(prefix, dir, switchNs, { client, client2, director, director2, rs1, rs2 }, keepalived);
    const binDir = path.join(dir, 'bin');
    await mkdir(binDir, { recursive: true });
    await writeFile(path.join(binDir, 'lbfw'), `#!/bin/sh\nexec ${quoteSh(process.execPath)} ${quoteSh(LBFW_BIN)} "$@"\n`);
    await chmod(path.join(binDir, 'lbfw'), 0o755);
    for (const name of LBFW_NODES) {
      await mkdir(path.join(nodeDir(dir, name), 'root'), { recursive: true });
      await mkdir(path.join(nodeDir(dir, name), 'state'), { recursive: true });
    }
    await writeKeepalived(lab, LAB_REAL_SERVERS);
    for (const node of DIRECTORS) await writeFile(path.join(lab[node].dir, 'lbfw.yaml'), directorConfig(keepalivedPathOf(lab, node)));
    for (const name of ['rs1', 'rs2'] as const) {
      await writeFile(path.join(lab[name].dir, 'lbfw.yaml'), realServerConfig({ vip: LAB.vip, port: LAB.port }));
    }
    await Promise.all(
      (['rs1', 'rs2'] as const).map((name) => startHttpService(lab[name].ns, { name, host: '0.0.0.0', port: LAB.port })),
    );
    await reloadKeepalived(lab);
    if (keepalived) {
      for (const node of DIRECTORS) await startKeepalived(keepalivedNode(lab, node));
      const holders = await waitForVipHolders(lab, ['director']);
      if (holders.join(',') !== 'director') throw new Error(`keepalived did not make the director MASTER within 15 s (VIP held by: ${holders.join(', ') || 'nobody'})`);
    }
    return lab;
  } catch (error) {
    for (const ns of made.reverse()) await ns.delete();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** applyLbfw runs `lbfw apply` on each lbfw node, one after the other, and returns each result. */
export async function applyLbfw(lab: Lab, nodes: readonly LbfwNodeName[] = LBFW_NODES): Promise<Record<LbfwNodeName, RunResult | undefined>> {
  const results: Record<LbfwNodeName, RunResult | undefined> = { director: undefined, director2: undefined, rs1: undefined, rs2: undefined };
  for (const node of nodes) results[node] = await lab.lbfw(node, ['apply']);
  return results;
}
