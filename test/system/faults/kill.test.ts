/**
 * Faults: lbfw killed with SIGKILL at each crash window of blacklist
 * add/remove (LBFW_FAULT_POINT names the window; the kill is real), on a
 * 200k-host table; and blacklist add/remove through every shard layout with
 * real packets from a client namespace. After each kill the operator's
 * checks: the command run again works without cleanup, the kernel holds what
 * the last successful command reported, the file holds every acknowledged
 * entry, verify is clean. Kills of apply and rollback: apply-rollback.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import test from 'ava';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { connect, Netns } from '../../../src/lab/netns.js';
import { hostSetName, SHARD_ELEMENTS, shardCount, shardOf } from '../../../src/ruleset/shards.js';
import { NFT, lbfwIn, serialSystemTest } from '../../helpers/system.js';
import { bigHosts, seeded, writeSetup } from './helpers.js';

const SEED = Number(process.env['LBFW_FAULT_SEED'] ?? Date.now() % 1_000_000);
const DIRECTOR6 = '2001:db8:c::1';
const CLIENT6 = '2001:db8:c::2';

/** Every message names the seed, so a failing run can be repeated with LBFW_FAULT_SEED. */
const why = (text: string): string => `${text} (LBFW_FAULT_SEED=${SEED})`;

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

/**
 * One director, one client and one state directory for the whole file, built
 * on first use and removed after the last test (also on failure): each
 * 200k-host table costs a minute here, so the tests go on from each other's
 * table, in order.
 */
interface Lab {
  readonly director: Netns;
  readonly client: Netns;
  readonly dir: string;
  readonly args: string[];
  readonly rollbackArgs: string[];
  readonly file: string;
}
let lab: Promise<Lab> | undefined;
const made: { ns: Netns[]; dir?: string } = { ns: [] };
function theLab(): Promise<Lab> {
  lab ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-t-kill-'));
    made.dir = dir;
    const director = await Netns.create('lbfw-t-kd');
    made.ns.push(director);
    const client = await Netns.create('lbfw-t-kc');
    made.ns.push(client);
    await connect({ ns: director, ifname: 'eth1', addresses: [`${DIRECTOR6}/64`] }, { ns: client, ifname: 'eth0', addresses: [`${CLIENT6}/64`] });
    const { args, file } = await writeSetup(dir, '');
    return { director, client, dir, args, file, rollbackArgs: ['--state-dir', path.join(dir, 'state')] };
  })();
  return lab;
}
test.after.always(async () => {
  for (const ns of made.ns.reverse()) await ns.delete();
  if (made.dir !== undefined) await rm(made.dir, { recursive: true, force: true });
});

const FILLER = bigHosts(200_000);
/** Host counts that give 1, 2 and 4 shards (from the shard policy, so a new SHARD_ELEMENTS keeps the layouts). */
const LAYOUTS = [1000, SHARD_ELEMENTS + 1000, 3 * SHARD_ELEMENTS + 1000] as const;

async function addRemoveWithPings(t: ExecutionContext, l: Lab, shards: number): Promise<void> {
  t.true(await pings(l.client), `${shards} shards: the client passes before the add`);
  await expectOk(t, l.director, ['blacklist', 'add', CLIENT6, ...l.args], `add with ${shards} shards`);
  t.true(await inKernel(l.director, CLIENT6, shards), `${shards} shards: the element is in the shard the packet path looks up`);
  t.false(await pings(l.client), `${shards} shards: the client's ping is dropped after the add`);
  t.is((await lbfwIn(l.director, ['blacklist', 'test', CLIENT6, ...l.args])).code, 0, `${shards} shards: blacklist test says blocked`);
  await expectOk(t, l.director, ['blacklist', 'remove', CLIENT6, ...l.args], `remove with ${shards} shards`);
  t.true(await pings(l.client), `${shards} shards: the client's ping passes after the remove`);
  t.is((await lbfwIn(l.director, ['blacklist', 'test', CLIENT6, ...l.args])).code, 2, `${shards} shards: blacklist test says not blocked`);
}

