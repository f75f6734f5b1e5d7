/**
 * The doctor's classes that need more than one broken lab fault: healthy
 * twins (a setup that looks unusual but works must give no error), the
 * firewalls the doctor reads through iptables (iptables-nft's xt matches,
 * legacy iptables), keepalived's health checks on the real servers' own
 * addresses, and VRRP with real keepalived (split brain, both MASTER,
 * detection of the daemon in this namespace only). Each step shows the
 * fault with real traffic or real VRRP, the doctor names it, the printed fix
 * makes it work and the finding go.
 */
import type { ExecutionContext } from 'ava';
import { errorFindings, findingIds, type DoctorReport } from '../../src/lab/doctor-run.js';
import { startKeepalived, stopKeepalived } from '../../src/lab/keepalived.js';
import { tcpConnects } from '../../src/lab/netns.js';
import { probeVip } from '../../src/lab/probe.js';
import { keepalivedNode, keepalivedPathOf, LAB, vipHolders, waitForVipHolders, type Lab, type LbfwNodeName } from '../../src/lab/topology.js';
import { doctor, one, runPrinted, sh, show, vrrpTest, withHealthyLab } from '../helpers/doctor-lab.js';
import { systemTest } from '../helpers/system.js';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** waitForZombie polls /proc (every 20 ms, 10 s at most) until a process named `comm` is a zombie. */
async function waitForZombie(comm: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    for (const pid of (await readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (stat.includes(`(${comm}) Z`)) return;
    }
    if (Date.now() > deadline) throw new Error(`no zombie ${comm} within 10 s`);
    await delay(20);
  }
}

/** twin: a change that looks like a mistake but is not: traffic works and the node's doctor has no error. */
async function twin(t: ExecutionContext, lab: Lab, node: LbfwNodeName, what: string, change: string, revert: string): Promise<DoctorReport> {
  await sh(lab, node, change);
  const probe = await probeVip(lab);
  t.true(probe.ok, `${what}: traffic must work:\n${show(probe)}`);
  const report = await doctor(t, lab, node);
  t.deepEqual(errorFindings(report).map((f) => `${f.id}: ${f.what}`), [], `${what}: no error`);
  await sh(lab, node, revert);
  return report;
}

