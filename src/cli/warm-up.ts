/**
 * What the build runs once, in a child process, before it saves V8's code
 * cache of the start-up bundle (scripts/bundle.mjs, bin/load-bundle.cjs):
 * a cache holds only the functions that have run, so this runs the parts of
 * a boot-time `lbfw apply` that need no privilege and change nothing outside
 * a temporary directory: the hot commands' set-up, the config and blacklist
 * read, the ruleset and transaction built and "applied" to the in-memory
 * backend (and encoded as netlink messages), lbfw's state records, and the
 * sysctl profile judged against /proc/sys (read only). The full bundle's
 * warm-up (bundle-entry.ts) adds a dry-run overlimit scan of a small saved
 * table (warm-up-overlimit.ts). Only the kernel I/O and the read-back's
 * decoding compile at run time. It takes the bundle's `main` as an argument:
 * importing main.ts here would pull every command into the apply bundle.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigWithNotes } from '../config/load.js';
import { applyFirewall } from '../firewall/apply.js';
import { verifyFirewall } from '../firewall/verify.js';
import { FakeBackend } from '../nft/fake-backend.js';
import { encodeTransaction } from '../nft/netlink/batch.js';
import type { Transaction } from '../nft/transaction.js';
import type { CommitReceipt } from '../nft/backend.js';
import { planSysctls } from '../sysctl/host.js';

/** The command lines whose set-up the apply bundle's start-up runs (boot units, monitoring). */
export const APPLY_HOT_COMMANDS: readonly (readonly string[])[] = [['--version'], ['apply', '--help'], ['verify', '--help']];

/** The in-memory backend, encoding each transaction as the netlink backend would (the bytes are dropped). */
class EncodingFake extends FakeBackend {
  override async run(tx: Transaction): Promise<CommitReceipt> {
    if (!tx.empty) encodeTransaction(tx);
    return super.run(tx);
  }
}

/**
 * warmUpApply runs the start-up path once (see the file comment) through
 * `cliMain` with each of `hotCommands`; its output is the caller's to discard.
 */
export async function warmUpApply(cliMain: (argv: readonly string[]) => Promise<unknown>, hotCommands: readonly (readonly string[])[] = APPLY_HOT_COMMANDS): Promise<void> {
  for (const args of hotCommands) await cliMain(['node', 'lbfw', ...args]);
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-warm-up-'));
  try {
    const blacklist = path.join(dir, 'static_blacklist');
    await writeFile(blacklist, '203.0.113.1\n203.0.113.0/28\n2001:db8::1\n');
    const configPath = path.join(dir, 'lbfw.yaml');
    await writeFile(configPath, `role: director\nservices: ["192.0.2.10:80/tcp", "[2001:db8::10]:443/tcp"]\nmanagement:\n  sources: [198.51.100.0/24]\nblacklist: ${blacklist}\n`);
    const { config } = await loadConfigWithNotes({ configPath, env: {} });
    const options = { backend: new EncodingFake(), stateDir: path.join(dir, 'state'), env: {} };
    await applyFirewall(config, options);
    await verifyFirewall(config, options);
    await planSysctls(config, { userDir: path.join(dir, 'profiles') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
