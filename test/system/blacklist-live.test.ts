/**
 * System tests of `lbfw blacklist add/remove/test` against a running table.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NFT, lbfwIn, listTable, systemTest, withNamespace, withTempDir } from '../helpers/system.js';

const CONFIG = `role: director
services: ["192.0.2.10:80/tcp"]
management:
  sources: [198.51.100.0/28]
blacklist: static_blacklist
`;

const BLACKLIST = [
  '# operator notes: keep this header',
  '203.0.113.5   # abuse ticket 17',
  '',
  '# ranges',
  '203.0.113.128/25',
  '2001:db8:bad::/48',
  '',
].join('\n');

async function setUp(dir: string): Promise<{ args: string[]; file: string }> {
  await writeFile(path.join(dir, 'lbfw.yaml'), CONFIG);
  const file = path.join(dir, 'static_blacklist');
  await writeFile(file, BLACKLIST);
  return { args: ['--config', path.join(dir, 'lbfw.yaml'), '--state-dir', path.join(dir, 'state')], file };
}

systemTest('blacklist add and remove update the running sets in place and keep the file\'s comments', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await setUp(dir);
    await withNamespace(async (ns) => {
      t.is((await lbfwIn(ns, ['apply', ...args])).code, 0);
      const handleBefore = /table inet lbfw \{ # handle (\d+)/.exec(await ns.ok([NFT, '-a', 'list', 'table', 'inet', 'lbfw']))?.[1];

      const added = await lbfwIn(ns, ['blacklist', 'add', '203.0.113.66', '--comment', 'scanner', ...args]);
      t.is(added.code, 0, added.stderr);
      t.regex(added.stdout, /added 203\.0\.113\.66 .*line 7.*running sets updated in place \(\+1 -0 elements\)/);
      t.is(await readFile(file, 'utf8'), `${BLACKLIST}203.0.113.66 # scanner\n`);
      t.regex(await listTable(ns), /set bl4_hosts \{\n\t\ttype ipv4_addr\n\t\tsize 65536\n\t\telements = \{ 203\.0\.113\.5, 203\.0\.113\.66 \}/);

      const v6 = await lbfwIn(ns, ['blacklist', 'add', '2001:db8:1::/64', ...args]);
      t.is(v6.code, 0, v6.stderr);
      t.regex(await listTable(ns), /elements = \{ 2001:db8:1::\/64,\s+2001:db8:bad::\/48 \}/);

      const tested = await lbfwIn(ns, ['blacklist', 'test', '203.0.113.200', ...args]);
      t.is(tested.code, 0);
      t.regex(tested.stdout, /BLOCKED by bl4_nets element 203\.0\.113\.128\/25/);
      t.regex(tested.stdout, /static_blacklist:5: 203\.0\.113\.128\/25/);

      const removed = await lbfwIn(ns, ['blacklist', 'remove', '203.0.113.5', ...args]);
      t.is(removed.code, 0, removed.stderr);
      const text = await readFile(file, 'utf8');
      t.false(text.includes('203.0.113.5 '));
      t.true(text.startsWith('# operator notes: keep this header\n\n# ranges\n203.0.113.128/25\n'));
      t.is((await lbfwIn(ns, ['blacklist', 'test', '203.0.113.5', ...args])).code, 2);

      // The table was changed in place, never reloaded: same handle, verify clean.
      const handleAfter = /table inet lbfw \{ # handle (\d+)/.exec(await ns.ok([NFT, '-a', 'list', 'table', 'inet', 'lbfw']))?.[1];
      t.is(handleAfter, handleBefore);
      const verified = await lbfwIn(ns, ['verify', ...args]);
      t.is(verified.code, 0, verified.stdout);
    });
  });
});

systemTest('blacklist add refuses an entry that would cut off a management source', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await setUp(dir);
    await withNamespace(async (ns) => {
      t.is((await lbfwIn(ns, ['apply', ...args])).code, 0);
      const before = await listTable(ns);
      const result = await lbfwIn(ns, ['blacklist', 'add', '198.51.100.0/24', ...args]);
      t.is(result.code, 1);
      t.regex(result.stderr, /198\.51\.100\.0\/24 would block 198\.51\.100\.0\/28 \(management source\)/);
      t.is(await readFile(file, 'utf8'), BLACKLIST);
      t.is(await listTable(ns), before);
    });
  });
});

systemTest('blacklist add without a loaded table changes only the file and says so', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await setUp(dir);
    await withNamespace(async (ns) => {
      const result = await lbfwIn(ns, ['blacklist', 'add', '203.0.113.9', ...args]);
      t.is(result.code, 0, result.stderr);
      t.regex(result.stdout, /lbfw table not loaded/);
      t.true((await readFile(file, 'utf8')).endsWith('203.0.113.9\n'));
      t.is(await listTable(ns), '');
    });
  });
});

systemTest('a blacklist above one shard loads into sharded sets that verify, test, add and remove all find', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await setUp(dir);
    // 70,000 hosts of the IPv6 documentation prefix: 32 shards of at most 4,096 (the last group & 31).
    const many = Array.from({ length: 70_000 }, (_, i) => `2001:db8:cafe::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`);
    await writeFile(file, `${BLACKLIST}${many.join('\n')}\n`);
    await withNamespace(async (ns) => {
      const applied = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args]);
      t.is(applied.code, 0, applied.stderr);
      const sets = await ns.ok([NFT, 'list', 'sets', 'inet']);
      t.regex(sets, /set bl6_hosts_0 \{/);
      t.regex(sets, /set bl6_hosts_1 \{/);
      t.is((await lbfwIn(ns, ['verify', '--only', 'firewall', ...args])).code, 0);
      const tested = await lbfwIn(ns, ['blacklist', 'test', '2001:db8:cafe::1:1121', ...args]);
      t.is(tested.code, 0, `${tested.stdout}${tested.stderr}`);
      t.regex(tested.stdout, /BLOCKED by bl6_hosts_1 element 2001:db8:cafe::1:1121/);
      t.is((await lbfwIn(ns, ['blacklist', 'add', '2001:db8:beef::2', ...args])).code, 0);
      t.regex((await lbfwIn(ns, ['blacklist', 'test', '2001:db8:beef::2', ...args])).stdout, /BLOCKED by bl6_hosts_2 element 2001:db8:beef::2/);
      t.is((await lbfwIn(ns, ['blacklist', 'remove', '2001:db8:cafe::1:1121', ...args])).code, 0);
      t.is((await lbfwIn(ns, ['blacklist', 'test', '2001:db8:cafe::1:1121', ...args])).code, 2);
      const verified = await lbfwIn(ns, ['verify', '--only', 'firewall', ...args]);
      t.is(verified.code, 0, verified.stdout);
    });
  });
});