systemTest('healthy twins give no error; iptables-nft, legacy iptables and health-check blocks are shown, named and fixed', async (t) => {
  await withHealthyLab(t, async (lab) => {
    await twin(t, lab, 'rs1', 'VIP on a NOARP interface (arp off) instead of lo', `ip link add nd0 type veth peer name nd1 && ip link set nd0 arp off && ip link set nd0 up && ip link set nd1 up && ip addr add ${LAB.vip}/32 dev nd0 && ip addr del ${LAB.vip}/32 dev lo`, `ip addr add ${LAB.vip}/32 dev lo && ip link del nd0`);
    await twin(t, lab, 'director', 'an ip6-only output drop on an IPv4 service', "nft 'add table ip6 t6; add chain ip6 t6 out { type filter hook output priority 0; policy drop; }'", 'nft delete table ip6 t6');
    await twin(t, lab, 'director', 'ct state invalid dropped with nf_conntrack_tcp_loose 1', "nft 'add table inet inv; add chain inet inv in { type filter hook input priority -10; }; add rule inet inv in ct state invalid drop'", 'nft delete table inet inv');
    const loDown = await twin(t, lab, 'rs1', 'lo down on a real server', 'ip link set lo down', 'ip link set lo up');
    const lo = one(t, loDown, 'lo-down');
    t.is(lo?.severity, 'warning');
    t.regex(lo?.breaks ?? '', /nothing reaches 127\.0\.0\.1.*DR traffic for the VIPs on lo is still delivered/);
    await sh(lab, 'rs1', 'ip link set lo down');
    t.not((await lab.sh('rs1', 'ping -c1 -W1 127.0.0.1')).code, 0, 'with lo down loopback traffic fails, as the doctor says');
    await runPrinted(t, lab, 'rs1', lo);
    t.is((await lab.sh('rs1', 'ping -c1 -W1 127.0.0.1')).code, 0);
    t.false(findingIds(await doctor(t, lab, 'rs1')).includes('lo-down'));

    // iptables-nft: its conntrack and multiport matches are read back from iptables-nft-save.
    const rules = (ports: string) =>
      `iptables-nft -P INPUT DROP && iptables-nft -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT && iptables-nft -A INPUT -p tcp -m multiport --dports ${ports} -j ACCEPT`;
    await twin(t, lab, 'rs1', 'iptables-nft accepting the VIP port by multiport', rules('22,80'), 'iptables-nft -P INPUT ACCEPT && iptables-nft -F INPUT');
    await sh(lab, 'rs1', rules('22,443'));
    const blocked = await probeVip(lab);
    t.false(blocked.ok, show(blocked));
    const nftFinding = one(t, await doctor(t, lab, 'rs1'), 'rs-fw-blocks-vip');
    t.regex(nftFinding?.what ?? '', /chain ip filter INPUT \(hook input, policy drop\) has no rule that accepts it/);
    await runPrinted(t, lab, 'rs1', nftFinding);
    t.true((await probeVip(lab)).ok);
    const after = await doctor(t, lab, 'rs1');
    t.false(findingIds(after).includes('rs-fw-blocks-vip'));
    t.false(findingIds(after).includes('fw-unjudged'), JSON.stringify(after.findings));
    await sh(lab, 'rs1', 'iptables-nft -P INPUT ACCEPT && iptables-nft -F INPUT && nft delete table ip filter');

    // legacy iptables: invisible to nft, read with iptables-legacy-save.
    await sh(lab, 'rs1', `iptables-legacy -A INPUT -d ${LAB.vip}/32 -p tcp --dport ${LAB.port} -j DROP`);
    const legacyBlocked = await probeVip(lab);
    t.false(legacyBlocked.ok, show(legacyBlocked));
    const legacy = await doctor(t, lab, 'rs1');
    t.regex(one(t, legacy, 'rs-fw-blocks-vip')?.what ?? '', /iptables-legacy-save line \d+: -A INPUT -d 203\.0\.113\.10\/32 -p tcp -m tcp --dport 80 -j DROP.*chain ip iptables-legacy filter INPUT drops it/);
    t.regex(one(t, legacy, 'fw-legacy-iptables')?.what ?? '', /legacy ip_tables tables exist in this namespace \(filter\) with 1 rule/);
    await sh(lab, 'rs1', `iptables-legacy -D INPUT -d ${LAB.vip}/32 -p tcp --dport ${LAB.port} -j DROP`);
    t.true((await probeVip(lab)).ok);
    t.false(findingIds(await doctor(t, lab, 'rs1')).includes('rs-fw-blocks-vip'));

    // A firewall that accepts VIP:80 but drops RIP:80: clients work, keepalived's health checks do not.
    await sh(lab, 'rs1', `nft 'add table inet hc; add chain inet hc input { type filter hook input priority 0; policy drop; }; add rule inet hc input ct state established,related accept; add rule inet hc input ip daddr ${LAB.vip} tcp dport ${LAB.port} accept'`);
    t.true((await probeVip(lab)).ok, 'VIP traffic still works');
    t.false(await tcpConnects(lab.director.ns, LAB.lan.rs1, LAB.port, 2), "the director's health check to rs1's own address fails");
    const hc = one(t, await doctor(t, lab, 'rs1'), 'rs-fw-blocks-health-check');
    t.is(hc?.severity, 'error');
    await runPrinted(t, lab, 'rs1', hc);
    t.true(await tcpConnects(lab.director.ns, LAB.lan.rs1, LAB.port, 2));
    t.false(findingIds(await doctor(t, lab, 'rs1')).includes('rs-fw-blocks-health-check'));
  });
});

