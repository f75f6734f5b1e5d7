/**
 * Faults: the lock under concurrent runs, runs killed with SIGKILL, and
 * inputs read while another run holds the lock.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile, appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { addToBlacklist } from '../../../src/firewall/blacklist-live.js';
import { loadConfig } from '../../../src/config/load.js';
import type { Netns } from '../../../src/lab/netns.js';
import { NftCli } from '../../../src/nft/cli-backend.js';
import { NFT, lbfwIn, listTable, serialSystemTest, withNamespace, withTempDir } from '../../helpers/system.js';
import { NFT_SCRIPT_RUN, bigHosts, childMatching, commandLine, isGone, kill9, startLbfw, waitFor, writeSetup } from './helpers.js';

const SMALL = '203.0.113.5\n';

/** What a run killed while holding the old pid-file lock left behind. */
async function staleLockFile(dir: string, round: number): Promise<void> {
  await mkdir(path.join(dir, 'state'), { recursive: true });
  // Padded like debris can be: reading and judging it takes a while, as it may on a loaded host.
  const note = JSON.stringify({ pid: 2 ** 22 + round, purpose: 'apply', since: '2026-01-01T00:00:00Z' });
  await writeFile(path.join(dir, 'state', 'lock'), note.padEnd(8 * 1024 * 1024, ' '));
}

async function assertAllThere(t: ExecutionContext, ns: Netns, file: string, entries: readonly string[], round: number): Promise<void> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const set = await ns.ok([NFT, 'list', 'set', 'inet', 'lbfw', 'bl4_hosts']);
  for (const e of entries) {
    t.true(lines.includes(e), `round ${round}: ${e} is in the file`);
    t.regex(set, new RegExp(`${e.replaceAll('.', '\\.')}[,\\s]`), `round ${round}: ${e} is in the running set`);
  }
}

serialSystemTest('5 concurrent blacklist adds from a dead run\'s lock file lose no entry: 2 rounds of CLI runs, 10 in one process', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await writeSetup(dir, SMALL);
    await withNamespace(async (ns) => {
      t.is((await lbfwIn(ns, ['apply', '--only', 'firewall', ...args])).code, 0);
      for (let round = 0; round < 2; round++) {
        await staleLockFile(dir, round);
        const entries = Array.from({ length: 5 }, (_, i) => `203.0.113.${100 + round * 5 + i}`);
        const runs = await Promise.all(entries.map((e) => lbfwIn(ns, ['blacklist', 'add', e, ...args])));
        for (const r of runs) t.is(r.code, 0, r.stderr);
        await assertAllThere(t, ns, file, entries, round);
      }
      // The same race through the library: five runs in one process, each its own open lock file.
      const config = await loadConfig({ configPath: path.join(dir, 'lbfw.yaml'), env: {} });
      const options = { backend: new NftCli({ netns: ns.name }), stateDir: path.join(dir, 'state'), env: {} };
      for (let round = 2; round < 12; round++) {
        await staleLockFile(dir, round);
        const entries = Array.from({ length: 5 }, (_, i) => `203.0.113.${100 + round * 5 + i}`);
        const changes = await Promise.all(entries.map((e) => addToBlacklist(config, e, options)));
        for (const c of changes) t.is(c.live, 'updated');
        await assertAllThere(t, ns, file, entries, round);
      }
      const verified = await lbfwIn(ns, ['verify', '--only', 'firewall', ...args]);
      t.is(verified.code, 0, verified.stdout);
    });
  });
});

