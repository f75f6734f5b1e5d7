/**
 * More of the doctor's classes with real traffic through the DR lab, each
 * in both directions: the fault shown by real requests (and by what the
 * kernel counted), the doctor naming it, the fix run exactly as the doctor
 * printed it (read from `lbfw doctor --json`) making requests work and the
 * finding go; and the healthy twin that looks alike but works, with no
 * error.
 */
import type { ExecutionContext } from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorFindings, findingIds, type DoctorFixSteps } from '../../src/lab/doctor-run.js';
import { restartHttpService } from '../../src/lab/http-service.js';
import { answeredNodes, probeVip, symptomsOf } from '../../src/lab/probe.js';
import { holdsAddress, keepalivedPid, startKeepalived, stopKeepalived, waitFor } from '../../src/lab/keepalived.js';
import { macOf } from '../../src/lab/dr-lab.js';
import { parseArping } from '../../src/doctor/probe.js';
import { applyLbfw, DIRECTORS, keepalivedNode, keepalivedPathOf, LAB, reloadKeepalived, waitForVipHolders } from '../../src/lab/topology.js';
import { doctor, one, runPrinted, sh, show, vrrpTest, withHealthyLab } from '../helpers/doctor-lab.js';
import { systemTest } from '../helpers/system.js';

/** Another tool's firewall on the director: drop what conntrack calls invalid, before IPVS (input, priority -10). */
const INVALID_DROP = `nft -f - <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority -10; policy accept;
		ct state invalid counter drop
	}
}
EOF`;

/** invalidDropped reads how many packets the invalid-drop rule dropped. */
async function invalidDropped(lab: Parameters<typeof sh>[0]): Promise<number> {
  const listed = await lab.sh('director', 'nft list chain inet filter input');
  const count = /ct state invalid counter packets (\d+)/.exec(listed.stdout)?.[1];
  if (count === undefined) throw new Error(`no invalid-drop counter in:\n${listed.stdout}${listed.stderr}`);
  return Number(count);
}

/** halfOpen: the real servers' sockets for the VIP stuck in SYN-RECV (the SYN arrived, the client's ACK did not). */
async function halfOpen(lab: Parameters<typeof sh>[0]): Promise<string[]> {
  const lines: string[] = [];
  for (const node of ['rs1', 'rs2'] as const) {
    const listed = await lab.sh(node, `ss -Htn state syn-recv '( sport = :${LAB.port} )'`);
    lines.push(...listed.stdout.split('\n').filter((l) => l.includes(`${LAB.vip}:${LAB.port}`)).map((l) => `${node}: ${l.trim()}`));
  }
  return lines;
}

/** The two ways the conntrack-tcp-loose fix offers: the command to run, and the alternative in its note (`or accept the VIP services before that rule: CMD`). */
function fixAlternatives(steps: DoctorFixSteps | undefined): [string, string] | undefined {
  const accept = /^or accept the VIP services before that rule: (.+)$/.exec(steps?.note ?? '')?.[1];
  return steps?.run.length !== 1 || accept === undefined ? undefined : [steps.run[0] ?? '', accept];
}

