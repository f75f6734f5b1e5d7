/**
 * System tests of `lbfw overlimit` and `lbfw ban` in the firewall lab's
 * namespaces: real nft, real packets.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO, createFirewallLab, type FirewallLab } from '../../src/lab/firewall-lab.js';
import { tcpConnects, type Netns } from '../../src/lab/netns.js';
import { CONN_HEADER, formatConnRow } from '../../src/overlimit/format.js';
import { NFT, lbfwIn, listRuleset, serialSystemTest, withNamespace, withTempDir } from '../helpers/system.js';
import { banTableSpec } from '../../src/ban/spec.js';
import { DEFAULT_OVERLIMIT } from '../../src/config/overlimit.js';
import { NftBanCli } from '../../src/nft/ban-cli.js';
import { NetlinkBanBackend } from '../../src/nft/ban-netlink.js';
import { loadNative } from '../../src/nft/netlink/native.js';
import { DIRECTOR } from '../helpers/fixtures.js';

const CONFIG = `role: director
services: ["${DEMO.vip4}:80/tcp", "[${DEMO.vip6}]:80/tcp"]
management:
  sources: [192.0.2.128/28]
blacklist: static_blacklist
overlimit:
  max_connections: 100
  ban_time: 10m
  exempt: [${DEMO.clean4}]
  # The firewall lab's clients sit on the director's own networks (no router between).
  exempt_connected_networks: false
`;

function connTable(clients: Record<string, number>): string {
  let text = CONN_HEADER;
  for (const [client, n] of Object.entries(clients)) {
    for (let i = 0; i < n; i++) {
      text += formatConnRow({ protocol: 'TCP', client, clientPort: 20000 + i, vip: DEMO.vip4, vport: 80, realServer: '192.0.2.21', rport: 80, state: 'ESTABLISHED', expires: 850 });
    }
  }
  return text;
}

async function withLab(fn: (lab: FirewallLab, dir: string, args: string[]) => Promise<void>, config = CONFIG): Promise<void> {
  await withTempDir(async (dir) => {
    await writeFile(path.join(dir, 'lbfw.yaml'), config);
    await writeFile(path.join(dir, 'static_blacklist'), '# none yet\n');
    const lab = await createFirewallLab('lbfw-t-ovl');
    try {
      await fn(lab, dir, ['--config', path.join(dir, 'lbfw.yaml'), '--state-dir', path.join(dir, 'state')]);
    } finally {
      await lab.destroy();
    }
  });
}

async function banSet(ns: Netns, set: string): Promise<string> {
  const result = await ns.exec([NFT, 'list', 'set', 'inet', 'lbfw_ban', set]);
  return result.code === 0 ? result.stdout : '';
}

serialSystemTest('overlimit bans from a --conn-file land in the timed set, drop the banned client only, and survive apply and rollback', async (t) => {
  await withLab(async (lab, dir, args) => {
    t.is((await lbfwIn(lab.director, ['apply', ...args])).code, 0);
    const table = path.join(dir, 'ip_vs_conn');
    await writeFile(table, connTable({ [DEMO.bad4]: 150, '198.51.100.70': 40, [DEMO.clean4]: 300 }));

    const before = await listRuleset(lab.director);
    const dry = await lbfwIn(lab.director, ['overlimit', '--dry-run', '--conn-file', table, ...args]);
    t.is(dry.code, 0, dry.stderr);
    t.regex(dry.stdout, new RegExp(`${DEMO.bad4.replace(/\./g, '\\.')}: 150 > 100 \\(all services\\).* -> would ban 10m`));
    t.regex(dry.stdout, /203\.0\.113\.2: 300 > 100 .*-> exempt: overlimit\.exempt/);
    t.is(await listRuleset(lab.director), before, 'a dry run changes nothing');
    // By default a client on a network the director is connected to is exempt, and the output says so.
    await writeFile(path.join(dir, 'default.yaml'), CONFIG.replace(/^.*exempt_connected_networks.*\n/m, ''));
    const connected = await lbfwIn(lab.director, ['overlimit', '--dry-run', '--conn-file', table, ...args.map((a) => (a.endsWith('lbfw.yaml') ? path.join(dir, 'default.yaml') : a))]);
    t.is(connected.code, 0, connected.stderr);
    t.regex(connected.stdout, new RegExp(`${DEMO.bad4.replace(/\./g, '\\.')}: 150 > 100 .*-> exempt: a network this host is connected to \\(\\S+ [0-9.]+/\\d+; overlimit\\.exempt_connected_networks\\) 198\\.51\\.100\\.\\d+/\\d+`), connected.stdout);

    const run = await lbfwIn(lab.director, ['overlimit', '--conn-file', table, ...args]);
    t.is(run.code, 0, run.stderr);
    const set = await banSet(lab.director, 'ban4');
    t.regex(set, /198\.51\.100\.66 timeout 10m expires \S+ comment "lbfw overlimit: 150 ESTABLISHED > 100 \(all services\) top 192\.0\.2\.10:80\/tcp \S+ offence 1"/);
    t.false(set.includes('203.0.113.2'));
    t.false(set.includes('198.51.100.70'));

    t.false(await tcpConnects(lab.bad, DEMO.vip4, 80, 2), 'the banned client is dropped');
    t.true(await tcpConnects(lab.clean, DEMO.vip4, 80), 'another client still gets through');
    const counters = await lab.director.ok([NFT, 'list', 'counter', 'inet', 'lbfw_ban', 'drops_ban4']);
    t.notRegex(counters, /packets 0 /);

    // A real replace of inet lbfw (the blacklist changed), then a rollback: the ban stays.
    await writeFile(path.join(dir, 'static_blacklist'), '203.0.113.200\n');
    t.is((await lbfwIn(lab.director, ['apply', ...args])).code, 0);
    t.regex(await banSet(lab.director, 'ban4'), /198\.51\.100\.66 timeout 10m/);
    t.false(await tcpConnects(lab.bad, DEMO.vip4, 80, 2));
    const rollback = await lbfwIn(lab.director, ['rollback', '--state-dir', path.join(dir, 'state')]);
    t.is(rollback.code, 0, rollback.stderr);
    t.regex(await banSet(lab.director, 'ban4'), /198\.51\.100\.66 timeout 10m/);
    t.false(await tcpConnects(lab.bad, DEMO.vip4, 80, 2));

    const listed = await lbfwIn(lab.director, ['ban', 'list', ...args]);
    t.regex(listed.stdout, /198\.51\.100\.66\tban4\texpires in \S+\toverlimit\tlbfw overlimit: 150/);

    // promote: into the file by the blacklist's atomic edit, out of the timed set, still blocked.
    const promoted = await lbfwIn(lab.director, ['ban', 'promote', DEMO.bad4, ...args]);
    t.is(promoted.code, 0, promoted.stderr);
    t.regex(await readFile(path.join(dir, 'static_blacklist'), 'utf8'), /^203\.0\.113\.200\n198\.51\.100\.66 # promoted ban: lbfw overlimit: 150 ESTABLISHED/);
    t.false((await banSet(lab.director, 'ban4')).includes(DEMO.bad4));
    t.false(await tcpConnects(lab.bad, DEMO.vip4, 80, 2), 'the promoted ban still blocks, from the blacklist now');
  });
});

serialSystemTest('a ban set past 80% of its size is reported by overlimit, verify and doctor (exit 2)', async (t) => {
  await withLab(
    async (lab, dir, args) => {
      t.is((await lbfwIn(lab.director, ['apply', ...args])).code, 0);
      const table = path.join(dir, 'ip_vs_conn');
      await writeFile(table, connTable(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`198.51.100.${100 + i}`, 101]))));
      // 12 of 16: under the alarm, verify is clean.
      t.is((await lbfwIn(lab.director, ['overlimit', '--conn-file', table, ...args])).code, 0);
      const calm = await lbfwIn(lab.director, ['verify', ...args]);
      t.is(calm.code, 0, calm.stdout + calm.stderr);
      t.regex(calm.stdout, /ban table inet lbfw_ban: no set 80% full/);

      await writeFile(table, connTable(Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`198.51.100.${100 + i}`, 101]))));
      const run = await lbfwIn(lab.director, ['overlimit', '--conn-file', table, ...args]);
      t.is(run.code, 2, run.stderr);
      t.regex(run.stdout, /ALARM: set ban4 of inet lbfw_ban holds 14 of 16 elements \(88%\)/);

      const verify = await lbfwIn(lab.director, ['verify', ...args]);
      t.is(verify.code, 2, verify.stdout + verify.stderr);
      t.regex(verify.stdout, /ALARM: set ban4 of inet lbfw_ban holds 14 of 16 elements \(88%\)/);
      t.regex(verify.stdout, /verify: FAILED \(a ban set is filling up: raise overlimit\.set_size\)/);
      const json = JSON.parse((await lbfwIn(lab.director, ['verify', '--json', ...args])).stdout) as { ok: boolean; bans?: { alarms: { set: string; elements: number; size: number }[] } };
      t.false(json.ok);
      t.like(json.bans?.alarms[0], { set: 'ban4', elements: 14, size: 16 });

      const doctor = await lbfwIn(lab.director, ['doctor', '--json', ...args]);
      const report = JSON.parse(doctor.stdout) as { findings: { id: string; severity: string; subject: string; what: string }[] };
      const fill = report.findings.find((f) => f.id === 'ban-set-fill');
      t.like(fill, { severity: 'warning', subject: 'inet lbfw_ban ban4' });
      t.regex(fill?.what ?? '', /holds 14 of 16 elements \(88%\)/);
    },
    `${CONFIG}  set_size: 16\n`,
  );
});

serialSystemTest('the SYN-rate autoban bans a client that opens connections too fast, and never an exempt one', async (t) => {
  await withLab(
    async (lab, dir, args) => {
      t.is((await lbfwIn(lab.director, ['apply', ...args])).code, 0);
      const empty = path.join(dir, 'empty');
      await writeFile(empty, CONN_HEADER);
      // The first overlimit run sets up the ban table with its meters.
      t.is((await lbfwIn(lab.director, ['overlimit', '--conn-file', empty, ...args])).code, 0);
      t.true(await tcpConnects(lab.bad, DEMO.vip4, 80), 'one connection is within the rate');

      const flood = `const net=require('net');for(let i=0;i<40;i++){const s=net.connect(80,'${DEMO.vip4}');s.on('connect',()=>s.destroy());s.on('error',()=>{});s.setTimeout(1500,()=>s.destroy());}`;
      for (const ns of [lab.bad, lab.clean]) await ns.exec([process.execPath, '-e', flood]);

      const autoban = await banSet(lab.director, 'autoban4');
      t.regex(autoban, /198\.51\.100\.66/);
      t.false(autoban.includes(DEMO.clean4), 'the exempt client is never banned');
      t.false(await tcpConnects(lab.bad, DEMO.vip4, 80, 2));
      t.true(await tcpConnects(lab.clean, DEMO.vip4, 80));
      const listed = await lbfwIn(lab.director, ['ban', 'list', ...args]);
      t.regex(listed.stdout, /198\.51\.100\.66\tautoban4\texpires in \S+\tsyn-rate/);
    },
    `${CONFIG}  syn_rate: { rate: 5, burst: 5, ban_time: 1m }\n`,
  );
});

/** The ban sets as nft lists them (JSON), with the ever-changing `expires` left out. */
async function listedBans(ns: Netns): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const set of ['ban4', 'ban6']) {
    const data = JSON.parse(await ns.ok([NFT, '-j', 'list', 'set', 'inet', 'lbfw_ban', set])) as { nftables: { set?: { elem?: unknown[] } }[] };
    for (const item of data.nftables.find((i) => i.set !== undefined)?.set?.elem ?? []) {
      const { expires: _expires, ...rest } = (item as { elem: Record<string, unknown> }).elem;
      out.push(rest);
    }
  }
  return out;
}