vrrpTest('real keepalived: dropping VRRP between the directors gives split brain; fw-blocks-vrrp names it; its fix ends it', async (t) => {
  await withHealthyLab(t, async (lab) => {
    t.deepEqual(await vipHolders(lab), ['director']);
    // director2's firewall (another tool's table) drops VRRP: it stops hearing the MASTER.
    await sh(lab, 'director2', "nft 'add table inet filter; add chain inet filter input { type filter hook input priority 0; policy accept; }; add rule inet filter input meta l4proto vrrp drop'");
    t.deepEqual((await waitForVipHolders(lab, ['director', 'director2'])).sort(), ['director', 'director2'], 'split brain: both hold the VIP');
    const finding = one(t, await doctor(t, lab, 'director2'), 'fw-blocks-vrrp');
    t.is(finding?.severity, 'error');
    t.regex(finding?.what ?? '', /VRRP \(IP protocol 112\) from peer 203\.0\.113\.1/);
    await runPrinted(t, lab, 'director2', finding);
    t.deepEqual(await waitForVipHolders(lab, ['director']), ['director'], 'director2 hears the MASTER again and gives the VIP back');
    t.false(findingIds(await doctor(t, lab, 'director2')).includes('fw-blocks-vrrp'));
    t.true((await probeVip(lab)).ok);
  });
});

vrrpTest('real keepalived: both directors MASTER with equal priority; after a restart the intended master never gets the VIP back; the fix restores it', async (t) => {
  await withHealthyLab(t, async (lab) => {
    const peerConf = keepalivedPathOf(lab, 'director2');
    const healthy = await readFile(peerConf, 'utf8');
    const peer = keepalivedNode(lab, 'director2');
    const master = keepalivedNode(lab, 'director');
    const restart = async (node: typeof peer): Promise<void> => {
      await stopKeepalived(node);
      await startKeepalived(node);
    };
    await writeFile(peerConf, healthy.replace('state BACKUP', 'state MASTER').replace('priority 100', 'priority 150'));
    await restart(peer);
    t.deepEqual(await waitForVipHolders(lab, ['director']), ['director']);
    // The director meant to be MASTER restarts (an upgrade, a reboot): director2 takes over and, at equal priority, keeps the VIP.
    await stopKeepalived(master);
    t.deepEqual(await waitForVipHolders(lab, ['director2']), ['director2']);
    await startKeepalived(master);
    t.deepEqual(await waitForVipHolders(lab, ['director'], 6000), ['director2'], 'the director never gets the VIP back');
    const finding = one(t, await doctor(t, lab, 'director', ['--peer-keepalived', peerConf]), 'keepalived-both-master');
    t.regex(finding?.what ?? '', /both have state MASTER and priority 150 for virtual_router_id 51/);
    t.regex(finding?.fix ?? '', /set state BACKUP and a lower priority/);
    await writeFile(peerConf, healthy);
    await restart(peer);
    t.deepEqual(await waitForVipHolders(lab, ['director']), ['director']);
    t.false(findingIds(await doctor(t, lab, 'director', ['--peer-keepalived', peerConf])).includes('keepalived-both-master'));
  });
});

vrrpTest('keepalived is detected by its process in this namespace, not by a command line or another namespace', async (t) => {
  await withHealthyLab(t, async (lab) => {
    t.false(findingIds(await doctor(t, lab, 'director')).includes('keepalived-not-running'));
    await stopKeepalived(keepalivedNode(lab, 'director'));
    // A process whose command line names keepalived is not keepalived.
    const decoy = lab.sh('director', 'exec sleep 20 keepalived keepalived.conf');
    // Nor is a keepalived that has exited and is not reaped (its parent, sleep, never waits).
    const zombie = lab.sh('director', 'keepalived --version >/dev/null 2>&1 & exec sleep 20');
    await waitForZombie('keepalived');
    const report = await doctor(t, lab, 'director');
    const finding = one(t, report, 'keepalived-not-running');
    t.regex(finding?.what ?? '', /not running in this network namespace.*keepalived runs in another network namespace: pid \d+/);
    await startKeepalived(keepalivedNode(lab, 'director'));
    t.deepEqual(await waitForVipHolders(lab, ['director']), ['director']);
    t.false(findingIds(await doctor(t, lab, 'director')).includes('keepalived-not-running'));
    void decoy.catch(() => undefined);
    void zombie.catch(() => undefined);
  });
});
