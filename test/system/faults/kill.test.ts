/**
 * Faults: lbfw killed with SIGKILL at each crash window of apply, rollback
 * and blacklist add/remove (LBFW_FAULT_POINT names the window; the kill is
 * real), on a 200k-host table; and blacklist add/remove through every shard
 * layout with real packets from a client namespace. After each kill the
 * operator's checks: the command run again works without cleanup, the kernel
 * holds what the last successful command reported, the file holds every
 * acknowledged entry, verify is clean, rollback restores the right table.
 */
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { connect, Netns } from '../../../src/lab/netns.js';
import { hostSetName, shardCount, shardOf } from '../../../src/ruleset/shards.js';
import { NFT, lbfwIn, serialSystemTest, withTempDir } from '../../helpers/system.js';
import { bigHosts, seeded, writeSetup } from './helpers.js';

const SEED = Number(process.env['LBFW_FAULT_SEED'] ?? Date.now() % 1_000_000);
const DIRECTOR6 = '2001:db8:c::1';
const CLIENT6 = '2001:db8:c::2';

/** Every message names the seed, so a failing run can be repeated with LBFW_FAULT_SEED. */
const why = (text: string): string => `${text} (LBFW_FAULT_SEED=${SEED})`;

async function withDirectorAndClient<T>(fn: (director: Netns, client: Netns) => Promise<T>): Promise<T> {
  const director = await Netns.create('lbfw-t-kd');
  let client: Netns | undefined;
  try {
    client = await Netns.create('lbfw-t-kc');
    await connect({ ns: director, ifname: 'eth1', addresses: [`${DIRECTOR6}/64`] }, { ns: client, ifname: 'eth0', addresses: [`${CLIENT6}/64`] });
    return await fn(director, client);
  } finally {
    await client?.delete();
    await director.delete();
  }
}

/** Is `host` an element of the running table's host shard for the given shard count? (nft itself, not lbfw) */
async function inKernel(ns: Netns, host: string, shards: number): Promise<boolean> {
  const set = hostSetName(6, shardOf(6, host, shards), shards);
  return (await ns.exec([NFT, 'get', 'element', 'inet', 'lbfw', set, `{ ${host} }`])).code === 0;
}

async function pings(client: Netns): Promise<boolean> {
  return (await client.exec(['ping', '-6', '-c', '1', '-W', '1', DIRECTOR6])).code === 0;
}

async function expectOk(t: ExecutionContext, ns: Netns, args: readonly string[], text: string): Promise<string> {
  const result = await lbfwIn(ns, args);
  t.is(result.code, 0, why(`${text}: ${result.stderr}${result.stdout}`));
  return result.stdout;
}

serialSystemTest('blacklist add/remove through every shard layout (1, 2, 4), reached by rollback: real pings are dropped, then pass', async (t) => {
  await withTempDir(async (dir) => {
    const filler = bigHosts(140_000);
    const { args, file } = await writeSetup(dir, `${filler.slice(0, 1000).join('\n')}\n`);
    await withDirectorAndClient(async (director, client) => {
      t.true(await pings(client), 'the client reaches the director before anything');
      const sizes = [1000, 70_000, 140_000];
      for (const size of sizes) {
        await writeFile(file, `${filler.slice(0, size).join('\n')}\n`);
        await expectOk(t, director, ['apply', '--only', 'firewall', ...args], `apply of ${size} hosts`);
      }
      // Walk back through the layouts: the file stays the 4-shard one, the kernel's layout is what counts.
      for (const [index, size] of [...sizes].reverse().entries()) {
        if (index > 0) await expectOk(t, director, ['rollback', ...args.slice(2)], `rollback to ${size} hosts`);
        const shards = shardCount(size);
        t.true(await pings(client), `${shards} shards: the client passes before the add`);
        await expectOk(t, director, ['blacklist', 'add', CLIENT6, ...args], `add with ${shards} shards`);
        t.true(await inKernel(director, CLIENT6, shards), `${shards} shards: the element is in the shard the packet path looks up`);
        t.false(await pings(client), `${shards} shards: the client's ping is dropped after the add`);
        t.is((await lbfwIn(director, ['blacklist', 'test', CLIENT6, ...args])).code, 0, `${shards} shards: blacklist test says blocked`);
        await expectOk(t, director, ['blacklist', 'remove', CLIENT6, ...args], `remove with ${shards} shards`);
        t.true(await pings(client), `${shards} shards: the client's ping passes after the remove`);
        t.is((await lbfwIn(director, ['blacklist', 'test', CLIENT6, ...args])).code, 2, `${shards} shards: blacklist test says not blocked`);
      }
    });
  });
});

const BLACKLIST_POINTS = ['blacklist:after-file', 'blacklist:after-pending', 'blacklist:after-live'] as const;
const APPLY_POINTS = ['apply:after-backup', 'table:after-pending', 'table:after-commit', 'table:after-read-back'] as const;

