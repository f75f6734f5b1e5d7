/**
 * The doctor on hosts firewalled by another tool (issue 12): a foreign nft
 * table or iptables-nft with the holes lbfw's own firewall closes. Each test
 * shows a hole with a real crafted packet that gets past the firewall, the
 * doctor names it by id, and with the protection (lbfw's table, or the
 * foreign firewall fixed) the packet is dropped and the finding is gone.
 */
import type { ExecutionContext } from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDoctorReport, type DoctorReport } from '../../src/lab/doctor-run.js';
import type { Netns } from '../../src/lab/netns.js';
import { ATTACK as A, createAttackLab, type AttackLab } from '../helpers/attack-lab.js';
import { probeInput, sendCrafted, type Crafted } from '../helpers/attack.js';
import { NFT, lbfwIn, systemTest, withTempDir } from '../helpers/system.js';

const DIRECTOR_CONFIG = `role: director
interfaces: { vip: eth0, realservers: eth2 }
services: ["${A.vip4}:80/tcp", "[${A.vip6}]:80/tcp"]
peers: [${A.peer4}, ${A.peerLl}]
realservers: [${A.rs4}]
management:
  sources: [203.0.113.0/24, 2001:db8:c::/64]
blacklist: static_blacklist
`;

const REALSERVER_CONFIG = `role: realserver
interfaces: { client: eth0 }
services: ["${A.vip4}:80/tcp"]
directors: [${A.directorRs4}]
addresses: [${A.rs4}]
blacklist: static_blacklist
`;

/** A director's nftables.conf as often written by hand: VRRP, ICMP and the ports accepted by protocol alone. */
const PERMISSIVE_NFT = `table inet filter {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif "lo" accept
    meta l4proto vrrp accept
    tcp dport { 22, 80 } accept
    meta l4proto { icmp, ipv6-icmp } accept
  }
}
`;

const HOLE_IDS = ['fw-vrrp-spoofable', 'fw-vrrp6-any-link-local', 'fw-ipv4-mapped', 'fw-invalid-accepted', 'fw-icmp-error-unrelated', 'fw-icmp-redirect', 'fw-forward-open', 'rs-fw-service-any-address'];

async function withLab(fn: (lab: AttackLab, dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const lab = await createAttackLab('lbfw-t-dff');
    try {
      await fn(lab, dir);
    } finally {
      await lab.destroy();
    }
  });
}

async function writeConfig(dir: string, node: string, config: string): Promise<string> {
  const configPath = path.join(dir, `${node}.yaml`);
  await writeFile(configPath, config);
  await writeFile(path.join(dir, 'static_blacklist'), '');
  return configPath;
}

async function doctor(t: ExecutionContext, ns: Netns, dir: string, configPath: string): Promise<DoctorReport> {
  const result = await lbfwIn(ns, ['doctor', '--json', '--config', configPath, '--state-dir', path.join(dir, `state-${ns.name}`)]);
  const report = parseDoctorReport(result.stdout);
  if (report === undefined) t.fail(`lbfw doctor printed no report (exit ${result.code}): ${result.stdout}${result.stderr}`);
  return report ?? { ok: false, role: '', findings: [], checksRun: [] };
}

const holes = (report: DoctorReport): string[] => [...new Set(report.findings.filter((f) => HOLE_IDS.includes(f.id)).map((f) => f.id))].sort();

const vrrp4 = (ttl: number): string => `IP(src='${A.peer4}', dst='224.0.0.18', ttl=${ttl})/VRRP(vrid=51, priority=255, addrlist=['${A.vip4}'])`;