systemTest("conntrack-tcp-loose: with lbfw's notrack VIP traffic is untracked and works (no finding); under another tool's invalid drop the second packet of each DR flow dies, the doctor names it and both printed fixes work", async (t) => {
  await withHealthyLab(t, async (lab) => {
    await sh(lab, 'director', INVALID_DROP);
    await lab.director.ns.sysctl('net.netfilter.nf_conntrack_tcp_loose', '0');

    // Twin: lbfw's table untracks VIP service traffic in its raw-priority prerouting chain.
    const untracked = await probeVip(lab);
    t.true(untracked.ok, `with lbfw's table, requests work:\n${show(untracked)}`);
    t.is(await invalidDropped(lab), 0, 'untracked VIP packets are never ct state invalid');
    const twin = await doctor(t, lab, 'director');
    t.false(findingIds(twin).includes('conntrack-tcp-loose'), JSON.stringify(twin.findings, null, 2));
    t.deepEqual(errorFindings(twin).map((f) => `${f.id}: ${f.what}`), []);

    // The fault: the director is firewalled by the other tool alone.
    await sh(lab, 'director', 'nft delete table inet lbfw');
    const broken = await probeVip(lab);
    t.false(broken.ok, show(broken));
    t.true((await invalidDropped(lab)) > 0, 'the invalid-drop rule dropped packets');
    t.not((await halfOpen(lab)).length, 0, 'a real server got the SYN and waits in SYN-RECV for the ACK the director dropped');
    const finding = one(t, await doctor(t, lab, 'director'), 'conntrack-tcp-loose');
    t.is(finding?.severity, 'error');
    t.regex(finding?.what ?? '', /nf_conntrack_tcp_loose is 0 and rule "ct state invalid drop" \(handle \d+\) of chain inet filter input drops it for tcp 203\.0\.113\.10:80/);
    const [sysctl, accept] = fixAlternatives(finding?.fixSteps) ?? [];
    t.truthy(accept, `two alternatives expected in: ${finding?.fix ?? ''}`);

    // Second alternative as printed: accept the VIP service before the invalid drop.
    await sh(lab, 'director', accept ?? 'false');
    const accepted = await probeVip(lab);
    t.true(accepted.ok, `after \`${accept ?? ''}\`:\n${show(accepted)}`);
    t.false(findingIds(await doctor(t, lab, 'director')).includes('conntrack-tcp-loose'));

    // First alternative as printed, on the firewall as it was.
    await sh(lab, 'director', 'nft delete table inet filter');
    await sh(lab, 'director', INVALID_DROP);
    t.false((await probeVip(lab)).ok, 'the fault is back');
    await sh(lab, 'director', sysctl ?? 'false');
    const loose = await probeVip(lab);
    t.true(loose.ok, `after \`${sysctl ?? ''}\`:\n${show(loose)}`);
    t.false(findingIds(await doctor(t, lab, 'director')).includes('conntrack-tcp-loose'));
  });
});

systemTest('keepalived-fwmark-unset: a fwmark virtual_server without a rule setting its mark refuses every client; the printed mark rule makes IPVS take them, with no error left', async (t) => {
  await withHealthyLab(t, async (lab) => {
    // The service as a firewall-mark virtual_server; lbfw.yaml lists it (lbfw cannot read a fwmark service's address and port).
    for (const node of DIRECTORS) {
      const conf = keepalivedPathOf(lab, node);
      await writeFile(conf, (await readFile(conf, 'utf8')).replace(`virtual_server ${LAB.vip} ${LAB.port} {`, 'virtual_server fwmark 1 {'));
      const yaml = path.join(lab[node].dir, 'lbfw.yaml');
      await writeFile(yaml, `${await readFile(yaml, 'utf8')}services:\n  - "${LAB.vip}:${LAB.port}/tcp"\n`);
    }
    const applied = await applyLbfw(lab, DIRECTORS);
    for (const node of DIRECTORS) t.is(applied[node]?.code, 0, `lbfw apply on ${node}: ${applied[node]?.stdout}${applied[node]?.stderr}`);
    await reloadKeepalived(lab);

    const broken = await probeVip(lab);
    t.false(broken.ok, show(broken));
    t.deepEqual(symptomsOf(broken), ['refused'], `unmarked, the VIP's packets reach the director's own stack, where nothing listens:\n${show(broken)}`);
    const finding = one(t, await doctor(t, lab, 'director'), 'keepalived-fwmark-unset');
    t.is(finding?.severity, 'error');
    t.regex(finding?.what ?? '', /virtual_server fwmark 1 \(.*keepalived\.conf:\d+\) matches packets carrying mark 1, and no rule of the nftables ruleset sets that mark/);

    await runPrinted(t, lab, 'director', finding);
    const fixed = await probeVip(lab);
    t.true(fixed.ok, `after \`${finding?.fix ?? ''}\`:\n${show(fixed)}`);
    t.deepEqual(answeredNodes(fixed), ['rs1', 'rs2']);
    const after = await doctor(t, lab, 'director');
    t.false(findingIds(after).includes('keepalived-fwmark-unset'));
    t.deepEqual(errorFindings(after).map((f) => `${f.id}: ${f.what}`), [], 'the marked fwmark service is a healthy twin');
  });
});

/**
 * refusedBy starts keepalived on both directors and asserts that each exits
 * with a permanent CONFIG error after logging `message`: startKeepalived
 * refuses to call it started (a pid file seen in the moment before keepalived
 * exits is not a running daemon), and the daemon is gone.
 */
