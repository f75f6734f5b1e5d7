/**
 * Three more of the doctor's classes shown in namespaces: an IPv6
 * virtual_server whose real servers are IPv4 (real IPv6 requests through the
 * lab's IPv6 DR), a NAT director without ip_forward (real requests through a
 * NAT stand-in), and a global sysctl read inside a network namespace (what
 * the doctor can and cannot promise there). Style and helpers as in
 * doctor-classes-traffic.test.ts: the fault shown, the doctor naming it, the
 * fix as printed, the finding gone, and a healthy twin without error.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorFindings, findingIds } from '../../src/lab/doctor-run.js';
import { restartHttpService } from '../../src/lab/http-service.js';
import { applyLbfw, DIRECTORS, keepalivedPathOf, LAB, reloadKeepalived, type Lab } from '../../src/lab/topology.js';
import type { DoctorFixSteps } from '../../src/lab/doctor-run.js';
import type { ExecutionContext } from 'ava';
import { doctor, one, runPrinted, sh, withHealthyLab } from '../helpers/doctor-lab.js';
import { systemTest } from '../helpers/system.js';

/** The IPv6 addresses of the family test (documentation prefix): the LAN gets a /64 beside its IPv4 /24. */
const V6 = { prefix: 64, client: '2001:db8::100', director: '2001:db8::1', rs1: '2001:db8::11', vip: '2001:db8::10' } as const;

/** v6Service is an IPv6 DR virtual_server for V6.vip:80 with one real server, in the lab's keepalived.conf style. */
function v6Service(realServer: string): string {
  return `
virtual_server ${V6.vip} ${LAB.port} {
    delay_loop 6
    lvs_sched sh
    lvs_method DR
    protocol TCP
    real_server ${realServer} ${LAB.port} {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
`;
}

/** curlV6 is one HTTP request from the client to the IPv6 VIP: the body (the real server's name) or curl's error. */
async function curlV6(lab: Lab): Promise<{ ok: boolean; answer: string }> {
  await lab.sh('client', 'ip -6 neigh flush dev eth0');
  const result = await lab.sh('client', `curl -sS -g -m 2 http://[${V6.vip}]:${LAB.port}/`);
  return { ok: result.code === 0, answer: (result.code === 0 ? result.stdout : result.stderr).trim() };
}

