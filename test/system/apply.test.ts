/**
 * System tests of apply, verify and the atomic replace, in throwaway namespaces.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO, createFirewallLab } from '../../src/lab/firewall-lab.js';
import { tcpConnects } from '../../src/lab/netns.js';
import { BACKEND_UNDER_TEST, NFT, lbfwIn, listRuleset, listTable, systemTest, withNamespace, withTempDir } from '../helpers/system.js';

const CONFIG = `role: director
services: ["${DEMO.vip4}:80/tcp", "[${DEMO.vip6}]:80/tcp"]
peers: [192.0.2.2]
management:
  sources: [203.0.113.0/28]
blacklist: static_blacklist
`;

const BLACKLIST = `# test blacklist
198.51.100.64/29   # the bad client's network
2001:db8:b::66
192.0.2.200-192.0.2.220
`;

async function writeInputs(dir: string, config = CONFIG, blacklist = BLACKLIST): Promise<string[]> {
  const configPath = path.join(dir, 'lbfw.yaml');
  await writeFile(configPath, config);
  await writeFile(path.join(dir, 'static_blacklist'), blacklist);
  return ['--config', configPath, '--state-dir', path.join(dir, 'state')];
}

systemTest('apply loads the table that plan shows and verify finds no drift', async (t) => {
  await withTempDir(async (dir) => {
    const args = await writeInputs(dir);
    await withNamespace(async (ns) => {
      const applied = await lbfwIn(ns, ['apply', ...args]);
      t.is(applied.code, 0, applied.stderr);
      const table = await listTable(ns);
      t.regex(table, /set bl4_nets \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = \{ 192\.0\.2\.200-192\.0\.2\.220, 198\.51\.100\.64\/29 \}/);
      t.regex(table, /set bl6_hosts \{\n\t\ttype ipv6_addr\n\t\tsize 65536\n\t\telements = \{ 2001:db8:b::66 \}/);
      t.regex(table, /type filter hook prerouting priority raw; policy accept;/);
      t.regex(table, /type filter hook input priority filter; policy drop;/);
      const verified = await lbfwIn(ns, ['verify', ...args]);
      t.is(verified.code, 0, verified.stdout + verified.stderr);
      const json = await lbfwIn(ns, ['verify', '--json', ...args]);
      t.deepEqual(JSON.parse(json.stdout).firewall.drift, []);
      // This run's backend did it: netlink by default, nft when LBFW_BACKEND=nft.
      const plan = await lbfwIn(ns, ['plan', ...args]);
      const expected = BACKEND_UNDER_TEST === 'nft' ? 'nft (LBFW_BACKEND=nft)' : 'netlink (the netlink binding loaded)';
      t.true(plan.stdout.includes(`nftables backend: ${expected}`), plan.stdout);
    });
  });
});

systemTest('verify exits 2 and names the set when someone changed the running table', async (t) => {
  await withTempDir(async (dir) => {
    const args = await writeInputs(dir);
    await withNamespace(async (ns) => {
      t.is((await lbfwIn(ns, ['apply', ...args])).code, 0);
      await ns.ok([NFT, 'add', 'element', 'inet', 'lbfw', 'bl4_hosts', '{ 203.0.113.99 }']);
      await ns.ok([NFT, 'add', 'rule', 'inet', 'lbfw', 'input', 'tcp', 'dport', '23', 'accept']);
      const verified = await lbfwIn(ns, ['verify', ...args]);
      t.is(verified.code, 2);
      t.regex(verified.stdout, /set bl4_hosts: 1 element not in lbfw's sources: 203\.0\.113\.99/);
      t.regex(verified.stdout, /chain input: rule not written by lbfw/);
    });
  });
});

systemTest('real packets: the blacklisted client is dropped and the clean one accepted, IPv4 and IPv6', async (t) => {
  await withTempDir(async (dir) => {
    const args = await writeInputs(dir);
    const lab = await createFirewallLab('lbfw-t');
    try {
      t.true(await tcpConnects(lab.bad, DEMO.vip4, 80), 'before apply the bad client gets through');
      const applied = await lbfwIn(lab.director, ['apply', ...args]);
      t.is(applied.code, 0, applied.stderr);
      t.true(await tcpConnects(lab.clean, DEMO.vip4, 80));
      t.true(await tcpConnects(lab.clean, DEMO.vip6, 80));
      t.false(await tcpConnects(lab.bad, DEMO.vip4, 80, 1));
      t.false(await tcpConnects(lab.bad, DEMO.vip6, 80, 1));
      const counters = await lab.director.ok([NFT, 'list', 'chain', 'inet', 'lbfw', 'prerouting']);
      t.regex(counters, /ip saddr @bl4_nets counter packets [1-9]\d* bytes \d+ drop/);
      t.regex(counters, /ip6 saddr @bl6_hosts counter packets [1-9]\d* bytes \d+ drop/);
    } finally {
      await lab.destroy();
    }
  });
});

const badInputs = [
  { title: 'a bad blacklist line', config: CONFIG, blacklist: `${BLACKLIST}203.0.113.300\n`, message: /static_blacklist:5: .*203\.0\.113\.300/ },
  { title: 'a bad config key', config: `${CONFIG}colour: blue\n`, blacklist: BLACKLIST, message: /lbfw\.yaml:7: .*colour/ },
  { title: 'a blacklist entry covering the VIP', config: CONFIG, blacklist: `${BLACKLIST}192.0.2.0/24\n`, message: /--force.*192\.0\.2\.0\/24 would block 192\.0\.2\.10 \(VIP/s },
];

for (const bad of badInputs) {
  systemTest(`apply with ${bad.title} exits 1, says where, and leaves the running ruleset byte-identical`, async (t) => {
    await withTempDir(async (dir) => {
      const good = await writeInputs(dir);
      await withNamespace(async (ns) => {
        t.is((await lbfwIn(ns, ['apply', ...good])).code, 0);
        const before = await listRuleset(ns);
        const args = await writeInputs(dir, bad.config, bad.blacklist);
        const result = await lbfwIn(ns, ['apply', ...args]);
        t.is(result.code, 1);
        t.regex(result.stderr, bad.message);
        t.notRegex(result.stderr, /\n\s+at /, 'no stack trace');
        t.is(await listRuleset(ns), before);
      });
    });
  });
}

systemTest('apply --skip-invalid loads the good lines and reports the bad ones', async (t) => {
  await withTempDir(async (dir) => {
    const args = await writeInputs(dir, CONFIG, `${BLACKLIST}not-an-address\n203.0.113.77\n`);
    await withNamespace(async (ns) => {
      const result = await lbfwIn(ns, ['apply', '--skip-invalid', ...args]);
      t.is(result.code, 0, result.stderr);
      t.regex(result.stderr, /skipped: .*static_blacklist:5: .*not-an-address/);
      t.regex(await listTable(ns), /203\.0\.113\.77/);
    });
  });
});

systemTest('apply --force loads an entry covering a protected address with a loud warning', async (t) => {
  await withTempDir(async (dir) => {
    const args = await writeInputs(dir, CONFIG, `${BLACKLIST}203.0.113.0/24\n`);
    await withNamespace(async (ns) => {
      const refused = await lbfwIn(ns, ['apply', ...args]);
      t.is(refused.code, 1);
      t.regex(refused.stderr, /management source/);
      t.is(await listTable(ns), '');
      const forced = await lbfwIn(ns, ['apply', '--force', ...args]);
      t.is(forced.code, 0, forced.stderr);
      t.regex(forced.stderr, /WARNING: .*203\.0\.113\.0\/24 blocks 203\.0\.113\.0\/28 \(management source\)/);
    });
  });
});

systemTest('the SSH client of the session running lbfw is protected from the blacklist', async (t) => {
  await withTempDir(async (dir) => {
    const args = await writeInputs(dir, CONFIG, `${BLACKLIST}198.51.100.0/26\n`);
    await withNamespace(async (ns) => {
      const result = await lbfwIn(ns, ['apply', ...args], { SSH_CONNECTION: '198.51.100.9 50022 192.0.2.1 22' });
      t.is(result.code, 1);
      t.regex(result.stderr, /198\.51\.100\.0\/26 would block 198\.51\.100\.9 \(your SSH session/);
    });
  });
});

systemTest('another table survives apply and rollback', async (t) => {
  await withTempDir(async (dir) => {
    const args = await writeInputs(dir);
    await withNamespace(async (ns) => {
      await ns.ok([NFT, 'add table ip other; add chain ip other c { type filter hook forward priority 0; }; add rule ip other c counter']);
      const other = await ns.ok([NFT, 'list', 'table', 'ip', 'other']);
      t.is((await lbfwIn(ns, ['apply', ...args])).code, 0);
      t.is(await ns.ok([NFT, 'list', 'table', 'ip', 'other']), other);
      t.is((await lbfwIn(ns, ['rollback', ...args.slice(2)])).code, 0);
      t.is(await ns.ok([NFT, 'list', 'table', 'ip', 'other']), other);
      t.is(await listTable(ns), '', 'rollback to before the first apply removes lbfw\'s table');
    });
  });
});

test('the system tests use documentation prefixes for every address they configure', (t) => {
  // Guards the rule that tests never address anything outside their namespaces.
  for (const address of [DEMO.vip4, DEMO.clean4, DEMO.bad4]) t.regex(address, /^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
  for (const address of [DEMO.vip6, DEMO.clean6, DEMO.bad6]) t.regex(address, /^2001:db8:/);
});

systemTest('an apply over SSH that would refuse the next login from this client is refused unless forced', async (t) => {
  await withTempDir(async (dir) => {
    const args = await writeInputs(dir);
    await withNamespace(async (ns) => {
      const ssh = { SSH_CONNECTION: '198.51.100.23 50022 192.0.2.1 22' };
      const refused = await lbfwIn(ns, ['apply', ...args], ssh);
      t.is(refused.code, 1);
      t.regex(refused.stderr, /^lbfw: this firewall would refuse new SSH logins from 198\.51\.100\.23 .* to 192\.0\.2\.1 port 22: add 198\.51\.100\.23/);
      t.is(await listTable(ns), '');
      const fromMgmt = await lbfwIn(ns, ['apply', ...args], { SSH_CONNECTION: '203.0.113.5 50022 192.0.2.1 22' });
      t.is(fromMgmt.code, 0, fromMgmt.stderr);
      const forced = await lbfwIn(ns, ['apply', '--force', ...args], ssh);
      t.is(forced.code, 0, forced.stderr);
      t.regex(forced.stderr, /WARNING: new SSH logins from 198\.51\.100\.23 to port 22 will be refused -- loaded because of --force/);
    });
  });
});