serialSystemTest('shard layouts 1, 2, 4 applied in turn: add/remove of the client on the 4-shard table drops, then passes its real pings', async (t) => {
  const l = await theLab();
  t.deepEqual(LAYOUTS.map(shardCount), [1, 2, 4], 'the layouts are 1, 2 and 4 shards');
  for (const size of LAYOUTS) {
    await writeFile(l.file, `${FILLER.slice(0, size).join('\n')}\n`);
    await expectOk(t, l.director, ['apply', '--only', 'firewall', ...l.args], `apply of ${size} hosts`);
  }
  await addRemoveWithPings(t, l, 4);
});

serialSystemTest('after a rollback to the 2-shard table (the file still the 4-shard one), add/remove go to the kernel\'s shard: pings dropped, then pass', async (t) => {
  const l = await theLab();
  await expectOk(t, l.director, ['rollback', ...l.rollbackArgs], 'rollback to 2 shards');
  await addRemoveWithPings(t, l, 2);
});

serialSystemTest('after a rollback to the 1-shard table, add/remove reach the one host set: pings dropped, then pass', async (t) => {
  const l = await theLab();
  await expectOk(t, l.director, ['rollback', ...l.rollbackArgs], 'rollback to 1 shard');
  await addRemoveWithPings(t, l, 1);
});

const BLACKLIST_POINTS = ['blacklist:after-file', 'blacklist:after-pending', 'blacklist:after-live'] as const;
const random = seeded(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const SHARDS = shardCount(FILLER.length);
const acknowledged = new Set<string>();

serialSystemTest('a 200k-host table for the kills', async (t) => {
  t.log(`LBFW_FAULT_SEED=${SEED}`);
  const l = await theLab();
  await writeFile(l.file, `${FILLER.join('\n')}\n`);
  await expectOk(t, l.director, ['apply', '--only', 'firewall', ...l.args], 'apply of 200k hosts');
});

/** One kill of blacklist add or remove at a seeded window, then the operator's repeat and checks. */
async function blacklistKillRound(t: ExecutionContext, l: Lab, round: number): Promise<void> {
  const removing = acknowledged.size > 0 && random() < 0.4;
  const host = removing ? pick([...acknowledged]) : `2001:db8:e::${Math.floor(random() * 0xffff).toString(16)}`;
  const verb = removing ? 'remove' : 'add';
  const point = pick(BLACKLIST_POINTS);
  const killed = await lbfwIn(l.director, ['blacklist', verb, host, ...l.args], { LBFW_FAULT_POINT: point });
  t.is(killed.code, null, why(`round ${round}: ${verb} ${host} was killed at ${point}`));
  await expectOk(t, l.director, ['blacklist', verb, host, ...l.args], `round ${round}: ${verb} ${host} again after a kill at ${point}`);
  if (removing) acknowledged.delete(host);
  else acknowledged.add(host);
  t.is(await inKernel(l.director, host, SHARDS), !removing, why(`round ${round}: the kernel agrees with the acknowledged ${verb} of ${host} (killed at ${point})`));
  const again = await expectOk(t, l.director, ['blacklist', verb, host, ...l.args], `round ${round}: a third ${verb}`);
  t.regex(again, /nothing changed/, why(`round ${round}: once file and kernel agree, a repeat changes nothing`));
}

// 10 kills in tests of 2, each well under the suite's idle timeout on a loaded host.
for (const first of [0, 2, 4, 6, 8]) {
  serialSystemTest(`kill -9 of blacklist add/remove at seeded windows, rounds ${first + 1}-${first + 2} of 10: the repeat converges and a third run changes nothing`, async (t) => {
    const l = await theLab();
    for (let round = first; round < first + 2; round++) await blacklistKillRound(t, l, round);
  });
}

serialSystemTest('after the 10 blacklist kills the file holds every acknowledged entry and verify is clean', async (t) => {
  const l = await theLab();
  const lines = new Set((await readFile(l.file, 'utf8')).split('\n'));
  for (const host of acknowledged) t.true(lines.has(host), why(`the file holds the acknowledged ${host}`));
  await expectOk(t, l.director, ['verify', '--only', 'firewall', ...l.args], 'verify after the blacklist kills');
});
