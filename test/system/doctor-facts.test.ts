/**
 * The doctor against real kernels in a throwaway DR lab: facts read inside a
 * real server's namespace and judged offline, and the ARP probe from the
 * director, before and after the real servers are fixed with `lbfw apply`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { DoctorReport } from '../../src/doctor/types.js';
import { DR_LAB, createDrLab, macOf, type DrLab } from '../../src/lab/dr-lab.js';
import type { Netns } from '../../src/lab/netns.js';
import { lbfwIn, systemTest, withTempDir } from '../helpers/system.js';

const VIP_SERVICE = `${DR_LAB.vip}:80`;

/** The quick config of a lab real server. */
function realServerArgs(dir: string, ns: Netns): string[] {
  return ['--role', 'realserver', '--vip', VIP_SERVICE, '--iface', 'eth0', '--blacklist', path.join(dir, 'none'), '--state-dir', path.join(dir, `state-${ns.name}`)];
}

async function withLab(fn: (lab: DrLab, dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    await writeFile(path.join(dir, 'none'), '');
    const lab = await createDrLab('lbfw-t');
    try {
      await fn(lab, dir);
    } finally {
      await lab.destroy();
    }
  });
}

async function fixRealServer(t: ExecutionContext, dir: string, ns: Netns): Promise<void> {
  const applied = await lbfwIn(ns, ['apply', ...realServerArgs(dir, ns)]);
  t.is(applied.code, 0, applied.stdout + applied.stderr);
}

/** factsThenDoctor runs `lbfw facts` in `ns`, saves them, and judges the file with `lbfw doctor --facts --json`. */
async function factsThenDoctor(t: ExecutionContext, dir: string, ns: Netns, name: string): Promise<DoctorReport> {
  const facts = await lbfwIn(ns, ['facts', ...realServerArgs(dir, ns)]);
  t.is(facts.code, 0, facts.stderr);
  const file = path.join(dir, name);
  await writeFile(file, facts.stdout);
  const doctor = await lbfwIn(ns, ['doctor', '--json', '--facts', file]);
  t.true(doctor.code === 0 || doctor.code === 2, doctor.stderr);
  const report = JSON.parse(doctor.stdout) as DoctorReport;
  t.is(doctor.code, report.ok ? 0 : 2);
  return report;
}

systemTest('lbfw facts in a real server, judged offline, finds rs-arp-ignore before lbfw apply and not after', async (t) => {
  await withLab(async (lab, dir) => {
    const rs = lab.realServers[0];
    if (rs === undefined) throw new Error('the lab has no real server');
    const before = await factsThenDoctor(t, dir, rs, 'before.json');
    t.is(before.role, 'realserver');
    const ignore = before.findings.find((f) => f.id === 'rs-arp-ignore');
    t.like(ignore, { severity: 'error', subject: 'eth0' });
    t.regex(ignore?.what ?? '', /eth0 has arp_ignore 0 and all=0, so the kernel uses 0 on eth0/);
    t.true(before.findings.some((f) => f.id === 'rs-arp-announce'));
    t.false(before.ok);

    await fixRealServer(t, dir, rs);
    const after = await factsThenDoctor(t, dir, rs, 'after.json');
    const ids = after.findings.map((f) => f.id);
    t.false(ids.includes('rs-arp-ignore'), JSON.stringify(after.findings, null, 2));
    t.false(ids.includes('rs-arp-announce'));
    t.false(ids.includes('rs-vip-not-on-lo'));
    // Nothing listens on port 80 in the lab's real server: that finding stays.
    t.true(ids.includes('rs-not-listening'));
  });
});

systemTest("lbfw doctor --probe on the director lists the real servers' MACs before they are fixed and only the director's after", async (t) => {
  await withLab(async (lab, dir) => {
    const directorMac = await macOf(lab.director, 'eth0');
    const realServerMacs = await Promise.all(lab.realServers.map((rs) => macOf(rs, 'eth0')));
    const args = [
      'doctor', '--probe', '--json', '--role', 'director', '--vip', VIP_SERVICE,
      ...DR_LAB.realServers.flatMap((address) => ['--realserver', address]),
      '--blacklist', path.join(dir, 'none'), '--state-dir', path.join(dir, 'state-director'),
      'arp-probe',
    ];
    const probe = async (): Promise<DoctorReport> => {
      const run = await lbfwIn(lab.director, args);
      t.true(run.code === 0 || run.code === 2, run.stderr);
      return JSON.parse(run.stdout) as DoctorReport;
    };

    const before = await probe();
    t.deepEqual(before.checksRun, ['arp-probe']);
    const errors = before.findings.filter((f) => f.severity === 'error');
    t.deepEqual(errors.map((f) => f.subject).sort(), realServerMacs.map((mac) => `${DR_LAB.vip} ${mac}`).sort());
    for (const [i, mac] of realServerMacs.entries()) {
      t.true(errors.some((f) => f.what.startsWith(`${mac}, real server ${DR_LAB.realServers[i] ?? ''}, answers ARP for VIP ${DR_LAB.vip} on eth0`)), mac);
    }
    const listed = before.findings.find((f) => f.severity === 'info');
    for (const mac of [directorMac, ...realServerMacs]) t.true(listed?.what.includes(mac), `${mac} is listed`);
    t.false(before.ok);

    for (const rs of lab.realServers) await fixRealServer(t, dir, rs);
    const after = await probe();
    t.true(after.ok);
    t.deepEqual(after.findings.map((f) => f.severity), ['info']);
    t.is(after.findings[0]?.what, `ARP who-has ${DR_LAB.vip} on eth0 (from ${DR_LAB.director}) is answered by ${directorMac} (this director)`);
  });
});