serialSystemTest('kill -9 at seeded points of blacklist add/remove, apply and rollback on a 200k table: the next command converges, rollback restores the right table', async (t) => {
  t.log(`LBFW_FAULT_SEED=${SEED}`);
  const random = seeded(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  await withTempDir(async (dir) => {
    const hosts = bigHosts(200_000);
    const shards = shardCount(hosts.length);
    const { args, file } = await writeSetup(dir, `${hosts.join('\n')}\n`);
    await withDirectorAndClient(async (ns) => {
      await expectOk(t, ns, ['apply', '--only', 'firewall', ...args], 'the first apply');
      const acknowledged = new Set<string>();
      // blacklist add/remove: 12 kills, each at a seeded window, of a seeded host.
      for (let round = 0; round < 12; round++) {
        const removing = acknowledged.size > 0 && random() < 0.4;
        const host = removing ? pick([...acknowledged]) : `2001:db8:e::${Math.floor(random() * 0xffff).toString(16)}`;
        const verb = removing ? 'remove' : 'add';
        const point = pick(BLACKLIST_POINTS);
        const killed = await lbfwIn(ns, ['blacklist', verb, host, ...args], { LBFW_FAULT_POINT: point });
        t.is(killed.code, null, why(`round ${round}: ${verb} ${host} was killed at ${point}`));
        await expectOk(t, ns, ['blacklist', verb, host, ...args], `round ${round}: ${verb} ${host} again after a kill at ${point}`);
        if (removing) acknowledged.delete(host);
        else acknowledged.add(host);
        t.is(await inKernel(ns, host, shards), !removing, why(`round ${round}: the kernel agrees with the acknowledged ${verb} of ${host} (killed at ${point})`));
        const again = await expectOk(t, ns, ['blacklist', verb, host, ...args], `round ${round}: a third ${verb}`);
        t.regex(again, /nothing changed/, why(`round ${round}: once file and kernel agree, a repeat changes nothing`));
      }
      const lines = new Set((await readFile(file, 'utf8')).split('\n'));
      for (const host of acknowledged) t.true(lines.has(host), why(`the file holds the acknowledged ${host}`));
      await expectOk(t, ns, ['verify', '--only', 'firewall', ...args], 'verify after the blacklist kills');

      // apply: each kill at a seeded window, then the next apply and a rollback.
      const points = [...APPLY_POINTS].sort(() => random() - 0.5).slice(0, 2);
      for (const [round, point] of points.entries()) {
        const killedHost = `2001:db8:d::${round}:1`;
        const laterHost = `2001:db8:d::${round}:2`;
        await appendFile(file, `${killedHost}\n`);
        const killed = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args], { LBFW_FAULT_POINT: point });
        t.is(killed.code, null, why(`apply round ${round}: killed at ${point}`));
        const ranBeforeRetry = await inKernel(ns, killedHost, shards);
        await appendFile(file, `${laterHost}\n`);
        await expectOk(t, ns, ['apply', '--only', 'firewall', ...args], `apply round ${round}: the next apply after a kill at ${point}`);
        await expectOk(t, ns, ['verify', '--only', 'firewall', ...args], `apply round ${round}: verify after the next apply`);
        await expectOk(t, ns, ['rollback', ...args.slice(2)], `apply round ${round}: rollback`);
        // The table before the last apply: the killed run's, when its commit went through; else the one before.
        t.is(await inKernel(ns, killedHost, shards), ranBeforeRetry, why(`apply round ${round} (${point}): rollback restores the table that ran before the last apply`));
        t.false(await inKernel(ns, laterHost, shards), why(`apply round ${round}: the rolled-back apply's host is gone`));
        await expectOk(t, ns, ['apply', '--only', 'firewall', ...args], `apply round ${round}: apply again`);
      }
      // rollback killed after its commit: running it again works, and the record matches the kernel.
      const killed = await lbfwIn(ns, ['rollback', ...args.slice(2)], { LBFW_FAULT_POINT: 'rollback:after-restore' });
      t.is(killed.code, null, why('rollback killed after the restore'));
      await expectOk(t, ns, ['blacklist', 'add', '2001:db8:d::ff', ...args], 'a blacklist add after a killed rollback');
      t.true(await inKernel(ns, '2001:db8:d::ff', shards), why('the add after a killed rollback reached the kernel'));
      await expectOk(t, ns, ['apply', '--only', 'firewall', ...args], 'apply after a killed rollback');
      await expectOk(t, ns, ['verify', '--only', 'firewall', ...args], 'verify at the end');
      // Backups are bounded by content: the killed runs added no duplicates of one table.
      const backups = (await readdir(path.join(dir, 'state', 'backups'))).filter((n) => n.endsWith('.json'));
      t.true(backups.length <= 10, why(`at most 10 backups, found ${backups.length}`));
    });
  });
});