async function refusedBy(t: ExecutionContext, lab: Parameters<typeof sh>[0], message: RegExp): Promise<void> {
  for (const node of DIRECTORS) await stopKeepalived(keepalivedNode(lab, node));
  for (const node of DIRECTORS) {
    await t.throwsAsync(startKeepalived(keepalivedNode(lab, node)), { message: /^keepalived (did not start|exited right after starting) in / }, `${node}: not reported as started`);
    t.true(await waitFor(async () => ((await keepalivedPid(keepalivedNode(lab, node))) === undefined ? true : undefined), 10000), `${node}: keepalived exits`);
    const log = await readFile(path.join(lab[node].dir, 'keepalived.log'), 'utf8');
    t.regex(log, new RegExp(`${message.source}[\\s\\S]*exited with permanent error CONFIG`), `${node}: keepalived refuses the file`);
  }
}

/** restartKeepalived stands for `systemctl reload keepalived` on both directors (stop, start: the lab's keepalived has no unit). */
async function restartKeepalived(lab: Parameters<typeof sh>[0]): Promise<void> {
  for (const node of DIRECTORS) await stopKeepalived(keepalivedNode(lab, node));
  for (const node of DIRECTORS) await startKeepalived(keepalivedNode(lab, node));
}

vrrpTest("vrrp-iface-missing: real keepalived refuses a configuration whose VIP dev does not exist and nobody holds the VIP; the doctor names keepalived.conf:line (no flag), and the edit it prints brings the VIP and the traffic back", async (t) => {
  await withHealthyLab(t, async (lab) => {
    t.deepEqual(errorFindings(await doctor(t, lab, 'director')).map((f) => f.id), [], 'the healthy twin: the VIP with dev eth0');
    // The mistake in the file both directors share: the VIP on an interface these hosts do not have.
    for (const node of DIRECTORS) {
      const conf = keepalivedPathOf(lab, node);
      await writeFile(conf, (await readFile(conf, 'utf8')).replace(`${LAB.vip}/32 dev eth0`, `${LAB.vip}/32 dev eth9`));
    }
    await refusedBy(t, lab, /Non-existent interface specified in configuration/);
    t.deepEqual(await waitForVipHolders(lab, []), [], 'no director holds the VIP');
    const broken = await probeVip(lab);
    t.false(broken.ok, show(broken));
    const finding = one(t, await doctor(t, lab, 'director'), 'vrrp-iface-missing');
    t.is(finding?.severity, 'error');
    t.regex(finding?.what ?? '', /virtual_ipaddress 203\.0\.113\.10 of vrrp_instance VI_1 \(.*keepalived\.conf:\d+\) names dev eth9, which does not exist here/);
    t.notRegex(`${finding?.what ?? ''} ${finding?.fix ?? ''}`, /--iface|interfaces\.vip/, 'the source is keepalived.conf, not a flag that was not given');
    t.regex(finding?.breaks ?? '', /refuses the whole configuration/);
    // The fix as printed: "set dev to the VIP interface at FILE:LINE, then systemctl reload keepalived".
    const at = /^set dev to the VIP interface at (.+):(\d+), then systemctl reload keepalived$/.exec(finding?.fix ?? '');
    t.truthy(at, finding?.fix);
    const line = Number(at?.[2]);
    for (const node of DIRECTORS) {
      const conf = keepalivedPathOf(lab, node);
      const lines = (await readFile(conf, 'utf8')).split('\n');
      t.regex(lines[line - 1] ?? '', /dev eth9/, `${conf}:${line} is the line the doctor named`);
      lines[line - 1] = (lines[line - 1] ?? '').replace('dev eth9', 'dev eth0');
      await writeFile(conf, lines.join('\n'));
    }
    await restartKeepalived(lab);
    t.deepEqual(await waitForVipHolders(lab, ['director']), ['director']);
    const fixed = await probeVip(lab);
    t.true(fixed.ok, show(fixed));
    t.false(findingIds(await doctor(t, lab, 'director')).includes('vrrp-iface-missing'));
  });
});

/** The lab's second VIP, of a second vrrp_instance. */
const VIP2 = '203.0.113.20';

