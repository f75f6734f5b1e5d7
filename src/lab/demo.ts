/**
 * The built-in demo: an example director in throwaway namespaces, its
 * firewall applied by the real `lbfw` CLI, and real packets from a clean and
 * a blacklisted client. Everything it creates is removed at the end.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFirewallLab, DEMO, type FirewallLab } from './firewall-lab.js';
import type { Netns } from './netns.js';
import { tcpConnects } from './netns.js';
import { LBFW_BIN } from './topology.js';
import { existingNamespaces } from './lab-state.js';
import { systemNft } from '../nft/cli-backend.js';

const NFT = systemNft();

/** DemoOptions: where the demo reports progress. */
export interface DemoOptions {
  readonly log: (line: string) => void;
}



/** The example director config the demo applies. */
export const DEMO_CONFIG = `# Example director: two VIP services, SSH from the clean client's network only.
role: director
interfaces:
  vip: eth-clean
services:
  - "${DEMO.vip4}:80/tcp"
  - "[${DEMO.vip6}]:80/tcp"
management:
  sources: [203.0.113.0/28, 2001:db8:a::/64]
blacklist: static_blacklist
input_policy: drop
`;

/** The sample blacklist: hosts, a prefix, a range, IPv6, comments. */
export const DEMO_BLACKLIST = `# static_blacklist: one entry a line
198.51.100.64/29      # scanner network (covers the "bad" client)
192.0.2.200-192.0.2.220
2001:db8:b::64-2001:db8:b::ff   # IPv6 abuse (the director's own 2001:db8:b::1 stays reachable)
203.0.113.250
203.0.113.251         # adjacent to the line above: merged into one range
`;

async function lbfw(ns: Netns, args: readonly string[], log: (line: string) => void): Promise<number | null> {
  log(`$ lbfw ${args.join(' ')}`);
  const result = await ns.exec([process.execPath, LBFW_BIN, ...args]);
  const text = `${result.stdout}${result.stderr}`.trimEnd();
  if (text !== '') log(text.split('\n').map((l) => `  ${l}`).join('\n'));
  return result.code;
}

async function probe(client: Netns, label: string, address: string, log: (line: string) => void): Promise<boolean> {
  const ok = await tcpConnects(client, address, 80);
  log(`  ${label} -> ${address.includes(':') ? `[${address}]` : address}:80  ${ok ? 'connected' : 'no answer (dropped)'}`);
  return ok;
}

/** Namespace prefix of the firewall demo; the DR lab demo uses `lbfw-demo`. */
const PREFIX = 'lbfw-fwdemo';

/**
 * runDemo builds the demo network, applies the example firewall with the real
 * CLI, and checks that the clean client gets through while the blacklisted
 * one is dropped, over IPv4 and IPv6. Returns whether every check held.
 */
export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { log } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-fwdemo-'));
  let lab: FirewallLab | undefined;
  try {
    lab = await createFirewallLab(PREFIX);
    const { director, clean, bad } = lab;
    log(`namespaces: director ${director.name}, clients ${clean.name} (clean) and ${bad.name} (blacklisted)`);
    const configPath = path.join(dir, 'lbfw.yaml');
    await writeFile(configPath, DEMO_CONFIG);
    await writeFile(path.join(dir, 'static_blacklist'), DEMO_BLACKLIST);
    const state = ['--state-dir', path.join(dir, 'state')];
    // --root keeps the sysctl.d file lbfw apply persists inside the demo's temporary directory.
    const root = ['--root', path.join(dir, 'root')];
    log(`example config ${configPath}:\n${DEMO_CONFIG}\nsample blacklist:\n${DEMO_BLACKLIST}`);

    log('before lbfw: both clients reach the VIP service');
    await probe(bad, 'blacklisted client', DEMO.vip4, log);

    const checks: boolean[] = [];
    checks.push((await lbfw(director, ['plan', '--config', configPath, ...root], log)) === 0);
    checks.push((await lbfw(director, ['apply', '--config', configPath, ...state, ...root], log)) === 0);
    checks.push((await lbfw(director, ['verify', '--config', configPath, ...state, ...root], log)) === 0);

    log('after lbfw apply: real packets');
    checks.push(await probe(clean, 'clean client      ', DEMO.vip4, log));
    checks.push(await probe(clean, 'clean client      ', DEMO.vip6, log));
    checks.push(!(await probe(bad, 'blacklisted client', DEMO.vip4, log)));
    checks.push(!(await probe(bad, 'blacklisted client', DEMO.vip6, log)));
    checks.push((await lbfw(director, ['blacklist', 'test', DEMO.bad4, '--config', configPath, ...state], log)) === 0);
    const counters = await director.exec([NFT, 'list', 'chain', 'inet', 'lbfw', 'prerouting']);
    log(`drop counters in the director:\n${counters.stdout.trimEnd()}`);

    const ok = checks.every(Boolean);
    log(ok ? 'demo: every check passed' : 'demo: SOME CHECKS FAILED (see above)');
    return ok;
  } finally {
    await lab?.destroy();
    await rm(dir, { recursive: true, force: true });
    const left = (await existingNamespaces()).filter((name) => name.startsWith(`${PREFIX}-`));
    log(left.length === 0 ? 'cleaned up: namespaces and temporary files removed' : `WARNING: left behind: ${left.join(', ')}`);
  }
}