systemTest('keepalived-family-mismatch: an IPv6 virtual_server whose real server is IPv4 serves no IPv6 request (keepalived drops the real server and ignores the empty service); the doctor names it, the IPv6 address at the line it names makes rs1 answer', async (t) => {
  await withHealthyLab(t, async (lab) => {
    // IPv6 on the LAN: the director holds the IPv6 VIP on eth0 (answering ND), rs1 holds it on lo (no ND for lo).
    await sh(lab, 'client', `ip -6 addr add ${V6.client}/${V6.prefix} dev eth0 nodad`);
    await sh(lab, 'director', `ip -6 addr add ${V6.director}/${V6.prefix} dev eth0 nodad && ip -6 addr add ${V6.vip}/128 dev eth0 nodad`);
    await sh(lab, 'rs1', `ip -6 addr add ${V6.rs1}/${V6.prefix} dev eth0 nodad && ip -6 addr add ${V6.vip}/128 dev lo`);
    await restartHttpService(lab.rs1.ns, { name: 'rs1', host: '::', port: LAB.port });
    const yaml = path.join(lab.rs1.dir, 'lbfw.yaml');
    await writeFile(yaml, (await readFile(yaml, 'utf8')).replace(`  - "${LAB.vip}:${LAB.port}/tcp"\n`, `  - "${LAB.vip}:${LAB.port}/tcp"\n  - "[${V6.vip}]:${LAB.port}/tcp"\n`));

    const healthy = new Map<string, string>();
    const writeService = async (realServer: string): Promise<void> => {
      for (const node of DIRECTORS) {
        const conf = keepalivedPathOf(lab, node);
        if (!healthy.has(node)) healthy.set(node, await readFile(conf, 'utf8'));
        await writeFile(conf, `${healthy.get(node) ?? ''}${v6Service(realServer)}`);
      }
      await reloadKeepalived(lab);
    };

    // The twin: the IPv6 service with rs1's IPv6 address.
    await writeService(V6.rs1);
    const applied = await applyLbfw(lab, ['director', 'director2', 'rs1']);
    for (const node of ['director', 'director2', 'rs1'] as const) t.is(applied[node]?.code, 0, `lbfw apply on ${node}: ${applied[node]?.stdout}${applied[node]?.stderr}`);
    const twinRequest = await curlV6(lab);
    t.deepEqual(twinRequest, { ok: true, answer: 'rs1' }, 'the IPv6 request reaches rs1 through the director');
    const twin = await doctor(t, lab, 'director');
    t.false(findingIds(twin).includes('keepalived-family-mismatch'));
    t.deepEqual(errorFindings(twin).map((f) => `${f.id}: ${f.what}`), []);

    // The fault: rs1 named by its IPv4 address under the IPv6 virtual_server.
    await writeService(LAB.lan.rs1);
    const broken = await curlV6(lab);
    t.false(broken.ok, `no real server serves the IPv6 VIP: ${broken.answer}`);
    // curl's exit 7 (a refused connect; a lost SYN would time out, exit 28): the director's own stack answered with a reset.
    t.regex(broken.answer, /^curl: \(7\) Failed to connect to 2001:db8::10 port 80 .*Couldn't connect to server$/, 'with no IPVS service the director itself answers: nothing listens there');
    const finding = one(t, await doctor(t, lab, 'director'), 'keepalived-family-mismatch');
    t.is(finding?.severity, 'error');
    t.regex(finding?.what ?? '', /^virtual_server 2001:db8::10 \(.*keepalived\.conf:\d+\) is IPv6 but real_server 203\.0\.113\.11 \(.*keepalived\.conf:\d+\) is IPv4$/);
    t.regex(finding?.breaks ?? '', /keepalived skips real_server 203\.0\.113\.11.*no real server left.*ignores the whole virtual_server/);

    // The fix as printed: "name 203.0.113.11's IPv6 address at FILE:LINE ..., then systemctl reload keepalived".
    const at = /^name 203\.0\.113\.11's IPv6 address at (.+):(\d+) \(or put it under a virtual_server of its own family\), then systemctl reload keepalived$/.exec(finding?.fix ?? '');
    t.truthy(at, finding?.fix);
    t.is(at?.[1], keepalivedPathOf(lab, 'director'));
    for (const node of DIRECTORS) {
      const conf = keepalivedPathOf(lab, node);
      const lines = (await readFile(conf, 'utf8')).split('\n');
      const line = Number(at?.[2]);
      t.regex(lines[line - 1] ?? '', new RegExp(`real_server ${LAB.lan.rs1.replaceAll('.', '\\.')} ${LAB.port}`), `${conf}:${line} is the line the doctor named`);
      lines[line - 1] = (lines[line - 1] ?? '').replace(LAB.lan.rs1, V6.rs1);
      await writeFile(conf, lines.join('\n'));
    }
    await reloadKeepalived(lab);
    t.deepEqual(await curlV6(lab), { ok: true, answer: 'rs1' }, 'after the fix the IPv6 request reaches rs1');
    const after = await doctor(t, lab, 'director');
    t.false(findingIds(after).includes('keepalived-family-mismatch'));
    t.deepEqual(errorFindings(after).map((f) => `${f.id}: ${f.what}`), []);
  });
});

/**
 * natCounters reads the emulation's counters: requests the director's "IPVS
 * NAT" rewrote and sent to a real server (input), and real server replies it
 * gave the VIP back after the forward hook's filters (forward).
 */
async function natCounters(lab: Lab): Promise<{ requests: number; replies: number }> {
  const listed = await lab.sh('director', 'nft list table ip lbfw_lab_dr');
  const sum = (chain: string): number => {
    const body = new RegExp(`chain ${chain} \\{([\\s\\S]*?)\\n\\t\\}`).exec(listed.stdout)?.[1] ?? '';
    return [...body.matchAll(/counter packets (\d+)/g)].reduce((total, m) => total + Number(m[1]), 0);
  };
  return { requests: sum('input'), replies: sum('forward') };
}

/** curlVip is one HTTP request from the client to the VIP by the uplink (192.0.2.100 to the director's eth1). */
async function curlVip(lab: Lab): Promise<{ ok: boolean; answer: string }> {
  const result = await lab.sh('client', `curl -sS -m 2 http://${LAB.vip}:${LAB.port}/`);
  return { ok: result.code === 0, answer: (result.code === 0 ? result.stdout : result.stderr).trim() };
}

/** The NAT fix as the doctor gives it in --json: `lbfw apply ...` to run, `sysctl -w ...` as the note's immediate alternative. */
function natFixParts(steps: DoctorFixSteps | undefined): [string, string] | undefined {
  const now = /^or at once, until the next boot: (sysctl -w \S+)$/.exec(steps?.note ?? '')?.[1];
  return steps?.run.length !== 1 || steps.edit !== undefined || now === undefined ? undefined : [steps.run[0] ?? '', now];
}

/**
 * natLab makes the lab's service a NAT one (keepalived.conf says `lb_kind
 * NAT`; lbfw.yaml says `forwarding: FORWARDING` or, when undefined, nothing:
 * lbfw derives it from keepalived.conf), applies lbfw on the directors, and
 * routes the real servers' and the client's traffic through the director.
 */
async function natLab(t: ExecutionContext, lab: Lab, forwarding: 'dr' | 'nat' | undefined): Promise<void> {
  for (const node of DIRECTORS) {
    const conf = keepalivedPathOf(lab, node);
    await writeFile(conf, (await readFile(conf, 'utf8')).replace('lvs_method DR', 'lb_kind NAT'));
    const yaml = path.join(lab[node].dir, 'lbfw.yaml');
    if (forwarding !== undefined) await writeFile(yaml, `${await readFile(yaml, 'utf8')}forwarding: ${forwarding}\n`);
  }
  await reloadKeepalived(lab);
  const applied = await applyLbfw(lab, DIRECTORS);
  for (const node of DIRECTORS) t.is(applied[node]?.code, 0, `lbfw apply on ${node}: ${applied[node]?.stdout}${applied[node]?.stderr}`);
  // NAT real servers route their replies through the director. Their own firewall (lbfw's DR real server
  // profile accepts the VIP, not RIP:80 from clients) is not what these tests judge: they run without one.
  for (const node of ['rs1', 'rs2'] as const) await sh(lab, node, `ip route replace default via ${LAB.lan.director} && nft delete table inet lbfw`);
  // The client reaches the VIP by the uplink, so the replies must come back through the director (on the LAN they would not).
  await sh(lab, 'client', `ip route add ${LAB.vip}/32 via ${LAB.uplink.director} dev eth2`);
}

/** lbfwForward reads lbfw's forward chain on the director: its policy and what its NAT reply rule accepted. */
async function lbfwForward(lab: Lab): Promise<{ policy: string; repliesAccepted: number }> {
  const listed = await lab.sh('director', 'nft list chain inet lbfw forward');
  const policy = /hook forward priority \S+; policy (\w+);/.exec(listed.stdout)?.[1] ?? `? (${listed.stdout}${listed.stderr})`;
  const accepted = /@rs_replies4 counter packets (\d+) bytes \d+ accept/.exec(listed.stdout)?.[1];
  return { policy, repliesAccepted: accepted === undefined ? 0 : Number(accepted) };
}

systemTest('NAT profile: a NAT director (lb_kind NAT) with ip_forward 0 forwards no real server reply and every request fails; the doctor judges it by director-nat and names ip_forward; both printed fixes make requests work, no error left', async (t) => {
  await withHealthyLab(t, async (lab) => {
    // The service by NAT: keepalived.conf says so, lbfw.yaml too (lbfw's forward chain then accepts the replies).
    await natLab(t, lab, 'nat');

    // The twin: lbfw's director-nat profile set ip_forward 1.
    t.is((await lab.sh('director', 'cat /proc/sys/net/ipv4/ip_forward')).stdout.trim(), '1');
    const served = await curlVip(lab);
    t.true(served.ok && /^rs[12]$/.test(served.answer), `by NAT a real server answers: ${served.answer}`);
    t.true((await natCounters(lab)).replies > 0, 'its replies were forwarded and given the VIP back');
    const twin = await doctor(t, lab, 'director');
    t.is(twin.findings.filter((f) => f.id === 'lbfw-sysctl').length, 0, JSON.stringify(twin.findings, null, 2));
    t.deepEqual(errorFindings(twin).map((f) => `${f.id}: ${f.what}`), []);

    const breakForwarding = async (): Promise<void> => {
      await lab.director.ns.sysctl('net.ipv4.ip_forward', '0');
      const before = await natCounters(lab);
      const broken = await curlVip(lab);
      t.false(broken.ok, broken.answer);
      t.regex(broken.answer, /timed out/, 'the SYN-ACK never comes back: the request waits until curl gives up');
      const after = await natCounters(lab);
      t.true(after.requests > before.requests, 'the requests reached the director and went to a real server');
      t.is(after.replies, before.replies, 'no reply of a real server was forwarded');
    };
    await breakForwarding();
    const report = await doctor(t, lab, 'director');
    const finding = report.findings.find((f) => f.id === 'lbfw-sysctl' && f.subject === 'net.ipv4.ip_forward');
    t.is(finding?.severity, 'error', JSON.stringify(report.findings, null, 2));
    t.regex(finding?.what ?? '', /net\.ipv4\.ip_forward.* 0.*\(profile director-nat\)/);
    t.regex(finding?.breaks ?? '', /replies are routed through the director, which must forward them/);
    const [apply, now] = natFixParts(finding?.fixSteps) ?? [];
    t.is(apply, `lbfw apply --config ${path.join(lab.director.dir, 'lbfw.yaml')} --keepalived ${keepalivedPathOf(lab, 'director')} --profile director-nat`, finding?.fix);
    t.is(now, 'sysctl -w net.ipv4.ip_forward=1', finding?.fix);

    // First fix as printed, in a shell without LBFW_CONFIG: the flags alone name the host's files.
    await sh(lab, 'director', `unset LBFW_CONFIG; ${apply ?? 'false'}`);
    const fixed = await curlVip(lab);
    t.true(fixed.ok, `after \`${apply ?? ''}\`: ${fixed.answer}`);
    const after = await doctor(t, lab, 'director');
    t.false(after.findings.some((f) => f.id === 'lbfw-sysctl'), JSON.stringify(after.findings, null, 2));
    t.deepEqual(errorFindings(after).map((f) => `${f.id}: ${f.what}`), []);

    // Second fix as printed, from the same fault.
    await breakForwarding();
    await sh(lab, 'director', now ?? 'false');
    const atOnce = await curlVip(lab);
    t.true(atOnce.ok, `after \`${now ?? ''}\`: ${atOnce.answer}`);
    t.false((await doctor(t, lab, 'director')).findings.some((f) => f.id === 'lbfw-sysctl'));
  });
});

systemTest("NAT derived from keepalived.conf: with lb_kind NAT and no forwarding: in lbfw.yaml, lbfw's forward chain (policy drop) accepts the real servers' replies and requests work; lbfw.yaml saying forwarding: dr drops them at that chain, fw-blocks-nat-replies names it and its fix (the edit, then the printed lbfw apply) makes requests work", async (t) => {
  await withHealthyLab(t, async (lab) => {
    await natLab(t, lab, undefined);
    const forward = await lbfwForward(lab);
    t.is(forward.policy, 'drop', "lbfw's forward chain drops what it does not accept");
    t.is((await lab.sh('director', 'cat /proc/sys/net/ipv4/ip_forward')).stdout.trim(), '1', 'the derived NAT director gets the director-nat profile');
    const served = await curlVip(lab);
    t.true(served.ok && /^rs[12]$/.test(served.answer), `by NAT a real server answers: ${served.answer}`);
    t.true((await lbfwForward(lab)).repliesAccepted > forward.repliesAccepted, "the reply passed lbfw's forward chain by its NAT reply rule");
    t.true((await natCounters(lab)).replies > 0, 'and was given the VIP back');
    const twin = await doctor(t, lab, 'director');
    t.deepEqual(errorFindings(twin).map((f) => `${f.id}: ${f.what}`), []);
  });
  // The failing twin: the operator's lbfw.yaml overrides the derivation.
  await withHealthyLab(t, async (lab) => {
    await natLab(t, lab, 'dr');
    const before = await natCounters(lab);
    const broken = await curlVip(lab);
    t.false(broken.ok, `with forwarding: dr the replies die at the director: ${broken.answer}`);
    const after = await natCounters(lab);
    t.true(after.requests > before.requests, 'the requests reached a real server');
    t.is(after.replies, before.replies, 'no reply got past the forward hook');
    const report = await doctor(t, lab, 'director');
    const yaml = path.join(lab.director.dir, 'lbfw.yaml');
    const replies = report.findings.filter((f) => f.id === 'fw-blocks-nat-replies');
    t.is(replies.length, 2, JSON.stringify(report.findings, null, 2));
    for (const finding of replies) {
      t.is(finding.severity, 'error');
      t.regex(finding.what, /^NAT reply of real server tcp 203\.0\.113\.1[12]:80: chain inet lbfw forward \(hook forward, policy drop\) has no rule that accepts it/);
    }
    // ip_forward alone (the director-nat profile's finding) would not do: lbfw's forward chain still drops the replies.
    const steps = replies[0]?.fixSteps;
    t.is(steps?.edit, `set forwarding: nat in ${yaml} (or remove its forwarding: dr)`);
    await writeFile(yaml, (await readFile(yaml, 'utf8')).replace('forwarding: dr\n', 'forwarding: nat\n'));
    await runPrinted(t, lab, 'director', replies[0], { edited: true });
    const fixed = await curlVip(lab);
    t.true(fixed.ok && /^rs[12]$/.test(fixed.answer), `after the edit and \`${steps?.run.join(' && ') ?? ''}\`: ${fixed.answer}`);
    const cleared = await doctor(t, lab, 'director');
    t.false(findingIds(cleared).includes('fw-blocks-nat-replies'), JSON.stringify(cleared.findings, null, 2));
    t.deepEqual(errorFindings(cleared).map((f) => `${f.id}: ${f.what}`), []);
  });
});

/** The host's own nf_conntrack_max, read (never written) from the test's namespace. */
async function hostConntrackMax(): Promise<string> {
  return (await readFile('/proc/sys/net/netfilter/nf_conntrack_max', 'utf8')).trim();
}

systemTest('global sysctl in a namespace: nf_conntrack_max is the machine\'s one value and read-only in the director\'s namespace; the doctor says so and offers no command that would work there (a full table is simulated in facts: a test never writes a global sysctl)', async (t) => {
  await withHealthyLab(t, async (lab) => {
    const file = '/proc/sys/net/netfilter/nf_conntrack_max';
    // What the doctor's statement rests on, read in the namespace: the host's value, and no write permission even for root.
    t.is((await lab.sh('director', `cat ${file}`)).stdout.trim(), await hostConntrackMax(), 'one table size for every namespace');
    t.is((await lab.sh('director', `stat -c %a ${file}`)).stdout.trim(), '444', 'read-only outside the initial namespace');

    const collected = await lab.lbfw('director', ['facts']);
    t.is(collected.code, 0, collected.stderr);
    const facts = JSON.parse(collected.stdout) as { netns?: { initial?: boolean }; conntrack?: { count: number; max: number } };
    t.is(facts.netns?.initial, false, 'the facts know they were read in a network namespace');
    t.is(String(facts.conntrack?.max), await hostConntrackMax());
    const max = facts.conntrack?.max ?? 0;

    // The twin: the namespace's real table, nearly empty, gives no conntrack finding.
    const real = path.join(lab.director.dir, 'facts-real.json');
    await writeFile(real, collected.stdout);
    const twin = await doctor(t, lab, 'director', ['--facts', real, 'conntrack-full']);
    t.deepEqual(twin.findings.map((f) => f.id), []);

    // A full table (count = max), which the test cannot make for real without changing the host's global value.
    const full = path.join(lab.director.dir, 'facts-full.json');
    await writeFile(full, JSON.stringify({ ...facts, conntrack: { count: max, max } }));
    const finding = one(t, await doctor(t, lab, 'director', ['--facts', full, 'conntrack-full']), 'conntrack-full');
    t.is(finding?.severity, 'error');
    t.is(finding?.what, `the conntrack table holds ${max} of ${max} entries (100%): it is full`);
    t.regex(
      finding?.fix ?? '',
      new RegExp(`^net\\.netfilter\\.nf_conntrack_max is global \\(one table size for every namespace of the machine\\) and read-only inside this network namespace: on the host itself, sysctl -w net\\.netfilter\\.nf_conntrack_max=${max * 2} `),
    );
    t.notRegex(finding?.fix ?? '', /^sysctl -w/, 'no command offered as if it worked in this namespace');

    // The same table read in the initial namespace: there the command is the fix, still marked global.
    const initial = path.join(lab.director.dir, 'facts-initial.json');
    await writeFile(initial, JSON.stringify({ ...facts, netns: { ...facts.netns, initial: true }, conntrack: { count: max, max } }));
    const onHost = one(t, await doctor(t, lab, 'director', ['--facts', initial, 'conntrack-full']), 'conntrack-full');
    t.regex(onHost?.fix ?? '', new RegExp(`^sysctl -w net\\.netfilter\\.nf_conntrack_max=${max * 2} +\\(global: it sizes the table for every network namespace of the machine`));
  });
});