/** withSecondInstance adds a copy of VI_1 (same roles) named VI_2, holding VIP2, with `vrid`, to a keepalived.conf text. */
function withSecondInstance(text: string, vrid: number): string {
  const start = text.indexOf('vrrp_instance VI_1 {');
  const end = text.indexOf('\n}\n', start) + 3;
  const copy = text.slice(start, end).replace('VI_1', 'VI_2').replace('virtual_router_id 51', `virtual_router_id ${vrid}`).replace(`${LAB.vip}/32`, `${VIP2}/32`);
  return `${text.slice(0, end)}\n${copy}${text.slice(end)}`;
}

vrrpTest('keepalived-duplicate-vrid: real keepalived refuses two instances sharing virtual_router_id 51 on eth0 and nobody holds the VIP; the doctor names the duplicate once and no both-MASTER; own router ids fix it', async (t) => {
  await withHealthyLab(t, async (lab) => {
    const healthy = new Map<string, string>();
    for (const node of DIRECTORS) {
      const conf = keepalivedPathOf(lab, node);
      healthy.set(node, await readFile(conf, 'utf8'));
      await writeFile(conf, withSecondInstance(healthy.get(node) ?? '', 51));
    }
    await refusedBy(t, lab, /duplicate VRID conflict with VI_2 VRID 51/);
    t.deepEqual(await waitForVipHolders(lab, []), []);
    const broken = await probeVip(lab);
    t.false(broken.ok, show(broken));
    const report = await doctor(t, lab, 'director', ['--peer-keepalived', keepalivedPathOf(lab, 'director2')]);
    const finding = one(t, report, 'keepalived-duplicate-vrid');
    t.is(finding?.severity, 'error');
    t.regex(finding?.what ?? '', /vrrp_instances VI_1 \(.*:\d+\), VI_2 \(.*:\d+\) all use virtual_router_id 51 on eth0/);
    t.regex(finding?.breaks ?? '', /refuses the whole configuration/);
    t.false(findingIds(report).includes('keepalived-both-master'), JSON.stringify(report.findings, null, 2));

    // The fix as printed: each instance its own virtual_router_id on both directors, then keepalived again.
    t.regex(finding?.fix ?? '', /give each vrrp_instance on eth0 its own virtual_router_id \(1-255\) on both directors/);
    for (const node of DIRECTORS) await writeFile(keepalivedPathOf(lab, node), withSecondInstance(healthy.get(node) ?? '', 52));
    for (const node of DIRECTORS) await startKeepalived(keepalivedNode(lab, node));
    t.deepEqual(await waitForVipHolders(lab, ['director']), ['director']);
    t.true(await holdsAddress(lab.director.ns, 'eth0', VIP2), `the MASTER holds ${VIP2} too`);
    const fixed = await probeVip(lab);
    t.true(fixed.ok, show(fixed));
    const after = await doctor(t, lab, 'director', ['--peer-keepalived', keepalivedPathOf(lab, 'director2')]);
    t.false(findingIds(after).includes('keepalived-duplicate-vrid'));
    t.deepEqual(errorFindings(after).map((f) => `${f.id}: ${f.what}`), []);
  });
});

/** The IPv6 addresses of the ND test (documentation prefix). */
const V6 = { prefix: 64, client: '2001:db8::100', rs1: '2001:db8::11', vip: '2001:db8::10' } as const;

/** ndAnswer resolves `address` from the client by neighbour discovery and says whose MAC answered ('' when nobody did). */
async function ndAnswer(lab: Parameters<typeof sh>[0], address: string): Promise<string> {
  await lab.sh('client', 'ip -6 neigh flush dev eth0');
  await lab.sh('client', `ping -6 -c1 -W1 ${address}`);
  const neigh = await lab.sh('client', `ip -6 -j neigh show ${address} dev eth0`);
  const entry = (JSON.parse(neigh.stdout || '[]') as { lladdr?: string }[])[0];
  const mac = entry?.lladdr?.toLowerCase() ?? '';
  return [lab.director, lab.director2, lab.rs1, lab.rs2].find((n) => n.mac === mac)?.name ?? mac;
}

