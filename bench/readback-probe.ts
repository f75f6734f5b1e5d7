/**
 * Probe: how long each read-back method takes for N random IPv4 hosts
 * sharded at S hosts per set, in the namespace this runs in (root):
 *
 *   node dist/bench/readback-probe.js N S
 *
 * Times: the load (one batch), the element dump of every set (kernel and
 * socket only, then decode), and batched GETSETELEM lookups of every host.
 * Used to choose verify's method (native/README.md); prints one JSON line.
 */
import { addressElements } from '../src/nft/model/elements.js';
import type { NftSet, Ruleset } from '../src/nft/model/objects.js';
import { NetlinkBackend } from '../src/nft/netlink/backend.js';
import { loadNative } from '../src/nft/netlink/native.js';
import { msgType } from '../src/nft/netlink/encode.js';
import { MessageWriter } from '../src/nft/netlink/writer.js';
import * as U from '../src/nft/netlink/uapi.js';
import { Transaction } from '../src/nft/transaction.js';

const N = Number(process.argv[2] ?? 1_000_000);
const S = Number(process.argv[3] ?? 65536);
const skip = (process.env['PROBE_SKIP'] ?? '').split(',');

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

const native = loadNative();
if (typeof native === 'string') throw new Error(native);
const backend = new NetlinkBackend(native);
let state = 20261124;
const hosts = new Uint32Array(N);
for (let i = 0; i < N; i++) {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  hosts[i] = state >>> 0;
}
const distinct = Uint32Array.from(new Set(hosts)).sort();
let shards = 1;
while (distinct.length / shards > S && shards < 4096) shards *= 2;
const buckets: number[][] = Array.from({ length: shards }, () => []);
for (const h of distinct) buckets[h & (shards - 1)]?.push(h);
const sets: NftSet[] = buckets.map((b, i) => ({ name: `h_${i}`, key: ['ipv4_addr'], interval: false, size: Math.max(Number(process.env['PROBE_MIN_SIZE'] ?? 65536), 2 ** Math.ceil(Math.log2(b.length * 2 + 1))), elements: addressElements(4, Uint32Array.from(b)), purpose: '' }));
const ruleset = { sets, chains: [] } as unknown as Ruleset;
const out: Record<string, number | string> = { hosts: distinct.length, shards };
let t = now();
await backend.run(new Transaction().replaceTable(ruleset));
out['load'] = now() - t;

if (!skip.includes('dump')) {
  t = now();
  let bytes = 0;
  const dumps = await Promise.all(
    sets.map(async (s) => {
      const w = new MessageWriter();
      w.begin(msgType(U.NFT_MSG.GETSETELEM), U.NLM_F_REQUEST | U.NLM_F_DUMP, 1, U.NFPROTO_INET);
      w.string(U.NFTA_SET_ELEM_LIST_TABLE, 'lbfw').string(U.NFTA_SET_ELEM_LIST_SET, s.name);
      w.end();
      return native.transact([w.finish()], { rcvbuf: 64 << 20, dump: 1 });
    }),
  );
  for (const d of dumps) bytes += d.replies.length;
  out['dumpKernel'] = now() - t;
  out['dumpBytes'] = bytes;
  t = now();
  const snap = await backend.readTable();
  out['readTable'] = now() - t;
  out['readTableElements'] = snap?.sets.reduce((n, s) => n + s.count, 0) ?? -1;
}
if (!skip.includes('lookup')) {
  t = now();
  let found = 0;
  for (const s of sets) found += (await backend.lookupElements(s.name, s.elements)).count;
  out['lookup'] = now() - t;
  out['lookupFound'] = found;
}
console.log(JSON.stringify(out));
