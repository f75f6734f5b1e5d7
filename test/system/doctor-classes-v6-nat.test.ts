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
import { doctor, one, sh, withHealthyLab } from '../helpers/doctor-lab.js';
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
