/**
 * Faults: applies over SSH that would lock the operator out, and blacklist
 * entries that cut the host off from itself. Each refusal must leave the
 * kernel and the file exactly as they were; exit 1 means nothing changed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NFT, lbfwIn, listTable, systemTest, withNamespace, withTempDir } from '../../helpers/system.js';
import { writeSetup } from './helpers.js';

systemTest('SSH to a non-VIP address on port 22 is judged on its exact path, not by a VIP service on port 22', async (t) => {
  await withTempDir(async (dir) => {
    const config = `role: director
services: ["192.0.2.10:22/tcp"]
management:
  sources: [192.0.2.128/25]
blacklist: static_blacklist
`;
    const { args } = await writeSetup(dir, '', config);
    await withNamespace(async (ns) => {
      const refused = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args], { SSH_CONNECTION: '203.0.113.2 50000 203.0.113.1 22' });
      t.is(refused.code, 1, refused.stdout);
      t.regex(refused.stderr, /refuse new SSH logins from 203\.0\.113\.2 .* to 203\.0\.113\.1 port 22/);
      t.is(await listTable(ns), '');
      const toVip = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args], { SSH_CONNECTION: '203.0.113.2 50000 192.0.2.10 22' });
      t.is(toVip.code, 0, toVip.stderr);
    });
  });
});

systemTest('a real server VIP without a port does not switch the lock-out guard off', async (t) => {
  await withTempDir(async (dir) => {
    await writeFile(path.join(dir, 'static_blacklist'), '');
    const args = ['--role', 'realserver', '--vip', '198.51.100.50', '--iface', 'lo', '--blacklist', path.join(dir, 'static_blacklist'), '--state-dir', path.join(dir, 'state')];
    await withNamespace(async (ns) => {
      const refused = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args], { SSH_CONNECTION: '192.0.2.99 50000 192.0.2.1 22' });
      t.is(refused.code, 1, refused.stdout);
      t.regex(refused.stderr, /refuse new SSH logins from 192\.0\.2\.99/);
      t.is(await listTable(ns), '');
    });
  });
});

systemTest('a session on a port other than ssh_port is told to set ssh_port', async (t) => {
  await withTempDir(async (dir) => {
    const { args } = await writeSetup(dir, '');
    await withNamespace(async (ns) => {
      const refused = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args], { SSH_CONNECTION: '198.51.100.3 50000 192.0.2.1 2222' });
      t.is(refused.code, 1);
      t.regex(refused.stderr, /set management\.ssh_port: 2222/);
    });
  });
});

const DANGEROUS: readonly (readonly [string, RegExp])[] = [
  ['::/0', /fe80::\/10 \(IPv6 link-local/],
  ['0.0.0.0-255.255.255.255', /127\.0\.0\.0\/8 \(loopback/],
  ['127.0.0.0/8', /loopback/],
  ['::1', /IPv6 loopback/],
  ['fe80::/10', /IPv6 link-local/],
  ['192.0.2.1', /192\.0\.2\.1 \(an address of this host\)/],
  ['192.0.2.254', /192\.0\.2\.254 \(the default gateway\)/],
  ['::ffff:0:0/96', /127\.0\.0\.0\/8 \(loopback/],
  ['2001:db8::fe', /2001:db8::fe \(the default gateway\)/],
];

systemTest('entries that cut the host off from itself are refused by apply and blacklist add, naming the line, changing nothing', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await writeSetup(dir, '203.0.113.5\n');
    await withNamespace(async (ns) => {
      await ns.ok(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
      await ns.ok(['ip', 'link', 'set', 'eth0p', 'up']);
      await ns.ok(['ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0']);
      await ns.ok(['ip', 'link', 'set', 'eth0', 'up']);
      await ns.ok(['ip', 'route', 'add', 'default', 'via', '192.0.2.254']);
      await ns.ok(['ip', '-6', 'addr', 'add', '2001:db8::1/64', 'dev', 'eth0', 'nodad']);
      await ns.ok(['ip', '-6', 'route', 'add', 'default', 'via', '2001:db8::fe', 'dev', 'eth0']);
      t.is((await lbfwIn(ns, ['apply', '--only', 'firewall', ...args])).code, 0);
      const table = await listTable(ns);
      // One file with every dangerous line: one refusal that names each of them.
      await writeFile(file, `203.0.113.5\n${DANGEROUS.map(([entry]) => entry).join('\n')}\n`);
      const applied = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args]);
      t.is(applied.code, 1);
      DANGEROUS.forEach(([entry, why], i) => {
        const line = applied.stderr.split('\n').filter((l) => l.includes(`static_blacklist:${i + 2}:`)).join('\n');
        t.regex(line, why, `line ${i + 2}: ${entry}`);
      });
      t.is(await listTable(ns), table, 'the running table is unchanged');
      await writeFile(file, '203.0.113.5\n');
      for (const [entry, why] of DANGEROUS.filter((_, i) => i % 3 === 0)) {
        const added = await lbfwIn(ns, ['blacklist', 'add', entry, ...args]);
        t.is(added.code, 1, `blacklist add ${entry}`);
        t.regex(added.stderr, why, entry);
        t.is(await readFile(file, 'utf8'), '203.0.113.5\n');
      }
      t.is(await listTable(ns), table);
      const forced = await lbfwIn(ns, ['blacklist', 'add', '192.0.2.254', '--force', ...args]);
      t.is(forced.code, 0, forced.stderr);
      t.regex(forced.stderr, /192\.0\.2\.254/);
    });
  });
});

systemTest('an IPv4-mapped entry is loaded as IPv4 and verifies clean', async (t) => {
  await withTempDir(async (dir) => {
    const { args } = await writeSetup(dir, '::ffff:203.0.113.9\n::ffff:198.51.100.128/121\n');
    await withNamespace(async (ns) => {
      const applied = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args]);
      t.is(applied.code, 0, applied.stderr);
      t.regex(applied.stderr, /IPv4-mapped IPv6.*loaded as 203\.0\.113\.9/);
      t.regex(await ns.ok([NFT, 'list', 'set', 'inet', 'lbfw', 'bl4_hosts']), /203\.0\.113\.9/);
      const verified = await lbfwIn(ns, ['verify', '--only', 'firewall', ...args]);
      t.is(verified.code, 0, verified.stdout);
    });
  });
});