serialSystemTest('bans put over netlink land with the same timeout and comment as nft writes them, and remove lifts them', async (t) => {
  const native = loadNative();
  if (typeof native === 'string') {
    t.fail(`the netlink binding is built for the system tests: ${native}`);
    return;
  }
  await withNamespace(async (ns) => {
    const spec = banTableSpec({ ...DIRECTOR, overlimit: DEFAULT_OVERLIMIT }, []);
    const nft = new NftBanCli({ netns: ns.name });
    const netlink = new NetlinkBanBackend(native, { netns: ns.name });
    await nft.ensure(spec);
    const bans = [
      { set: 'ban4' as const, address: '198.51.100.66', timeoutSeconds: 600, comment: 'lbfw overlimit: 150 ESTABLISHED > 100 (all services) top 192.0.2.10:80/tcp 2026-12-02T05:40Z offence 1' },
      { set: 'ban4' as const, address: '203.0.113.9', timeoutSeconds: 90061, comment: "operator: a comment with 'quotes' and ünïcode" },
      { set: 'ban4' as const, address: '198.51.100.67', timeoutSeconds: 45 },
      { set: 'ban6' as const, address: '2001:db8:1:2::', timeoutSeconds: 3600, comment: 'lbfw overlimit: /64' },
    ];
    await nft.put(bans);
    const byNft = await listedBans(ns);
    t.is(byNft.length, 4);
    await nft.remove(bans);
    t.deepEqual(await listedBans(ns), []);

    await netlink.put(bans);
    t.deepEqual(await listedBans(ns), byNft);
    // Again: an existing ban gets its new timeout and comment (add, delete, add in one batch).
    await netlink.put([{ ...bans[0]!, timeoutSeconds: 3600, comment: 'lbfw overlimit: re-asserted' }]);
    t.regex(await ns.ok([NFT, 'list', 'set', 'inet', 'lbfw_ban', 'ban4']), /198\.51\.100\.66 timeout 1h expires \S+ comment "lbfw overlimit: re-asserted"/);

    await netlink.remove([{ set: 'ban4', address: '198.51.100.66' }, { set: 'ban4', address: '198.51.100.250' }]);
    t.deepEqual((await nft.list()).map((b) => b.address).sort(), ['198.51.100.67', '2001:db8:1:2::', '203.0.113.9']);

    // The kernel's refusal names the message and changes nothing.
    await ns.ok([NFT, 'delete', 'table', 'inet', 'lbfw_ban']);
    const error = await t.throwsAsync(netlink.put(bans));
    t.regex(error?.message ?? '', /^the kernel refused the bans at add element inet lbfw_ban ban4: .*; nothing was changed$/);
  });
});
