/**
 * verify of a big blacklist, through each backend, against the real kernel:
 * an element deleted behind lbfw's back, one added, and a changed rule are
 * all reported. The netlink backend reads every shard back in full (cheap
 * because the hosts are sharded: native/README.md); the nft backend lists
 * the table.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NFT, lbfwIn, systemTest, withNamespace, withTempDir } from '../helpers/system.js';
import { shardCount } from '../../src/ruleset/shards.js';

function ipv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** `count` distinct hosts in 10.0.0.0/8 (never the config's own addresses), in a scrambled order. */
function hosts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => ipv4(0x0a000000 + ((i * 2654435761) % 0x1000000 >>> 0)));
}

const BACKENDS = [
  // The nft program lists every element as text: a smaller list keeps its run short.
  { backend: 'nft', count: 20_000 },
  { backend: 'netlink', count: 200_000 },
] as const;

for (const { backend, count } of BACKENDS) {
  systemTest(`${backend} backend: verify of ${count} hosts reports an element deleted and one added behind lbfw's back, and a changed rule`, async (t) => {
    await withTempDir(async (dir) => {
      const list = hosts(count);
      t.is(new Set(list).size, count);
      await writeFile(path.join(dir, 'static_blacklist'), `${list.join('\n')}\n198.18.0.0/15\n`);
      const config = path.join(dir, 'lbfw.yaml');
      await writeFile(config, `role: director\nservices: ["192.0.2.10:80/tcp"]\nmanagement:\n  sources: [203.0.113.0/28]\nblacklist: static_blacklist\n`);
      const args = ['--config', config, '--state-dir', path.join(dir, 'state')];
      const env = { LBFW_BACKEND: backend };
      await withNamespace(async (ns) => {
        const applied = await lbfwIn(ns, ['apply', ...args], env);
        t.is(applied.code, 0, applied.stderr);
        const clean = await lbfwIn(ns, ['verify', ...args], env);
        t.is(clean.code, 0, clean.stdout + clean.stderr);

        const shards = shardCount(count);
        t.true(shards > 1, 'the case is about sharded sets');
        const victim = list[12_345] as string;
        const victimShard = Number(victim.split('.')[3]) & (shards - 1);
        await ns.ok([NFT, 'delete', 'element', 'inet', 'lbfw', `bl4_hosts_${victimShard}`, `{ ${victim} }`]);
        const missing = await lbfwIn(ns, ['verify', ...args], env);
        t.is(missing.code, 2, missing.stdout + missing.stderr);
        t.regex(missing.stdout, new RegExp(`set bl4_hosts_${victimShard}: 1 element missing: ${victim.replaceAll('.', '\\.')}`));

        // Put it back and add a stranger: the counts match again for the table, not for the shard.
        await ns.ok([NFT, 'add', 'element', 'inet', 'lbfw', `bl4_hosts_${victimShard}`, `{ ${victim} }`]);
        await ns.ok([NFT, 'add', 'element', 'inet', 'lbfw', 'bl4_hosts_1', '{ 203.0.113.65 }']);
        await ns.ok([NFT, 'add', 'rule', 'inet', 'lbfw', 'input', 'tcp', 'dport', '23', 'accept']);
        const extra = await lbfwIn(ns, ['verify', ...args], env);
        t.is(extra.code, 2, extra.stdout + extra.stderr);
        t.regex(extra.stdout, /set bl4_hosts_1: 1 element not in lbfw's sources: 203\.0\.113\.65/);
        t.regex(extra.stdout, /chain input: rule not written by lbfw/);
        t.notRegex(extra.stdout, new RegExp(`bl4_hosts_${victimShard}: 1 element missing`));
      });
    });
  });
}

test('the hosts of the test are distinct and outside the config', (t) => {
  const list = hosts(200_000);
  t.is(new Set(list).size, 200_000);
  t.true(list.every((h) => h.startsWith('10.')));
});