systemTest('IPv6 VIPs: a real server whose VIPs are all IPv6 gets no ARP finding (the kernel answers no ND for lo, shown by real ND); the VIP on eth0 is answered by ND, named in ND terms, and the printed fix ends it', async (t) => {
  await withHealthyLab(t, async (lab) => {
    await sh(lab, 'client', `ip -6 addr add ${V6.client}/${V6.prefix} dev eth0 nodad`);
    // An IPv6 real server: its own address, the VIP on lo, a route back to IPv6 clients, a dual-stack service.
    await sh(lab, 'rs1', `ip -6 addr add ${V6.rs1}/${V6.prefix} dev eth0 nodad && ip -6 addr add ${V6.vip}/128 dev lo && ip addr del ${LAB.vip}/32 dev lo && ip -6 route add default via ${V6.client} dev eth0`);
    await restartHttpService(lab.rs1.ns, { name: 'rs1', host: '::', port: LAB.port });
    const yaml = path.join(lab.rs1.dir, 'lbfw.yaml');
    await writeFile(yaml, (await readFile(yaml, 'utf8')).replace(`"${LAB.vip}:${LAB.port}/tcp"`, `"[${V6.vip}]:${LAB.port}/tcp"`));
    t.is((await lab.lbfw('rs1', ['apply'])).code, 0);
    // The kernel's defaults, which answer ARP for any local address: for IPv6 VIPs they do not matter.
    for (const key of ['all', 'eth0']) {
      await lab.rs1.ns.sysctl(`net.ipv4.conf.${key}.arp_ignore`, '0');
      await lab.rs1.ns.sysctl(`net.ipv4.conf.${key}.arp_announce`, '0');
    }

    t.is(await ndAnswer(lab, V6.rs1), 'rs1', "ND works on the LAN: rs1 answers for its own address");
    t.is(await ndAnswer(lab, V6.vip), '', 'nobody answers ND for the VIP on lo');
    const twin = await doctor(t, lab, 'rs1');
    t.deepEqual(twin.findings.filter((f) => f.id.startsWith('rs-arp')).map((f) => f.id), [], 'no ARP finding for IPv6 VIPs');
    t.deepEqual(errorFindings(twin).map((f) => `${f.id}: ${f.what}`), []);

    await sh(lab, 'rs1', `ip -6 addr add ${V6.vip}/128 dev eth0 nodad`);
    t.is(await ndAnswer(lab, V6.vip), 'rs1', 'with the VIP on eth0, rs1 answers ND for it: clients would bypass the director');
    const finding = one(t, await doctor(t, lab, 'rs1'), 'rs-vip-on-arp-iface');
    t.is(finding?.severity, 'error');
    t.regex(finding?.what ?? '', /VIP 2001:db8::10 is on eth0, which answers neighbour solicitations \(IPv6 ND\)/);
    t.notRegex(`${finding?.what ?? ''} ${finding?.breaks ?? ''}`, /\bARP\b/);
    await runPrinted(t, lab, 'rs1', finding);
    t.is(await ndAnswer(lab, V6.vip), '', `after \`${finding?.fix ?? ''}\` nobody answers ND for the VIP`);
    t.false(findingIds(await doctor(t, lab, 'rs1')).includes('rs-vip-on-arp-iface'));
  });
});

systemTest('fixes run as printed: given --config and --blacklist, the doctor repeats them, and its `lbfw apply` works without LBFW_CONFIG; loose rp_filter on the director is a warning whose "breaks" is true for the lab (traffic works)', async (t) => {
  await withHealthyLab(t, async (lab) => {
    const config = path.join(lab.rs1.dir, 'lbfw.yaml');
    for (const key of ['all', 'eth0']) await lab.rs1.ns.sysctl(`net.ipv4.conf.${key}.arp_ignore`, '0');
    const broken = await probeVip(lab);
    t.deepEqual(symptomsOf(broken), ['bypass'], show(broken));
    const finding = one(t, await doctor(t, lab, 'rs1', ['--config', config, '--blacklist', '/dev/null']), 'rs-arp-ignore');
    const apply = finding?.fixSteps?.run[0];
    t.deepEqual(finding?.fixSteps?.run, [`lbfw apply --config ${config} --blacklist /dev/null`], finding?.fix);
    // As printed, in a shell that has no LBFW_CONFIG: the flags alone name the host's config.
    await sh(lab, 'rs1', `unset LBFW_CONFIG; ${apply ?? 'false'}`);
    const fixed = await probeVip(lab);
    t.true(fixed.ok, show(fixed));
    t.false(findingIds(await doctor(t, lab, 'rs1', ['--config', config, '--blacklist', '/dev/null'])).includes('rs-arp-ignore'));

    // Loose reverse-path filtering on the director: the client has a route back, so nothing is dropped today.
    for (const key of ['all', 'eth0']) await lab.director.ns.sysctl(`net.ipv4.conf.${key}.rp_filter`, '2');
    const loose = await probeVip(lab);
    t.true(loose.ok, `with rp_filter 2 requests still work:\n${show(loose)}`);
    const report = await doctor(t, lab, 'director');
    const rp = report.findings.find((f) => f.id === 'rp-filter-vip');
    t.is(rp?.severity, 'warning', JSON.stringify(report.findings, null, 2));
    t.regex(rp?.breaks ?? '', /nothing today: loose mode drops only packets from sources with no route back at all/);
    t.deepEqual(errorFindings(report).map((f) => `${f.id}: ${f.what}`), []);
  });
});