serialSystemTest('kill -9 of apply during a 200k load: the killed run\'s nft never commits after the next apply', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await writeSetup(dir, `${bigHosts(200_000).join('\n')}\n`);
    await withNamespace(async (ns) => {
      // The nft program's case: its child process outlives a killed lbfw unless pdeathsig ends it.
      // (The netlink backend has no child: its one batch is sent by lbfw itself, all or nothing.)
      const big = startLbfw(ns, ['apply', '--only', 'firewall', ...args], { LBFW_BACKEND: 'nft' });
      let nft: number | undefined;
      // nft itself, past setpriv: the parent-death signal is armed and the script is whole.
      await waitFor('the big apply to start nft', async () => (nft = await childMatching(big.pid, NFT_SCRIPT_RUN)) !== undefined, 60_000);
      // nft is held still, as a loaded host may hold it, so the next apply surely runs first.
      process.kill(nft ?? 0, 'SIGSTOP');
      kill9(big.pid);
      await big.done;
      // The stopped nft must die with its parent (pdeathsig), not linger holding the lock.
      await waitFor('the killed run\'s stopped nft to die with it', () => isGone(nft ?? 0), 60_000);
      await writeFile(file, SMALL);
      const small = await lbfwIn(ns, ['apply', '--only', 'firewall', '--wait', '10', ...args]);
      try {
        process.kill(nft ?? 0, 'SIGCONT');
      } catch {
        // Gone already: it died with its parent.
      }
      t.is(small.code, 0, small.stderr);
      t.regex(small.stdout, /read back: it matches/);
      await waitFor('the killed run\'s nft to be gone', () => isGone(nft ?? 0), 60_000);
      const table = await listTable(ns);
      t.false(table.includes('2001:db8:f::'), 'none of the killed run\'s 200k elements is loaded');
      t.regex(table, /203\.0\.113\.5/);
      const verified = await lbfwIn(ns, ['verify', '--only', 'firewall', ...args]);
      t.is(verified.code, 0, verified.stdout);
    });
  });
});

serialSystemTest('apply reads the blacklist only once it holds the lock', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await writeSetup(dir, SMALL);
    await mkdir(path.join(dir, 'state'), { recursive: true });
    const lockFile = path.join(dir, 'state', 'lock');
    await withNamespace(async (ns) => {
      // Another run holds the lock (kernel flock held by a child of this test).
      const holder = spawn('flock', ['-x', '--no-fork', lockFile, 'sleep', '60'], { stdio: 'ignore' });
      try {
        await waitFor('the holder to lock', async () => (await commandLine(holder.pid ?? 0)) === 'sleep 60');
        const apply = startLbfw(ns, ['apply', '--only', 'firewall', ...args]);
        await waitFor('apply to wait for the lock', async () => (await childMatching(apply.pid, /flock -x/)) !== undefined);
        // What the holder did just before it finished: one more entry.
        await appendFile(file, '203.0.113.77\n');
        holder.kill('SIGKILL');
        const result = await apply.done;
        t.is(result.code, 0, result.stderr);
        t.regex(await listTable(ns), /203\.0\.113\.77/);
        t.is((await lbfwIn(ns, ['verify', '--only', 'firewall', ...args])).code, 0);
      } finally {
        holder.kill('SIGKILL');
      }
    });
  });
});

serialSystemTest('a run that cannot get the lock in time names the holder and changes nothing', async (t) => {
  await withTempDir(async (dir) => {
    const { args } = await writeSetup(dir, SMALL);
    await withNamespace(async (ns) => {
      t.is((await lbfwIn(ns, ['apply', '--only', 'firewall', ...args])).code, 0);
      const before = await listTable(ns);
      const lockFile = path.join(dir, 'state', 'lock');
      const holder = spawn('flock', ['-x', '--no-fork', lockFile, 'sleep', '60'], { stdio: 'ignore' });
      try {
        await waitFor('the holder to lock', async () => (await commandLine(holder.pid ?? 0)) === 'sleep 60');
        const added = await lbfwIn(ns, ['blacklist', 'add', '203.0.113.9', '--wait', '0.2', ...args]);
        t.is(added.code, 1);
        t.regex(added.stderr, /another lbfw run holds .*lock.*waited 0\.2 s/);
        t.is(await listTable(ns), before);
        t.false((await ns.ok([NFT, 'list', 'set', 'inet', 'lbfw', 'bl4_hosts'])).includes('203.0.113.9'));
      } finally {
        holder.kill('SIGKILL');
      }
    });
  });
});