systemTest("doctor: a director's foreign nft table lets a routed VRRP advert in; the doctor names every hole, and none once lbfw's firewall is loaded", async (t) => {
  await withLab(async (lab, dir) => {
    const configPath = await writeConfig(dir, 'director', DIRECTOR_CONFIG);
    await lab.director.ok([NFT, '-f', '-'], PERMISSIVE_NFT);
    await lab.director.sysctl('net.ipv4.ip_forward', '1');
    const probe = await probeInput(lab.director, { offlink: 'ip ttl 63 meta l4proto vrrp', peer: 'iifname "eth0" ip ttl 255 meta l4proto vrrp' });
    // The peer's address forged from the client LAN, routed (TTL 63); the real peer's advert as twin.
    const send = async (): Promise<Record<string, number>> => {
      await probe.reset();
      const attack: Crafted[] = [{ iface: 'eth0', packet: vrrp4(63), count: 5 }];
      await sendCrafted(lab.client, attack);
      await sendCrafted(lab.peer, [{ iface: 'eth0', packet: vrrp4(255), count: 3 }]);
      return probe.counts();
    };
    t.deepEqual(await send(), { offlink: 5, peer: 3 }, 'the foreign table lets the forged advert through');

    const before = await doctor(t, lab.director, dir, configPath);
    t.deepEqual(holes(before), ['fw-forward-open', 'fw-icmp-error-unrelated', 'fw-icmp-redirect', 'fw-invalid-accepted', 'fw-ipv4-mapped', 'fw-vrrp-spoofable', 'fw-vrrp6-any-link-local']);
    const ttl = before.findings.find((f) => f.id === 'fw-vrrp-spoofable' && /TTL 63/.test(f.what));
    t.regex(ttl?.what ?? '', /with the peer's source 192\.0\.2\.2 and TTL 63 .* is accepted on eth0: rule "meta l4proto vrrp accept" \(handle \d+\) of chain inet filter input accepts it/);
    t.regex(ttl?.fix ?? '', /nft insert rule inet filter input 'meta l4proto vrrp ip ttl != 255 drop'/);
    t.true(before.findings.filter((f) => HOLE_IDS.includes(f.id)).every((f) => f.severity === 'warning'));

    // The printed by-hand fix closes the hole; the advert is dropped and the finding goes.
    const fix = /nft insert rule (inet filter input) '([^']+)'/.exec(ttl?.fix ?? '');
    await lab.director.ok([NFT, 'insert', 'rule', ...(fix?.[1] ?? '').split(' '), fix?.[2] ?? '']);
    t.like(await send(), { offlink: 0, peer: 3 });
    t.false((await doctor(t, lab.director, dir, configPath)).findings.some((f) => f.id === 'fw-vrrp-spoofable' && /TTL 63/.test(f.what)));

    // lbfw's own table beside the foreign one: every hole is closed, the checks stay silent.
    const applied = await lbfwIn(lab.director, ['apply', '--only', 'firewall', '--config', configPath, '--state-dir', path.join(dir, 'state-apply')]);
    t.is(applied.code, 0, applied.stderr);
    await lab.director.ok([NFT, 'delete', 'rule', 'inet', 'filter', 'input', 'handle', await firstHandle(lab.director)]);
    t.like(await send(), { offlink: 0, peer: 3 });
    t.deepEqual(holes(await doctor(t, lab.director, dir, configPath)), []);
  });
});

/** The handle of the first rule of the foreign input chain (the drop inserted above). */
async function firstHandle(ns: Netns): Promise<string> {
  const listing = await ns.ok([NFT, '-a', 'list', 'chain', 'inet', 'filter', 'input']);
  const handle = /ip ttl != 255 drop # handle (\d+)/.exec(listing)?.[1];
  if (handle === undefined) throw new Error(`no inserted drop in:\n${listing}`);
  return handle;
}

systemTest("doctor: a real server's iptables-nft accepting its service port on every address is named; restricted to the VIP and its own address it is not", async (t) => {
  await withLab(async (lab, dir) => {
    const configPath = await writeConfig(dir, 'rs', REALSERVER_CONFIG);
    const open = [
      'iptables-nft -P INPUT DROP',
      'iptables-nft -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      'iptables-nft -A INPUT -p tcp --dport 80 -j ACCEPT',
      'ip6tables-nft -A INPUT -p tcp --dport 80 -j ACCEPT',
    ];
    await lab.rs.ok(['sh', '-c', open.join(' && ')]);
    const probe = await probeInput(lab.rs, { v6: `ip6 daddr ${A.rs6} tcp dport 80`, rip: `ip daddr ${A.rs4} tcp dport 80` });
    const packets: Crafted[] = [
      { iface: 'eth2', packet: `IPv6(src='${A.directorRs6}', dst='${A.rs6}')/TCP(sport=40003, dport=80, flags='S')`, count: 2 },
      { iface: 'eth2', packet: `IP(src='${A.directorRs4}', dst='${A.rs4}')/TCP(sport=40001, dport=80, flags='S')`, count: 2 },
    ];
    const delivered = async (): Promise<Record<string, number>> => {
      await probe.reset();
      await sendCrafted(lab.director, packets);
      return probe.counts();
    };
    t.deepEqual(await delivered(), { v6: 2, rip: 2 }, 'tcp/80 is open in IPv6 too');
    const before = await doctor(t, lab.rs, dir, configPath);
    const found = before.findings.filter((f) => f.id === 'rs-fw-service-any-address');
    t.deepEqual(found.map((f) => f.subject), [`tcp [${A.rs6}]:80 / ip6 filter INPUT`]);
    t.regex(found[0]?.fix ?? '', new RegExp(`ip6tables-nft -I INPUT -d ${A.rs6} -p tcp --dport 80 -j DROP`));

    // The twin: port 80 only on the VIP and the real server's own address, in IPv4; nothing open in IPv6.
    const restricted = [
      'iptables-nft -D INPUT -p tcp --dport 80 -j ACCEPT',
      `iptables-nft -A INPUT -d ${A.vip4},${A.rs4} -p tcp --dport 80 -j ACCEPT`,
      'ip6tables-nft -F INPUT',
      'ip6tables-nft -P INPUT DROP',
    ];
    await lab.rs.ok(['sh', '-c', restricted.join(' && ')]);
    t.deepEqual(await delivered(), { v6: 0, rip: 2 });
    t.deepEqual(holes(await doctor(t, lab.rs, dir, configPath)).filter((id) => id === 'rs-fw-service-any-address'), []);
  });
});
