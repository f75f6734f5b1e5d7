/**
 * The attack harness of the system tests: crafted packets sent from one
 * namespace (scapy, Debian's python3-scapy, through test/helpers/craft.py),
 * and counters in another that say how many of them got past the firewall.
 *
 * What "got past" means: a probe table (`table inet lbfw_t_probe`) whose
 * input chain runs after lbfw's (priority filter + 10) and only counts. An
 * accept in one base chain ends that chain alone, so the packet reaches the
 * probe; a drop anywhere ends it for good. The probe therefore counts exactly
 * what lbfw's input (and raw prerouting) let through, whatever rule did it,
 * and it counts the same way before lbfw's table exists.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Netns } from '../../src/lab/netns.js';
import { NFT } from './system.js';

/** Debian's python3 (where python3-scapy lives), never a pyenv or venv one on PATH. */
const PYTHON = '/usr/bin/python3';
const CRAFT = fileURLToPath(new URL('../../../test/helpers/craft.py', import.meta.url));

/** Crafted is one packet to send: a scapy expression of the IP layer and up, sent on `iface`. */
export interface Crafted {
  readonly iface: string;
  /** e.g. `IP(src='192.0.2.2', dst='192.0.2.1', ttl=63)/VRRP(vrid=51)` */
  readonly packet: string;
  readonly count?: number;
}

/** sendCrafted sends the packets from `ns`, in order, and resolves with how many frames went out. */
export async function sendCrafted(ns: Netns, packets: readonly Crafted[]): Promise<number> {
  const input = packets.map((p) => JSON.stringify({ iface: p.iface, packet: p.packet, count: p.count ?? 1 })).join('\n');
  const out = await ns.ok([PYTHON, CRAFT, 'send'], `${input}\n`);
  return Number(out.trim());
}

const PROBE_TABLE = 'lbfw_t_probe';

/** Probe counts packets that passed the input hook in one namespace, per named match. */
export interface Probe {
  /** counts returns the packets counted by each named match since the last reset. */
  readonly counts: () => Promise<Record<string, number>>;
  /** reset starts counting from zero again (nft 1.0.6 cannot reset rule counters: the probe remembers them). */
  readonly reset: () => Promise<void>;
}

/**
 * probeInput installs the counting table in `ns`: one rule per entry of
 * `matches` (name -> nft match text), counted after lbfw's input chain.
 * Names must be plain words: they become the rules' comments.
 */
export async function probeInput(ns: Netns, matches: Readonly<Record<string, string>>): Promise<Probe> {
  const rules = Object.entries(matches).map(([name, match]) => `\t\t${match} counter comment "${name}"`);
  const script = [
    `table inet ${PROBE_TABLE} {}`,
    `delete table inet ${PROBE_TABLE}`,
    `table inet ${PROBE_TABLE} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter + 10; policy accept;',
    ...rules,
    '\t}',
    '}',
    '',
  ].join('\n');
  await ns.ok([NFT, '-f', '-'], script);
  let base: Record<string, number> = {};
  const raw = async (): Promise<Record<string, number>> => {
    const listing = JSON.parse(await ns.ok([NFT, '-j', 'list', 'table', 'inet', PROBE_TABLE])) as { nftables: Record<string, unknown>[] };
    const result: Record<string, number> = {};
    for (const item of listing.nftables) {
      const rule = item['rule'] as { comment?: string; expr?: Record<string, unknown>[] } | undefined;
      if (rule?.comment === undefined) continue;
      const counter = rule.expr?.find((e) => 'counter' in e)?.['counter'] as { packets: number } | undefined;
      result[rule.comment] = counter?.packets ?? 0;
    }
    return result;
  };
  const counts = async (): Promise<Record<string, number>> => {
    const now = await raw();
    return Object.fromEntries(Object.entries(now).map(([name, packets]) => [name, packets - (base[name] ?? 0)]));
  };
  const reset = async (): Promise<void> => {
    base = await raw();
  };
  return { counts, reset };
}

/**
 * holdConnection opens one TCP connection from `ns` to HOST:PORT and keeps
 * it open (the process lives until the namespace is deleted), resolving with
 * the connection's local port: a live flow that ICMP errors can quote.
 */
export async function holdConnection(ns: Netns, host: string, port: number): Promise<number> {
  const child = spawn('ip', ['netns', 'exec', ns.name, PYTHON, CRAFT, 'hold', host, String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
      child.once('error', reject);
      child.once('close', (code) => reject(new Error(`craft.py hold ${host}:${port} in ${ns.name} exited (${code}): ${stderr.trim()}`)));
    });
  } finally {
    child.removeAllListeners('close');
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref();
  }
}
