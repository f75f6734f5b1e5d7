/**
 * The overlimit part of the warm-up (warm-up.ts), and the whole warm-up of
 * the overlimit bundle (overlimit-entry.ts): it imports only what
 * `lbfw overlimit` itself loads, so that the overlimit bundle stays small.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HostConfig } from '../config/model.js';
import { loadConfigWithNotes } from '../config/load.js';
import { FakeBanBackend } from '../nft/ban-fake.js';
import { runOverlimit } from '../overlimit/run.js';

/** A saved IPVS table as the kernel prints it: an IPv4 row and an IPv6 row, each with a real server of its family. */
const WARM_UP_CONN_TABLE = [
  'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData',
  'TCP CB007101 C350 C000020A 0050 C6336402 0050 ESTABLISHED     899',
  'TCP 2001:0db8:0000:0000:0000:0000:0000:0001 C350 2001:0db8:0000:0000:0000:0000:0000:0010 01BB 2001:0db8:0000:0000:0000:0000:0000:0064 01BB ESTABLISHED     899',
  '',
].join('\n');

/** overlimitScan runs a dry-run overlimit scan of a small saved table, in `dir`. */
export async function overlimitScan(dir: string, config: HostConfig): Promise<void> {
  const connFile = path.join(dir, 'ip_vs_conn');
  await writeFile(connFile, WARM_UP_CONN_TABLE);
  await runOverlimit(config, { connFile, dryRun: true, banBackend: new FakeBanBackend(), surroundings: { links: [], gateways: [] }, kernel: '6.14.0', stateDir: path.join(dir, 'state'), env: {} });
}

/**
 * warmUpOverlimit is the warm-up of the overlimit bundle (overlimit-entry.ts):
 * its `main` with --help, and the dry-run scan of a small saved table with a
 * config read as the command reads it.
 */
export async function warmUpOverlimit(overlimitMain: (argv: readonly string[]) => Promise<unknown>): Promise<void> {
  await overlimitMain(['node', 'lbfw', 'overlimit', '--help']);
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-warm-up-'));
  try {
    const configPath = path.join(dir, 'lbfw.yaml');
    await writeFile(configPath, 'role: director\nservices: ["192.0.2.10:80/tcp", "[2001:db8::10]:443/tcp"]\n');
    const { config } = await loadConfigWithNotes({ configPath, env: {} });
    await overlimitScan(dir, config);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