vrrpTest("arp-claimed: a real server with the VIP on lo as /24 (arp_ignore 0) answers ARP for the peer director; with its MAC in the director's cache the unicast VRRP adverts go to it and both directors hold the VIP; doctor --probe names it, and lbfw apply there plus the printed flush leave one holder", async (t) => {
  await withHealthyLab(t, async (lab) => {
    t.deepEqual(await waitForVipHolders(lab, ['director']), ['director'], 'a healthy lab has one VIP holder');
    // The fault as on a fresh real server: the VIP on lo as /24, arp_ignore at the kernel default.
    await sh(lab, 'rs2', `ip addr del ${LAB.vip}/32 dev lo && ip addr add ${LAB.vip}/24 dev lo`);
    for (const key of ['all', 'eth0']) await lab.rs2.ns.sysctl(`net.ipv4.conf.${key}.arp_ignore`, '0');
    const rs2Mac = await macOf(lab.rs2.ns, 'eth0');
    const peerMac = await macOf(lab.director2.ns, 'eth0');
    const asked = await lab.exec('director', ['arping', '-w', '2', '-I', 'eth0', '-s', LAB.lan.director, LAB.peerDirector]);
    t.deepEqual(parseArping(asked.stdout), [rs2Mac, peerMac].sort(), `rs2 answers for the peer director too:\n${asked.stdout}`);

    // Which answer the director's cache keeps is a race; here rs2 has won it, as it will some day in production.
    // The entry is stale, so the kernel re-checks it by unicast to rs2, which answers for the address as its own.
    await sh(lab, 'director', `ip neigh replace ${LAB.peerDirector} lladdr ${rs2Mac} dev eth0 nud stale`);
    const split = await waitForVipHolders(lab, ['director', 'director2']);
    t.deepEqual([...split].sort(), ['director', 'director2'], 'director2 hears no adverts, becomes MASTER too: both hold the VIP');

    const report = await doctor(t, lab, 'director', ['--probe']);
    const claimed = report.findings.filter((f) => f.id === 'arp-claimed');
    t.deepEqual(claimed.map((f) => f.subject).sort(), [`${LAB.peerDirector} on eth0`, `${LAB.lan.rs1} on eth0`].sort(), JSON.stringify(report.findings, null, 2));
    const peer = claimed.find((f) => f.subject === `${LAB.peerDirector} on eth0`);
    t.is(peer?.severity, 'error');
    t.is(peer?.what, `ARP who-has ${LAB.peerDirector} (the peer director) on eth0 is answered by 2 hosts: ${[`${peerMac} (peer director ${LAB.peerDirector})`, `${rs2Mac} (real server ${LAB.lan.rs2}), which also answers for ${LAB.lan.rs1}`].sort().join(' and ')}`);
    t.regex(peer?.fix ?? '', new RegExp(`^on ${rs2Mac} \\(real server ${LAB.lan.rs2.replaceAll('.', '\\.')}\\): `));

    // The edit on rs2 (its own doctor says rs-vip-wide-prefix, fixed by lbfw apply), then this director's printed step.
    const applied = await lab.lbfw('rs2', ['apply']);
    t.is(applied.code, 0, `${applied.stdout}${applied.stderr}`);
    await runPrinted(t, lab, 'director', peer, { edited: true });
    t.deepEqual(await waitForVipHolders(lab, ['director']), ['director'], 'director2 hears the adverts again and goes BACKUP');
    const after = await doctor(t, lab, 'director', ['--probe']);
    t.deepEqual(after.findings.filter((f) => f.id === 'arp-claimed'), []);
  });
});
