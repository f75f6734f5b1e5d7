/**
 * One lbfw firewall load through the netlink backend, as a program the
 * benchmark runs (and measures) inside its namespace:
 *
 *   node dist/bench/netlink-load.js load|verify|add|remove FILE [ADDR]
 *
 * load: read and validate the blacklist, merge, shard the hosts as
 * src/ruleset/shards.ts does, replace `table inet lbfw` in ONE batch, read
 * the table back and compare every set's elements as sorted typed arrays.
 * verify: the read-back and compare alone. add/remove: one host, to its
 * shard, as one transaction. Prints one JSON line; exits 1 on any mismatch.
 * This is the netlink path of `lbfw apply` until the CLI selects it.
 */
import { readFile } from 'node:fs/promises';
import { parseBlacklist } from '../src/blacklist/parse.js';
import { normaliseBlacklist } from '../src/blacklist/normalise.js';
import { addressElements, rangeElements, type ElementList } from '../src/nft/model/elements.js';
import type { NftChain, NftSet, Ruleset } from '../src/nft/model/objects.js';
import { NetlinkBackend } from '../src/nft/netlink/backend.js';
import { loadNative } from '../src/nft/netlink/native.js';
import { Transaction } from '../src/nft/transaction.js';
import { addressToBigInt, cidrToRange, parseCidr, type AddressRange } from '../src/net/address.js';
import { SHARD_ELEMENTS } from '../src/ruleset/shards.js';

const perShard = Number(process.env['BENCH_SHARD_ELEMENTS'] ?? SHARD_ELEMENTS);

function ipv4(text: string): number {
  let value = 0;
  let part = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      value = value * 256 + part;
      part = 0;
    } else part = part * 10 + c - 48;
  }
  return value * 256 + part;
}

function toRange(text: string): AddressRange {
  const dash = text.indexOf('-');
  if (dash !== -1) {
    const first = parseCidr(text.slice(0, dash))?.cidr;
    const last = parseCidr(text.slice(dash + 1))?.cidr;
    if (first === undefined || last === undefined) throw new Error(`bad range ${text}`);
    return { family: first.family, first: addressToBigInt(first), last: addressToBigInt(last) };
  }
  const cidr = parseCidr(text)?.cidr;
  if (cidr === undefined) throw new Error(`bad element ${text}`);
  return cidrToRange(cidr);
}

function shards(hosts: number): number {
  let n = 1;
  while (hosts / n > perShard && n < 256) n *= 2;
  return n;
}

async function ruleset(file: string): Promise<Ruleset> {
  const parsed = parseBlacklist(await readFile(file, 'utf8'), file);
  if (parsed.problems.length > 0) throw new Error(`${parsed.problems.length} bad lines`);
  const normal = normaliseBlacklist(parsed.entries);
  const hosts = Uint32Array.from(normal.hosts4, ipv4);
  const n = shards(hosts.length);
  const buckets: number[][] = Array.from({ length: n }, () => []);
  for (const h of hosts) buckets[h & (n - 1)]?.push(h);
  const sets: NftSet[] = buckets.map((b, i) => ({
    name: n === 1 ? 'bl4_hosts' : `bl4_hosts_${i}`,
    key: ['ipv4_addr'],
    interval: false,
    size: Math.max(65536, 2 ** Math.ceil(Math.log2(b.length * 2 + 1))),
    elements: addressElements(4, Uint32Array.from(b)),
    purpose: '',
  }));
  sets.push({ name: 'bl4_nets', key: ['ipv4_addr'], interval: true, elements: rangeElements(4, normal.nets4.map(toRange)), purpose: '' });
  const drop = [{ kind: 'counter' as const }, { kind: 'verdict' as const, verdict: 'drop' as const }];
  const shardChains: NftChain[] =
    n === 1
      ? []
      : buckets.map((_, i) => ({ name: `bl4_shard_${i}`, rules: [{ id: `blacklist-hosts4-shard-${i}`, match: [{ kind: 'address-in-set', family: 4, field: 'saddr', set: `bl4_hosts_${i}` }], statements: drop }] }));
  const hostsRule =
    n === 1
      ? { id: 'blacklist-hosts4', match: [{ kind: 'address-in-set' as const, family: 4 as const, field: 'saddr' as const, set: 'bl4_hosts' }], statements: drop }
      : { id: 'blacklist-hosts4', match: [], statements: [{ kind: 'shard-vmap' as const, family: 4 as const, field: 'saddr' as const, chains: shardChains.map((c) => c.name) }] };
  return {
    sets,
    chains: [
      ...shardChains,
      {
        name: 'prerouting',
        base: { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' },
        rules: [hostsRule, { id: 'blacklist-nets4', match: [{ kind: 'address-in-set', family: 4, field: 'saddr', set: 'bl4_nets' }], statements: drop }],
      },
    ],
  } as Ruleset;
}

function same(a: ElementList | undefined, b: ElementList): boolean {
  if (a === undefined || a.count !== b.count) return false;
  if (!Buffer.from(a.keys.buffer, a.keys.byteOffset, a.keys.byteLength).equals(Buffer.from(b.keys.buffer, b.keys.byteOffset, b.keys.byteLength))) return false;
  return b.lasts === undefined || (a.lasts !== undefined && Buffer.from(a.lasts).equals(Buffer.from(b.lasts)));
}

async function verify(backend: NetlinkBackend, meant: Ruleset): Promise<number> {
  const snap = await backend.readTable();
  if (snap === undefined) throw new Error('table missing');
  const listed = new Map(snap.sets.map((s) => [s.name, s]));
  let elements = 0;
  for (const set of meant.sets) {
    if (!same(listed.get(set.name)?.elements, set.elements)) throw new Error(`set ${set.name} differs`);
    elements += set.elements.count;
  }
  return elements;
}

async function main(): Promise<void> {
  const [mode, file, address] = process.argv.slice(2);
  const native = loadNative();
  if (typeof native === 'string') throw new Error(native);
  const backend = new NetlinkBackend(native);
  if (mode === 'add' || mode === 'remove') {
    // The single-entry path: no file is read, only the set headers to find the host's shard.
    const value = ipv4(address ?? '');
    const n = (await backend.setNames()).filter((name) => name.startsWith('bl4_hosts')).length;
    const set = n === 1 ? 'bl4_hosts' : `bl4_hosts_${value & (n - 1)}`;
    const one = addressElements(4, Uint32Array.of(value));
    await backend.run(mode === 'add' ? new Transaction().addElements(set, one) : new Transaction().deleteElements(set, one));
    const found = await backend.lookupElements(set, one);
    if ((found.count === 1) !== (mode === 'add')) throw new Error(`${address} is ${found.count === 1 ? '' : 'not '}in ${set} after ${mode}`);
    console.log(JSON.stringify({ mode, set }));
    return;
  }
  const meant = await ruleset(file ?? '');
  if (mode === 'load') {
    await backend.run(new Transaction().replaceTable(meant));
    console.log(JSON.stringify({ mode, elements: await verify(backend, meant), backend: backend.name }));
  } else if (mode === 'verify') {
    console.log(JSON.stringify({ mode, elements: await verify(backend, meant), backend: backend.name }));
  } else throw new Error(`unknown mode ${mode}`);
}

main().catch((error: unknown) => {
  console.error(`netlink-load: ${(error as Error).message}`);
  process.exitCode = 1;
});
