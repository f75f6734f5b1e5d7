/**
 * The DR lab's failure modes, each with real traffic: a lab made healthy by
 * `lbfw apply` on every node serves requests through the VIP; with the fault
 * injected real requests fail (dropped, refused, or answered bypassing the
 * director), `lbfw doctor` in the right node reports the fault's check id,
 * and after the doctor's own fix (read from its --json fixSteps and run line
 * by line in the node, `sh -c LINE`) the requests work and the finding is
 * gone. Where the doctor's fix asks for an edit by hand first (a service's
 * listen address, keepalived.conf), the fault makes that edit; the lab's
 * stand-in carries out `systemctl ... keepalived` (run-fix.ts).
 */
import type { ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorFindings, findingIds, runDoctor, type DoctorReport } from '../../src/lab/doctor-run.js';
import { runDrDemo } from '../../src/lab/dr-demo.js';
import { FAULTS, type Fault } from '../../src/lab/faults.js';
import { existingNamespaces, isLabNamespace } from '../../src/lab/lab-state.js';
import { answeredNodes, describeRequest, probeVip, symptomsOf, type VipProbe } from '../../src/lab/probe.js';
import { run } from '../../src/system/run.js';
import { applyLbfw, createLab, LAB, LBFW_BIN, LBFW_NODES, type Lab, type LbfwNodeName } from '../../src/lab/topology.js';
import { labConnTable } from '../../src/lab/conn-table.js';
import { runFixSteps } from '../../src/lab/run-fix.js';
import { LAB_OVERLIMIT } from '../../src/lab/node-config.js';
import { HELD_CONNECTIONS, holdConnections, isBanned, runOverlimitScenario, served } from '../../src/lab/overlimit-step.js';
import { LBFW, systemTest } from '../helpers/system.js';

/**
 * Labs in use at once. Each is six namespaces and a dozen node processes, so
 * the file is CPU-bound: measured on 2 cores, 2 at once took 65 s, 4 took
 * 50 s, all 18 took 49 s. Beyond 4 nothing is gained, and a starved HTTP
 * service risks missing a probe's two-second window.
 */
const MAX_LABS = 4;
let running = 0;
const waiting: (() => void)[] = [];

/** withSlot runs `fn` once fewer than MAX_LABS labs are being used. */
async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_LABS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** withLab runs `fn` with a fresh lab and always removes it. */
function withLab<T>(fn: (lab: Lab) => Promise<T>): Promise<T> {
  return withSlot(async () => {
    const lab = await createLab({ prefix: 'lbfw-t-lab' });
    try {
      return await fn(lab);
    } finally {
      await lab.destroy();
    }
  });
}

function show(probe: VipProbe): string {
  return probe.requests.map((r) => describeRequest(r)).join('\n');
}

async function doctor(t: ExecutionContext, lab: Lab, node: LbfwNodeName, args: readonly string[] = []): Promise<DoctorReport> {
  const result = await runDoctor(lab, node, args);
  if (result.report === undefined) t.fail(`${node}: ${result.problem ?? ''}\n${result.output}`);
  return result.report ?? { ok: false, role: '', findings: [], checksRun: [] };
}

async function makeHealthy(t: ExecutionContext, lab: Lab): Promise<void> {
  for (const [node, result] of Object.entries(await applyLbfw(lab))) t.is(result?.code, 0, `lbfw apply on ${node}: ${result?.stdout}${result?.stderr}`);
}

async function scenario(t: ExecutionContext, fault: Fault): Promise<void> {
  await withLab(async (lab) => {
    await makeHealthy(t, lab);
    const healthy = await probeVip(lab);
    t.true(healthy.ok, `healthy lab:\n${show(healthy)}`);
    const before = await doctor(t, lab, fault.node, fault.doctorArgs);
    t.deepEqual(errorFindings(before).map((f) => f.id), [], `healthy ${fault.node}`);

    await fault.inject(lab);
    const broken = await probeVip(lab);
    t.false(broken.ok, `with ${fault.id} requests must fail:\n${show(broken)}`);
    t.true(symptomsOf(broken).includes(fault.symptom), `expected ${fault.symptom}:\n${show(broken)}`);
    const found = await doctor(t, lab, fault.node, fault.doctorArgs);
    const finding = found.findings.find((f) => f.id === fault.doctorId);
    t.truthy(finding, `${fault.node} should report ${fault.doctorId}; it reported ${findingIds(found).join(', ') || 'nothing'}`);
    t.is(finding?.severity, fault.severity);
    t.log(`${fault.id}: ${show(broken)}\n  doctor: ${finding?.what ?? ''}\n  doctor's fix: ${finding?.fix ?? '-'}`);

    const steps = finding?.fixSteps;
    if (steps === undefined) return t.fail(`${fault.doctorId} has no fixSteps: ${JSON.stringify(finding)}`);
    if (steps.edit !== undefined) {
      t.truthy(fault.edit, `the doctor asks for an edit the fault cannot make: ${steps.edit}`);
      await fault.edit?.(lab);
    } else {
      t.is(fault.edit, undefined, `the doctor's fix is command lines only (${steps.run.join(' && ')}); the fault must not edit anything`);
    }
    const ran = await runFixSteps(lab, fault.node, steps);
    t.deepEqual(ran.map((r) => r.code), steps.run.map(() => 0), `the doctor's fix as printed: ${JSON.stringify(ran, null, 2)}`);
    const fixed = await probeVip(lab);
    t.true(fixed.ok, `after the doctor's fix (${finding?.fix ?? ''}):\n${show(fixed)}`);
    t.deepEqual(answeredNodes(fixed), ['rs1', 'rs2']);
    const after = await doctor(t, lab, fault.node, fault.doctorArgs);
    t.false(findingIds(after).includes(fault.doctorId), `${fault.doctorId} must be gone after: ${finding?.fix ?? ''}`);
  });
}

for (const fault of FAULTS) {
  systemTest(`${fault.id}: traffic fails (${fault.symptom}), ${fault.node}'s doctor reports ${fault.doctorId}, the doctor's printed fix fixes both`, (t) => scenario(t, fault));
}

systemTest('a lab with lbfw applied on every node serves both real servers through the director and has no error finding', async (t) => {
  await withLab(async (lab) => {
    await makeHealthy(t, lab);
    const probe = await probeVip(lab);
    t.true(probe.ok, show(probe));
    t.deepEqual(answeredNodes(probe), ['rs1', 'rs2']);
    for (const node of LBFW_NODES) {
      const report = await doctor(t, lab, node);
      t.deepEqual(errorFindings(report).map((f) => `${f.id}: ${f.what}`), [], node);
    }
  });
});

systemTest('before lbfw apply, the real servers answer ARP for the VIP and the client bypasses the director', async (t) => {
  await withLab(async (lab) => {
    const probe = await probeVip(lab);
    t.false(probe.ok, show(probe));
    t.deepEqual(symptomsOf(probe), ['bypass']);
  });
});

systemTest('the demo shows the mistakes, fixes them with lbfw apply and leaves no namespace behind', async (t) => {
  const prefix = `lbfw-t-demo-${randomBytes(3).toString('hex')}`;
  const lines: string[] = [];
  const ok = await withSlot(() => runDrDemo({ prefix, log: (line) => lines.push(line) }));
  const text = lines.join('\n');
  t.true(ok, text);
  t.regex(text, /BYPASSING the director|no answer within/);
  t.regex(text, /answered by rs1 via the director/);
  t.regex(text, /answered by rs2 via the director/);
  t.regex(text, /client2 \(203\.0\.113\.50\) -> http:\/\/203\.0\.113\.10\/: no answer within/);
  t.regex(text, /the ban expired/);
  t.deepEqual((await existingNamespaces()).filter((n) => n.startsWith(prefix)), []);
});

systemTest('a client holding too many connections through the VIP is banned by `lbfw overlimit` until the ban expires; the gateway client is exempt; the lab is removed after', async (t) => {
  const prefix = `lbfw-t-over-${randomBytes(3).toString('hex')}`;
  await withSlot(async () => {
    const lab = await createLab({ prefix });
    try {
      await makeHealthy(t, lab);
      const s = await runOverlimitScenario(lab);
      const story = JSON.stringify(s, null, 2);
      t.is(s.rowsFromClient2, HELD_CONNECTIONS, story);
      t.is(s.overlimit.code, 0, story);
      t.regex(s.overlimit.stdout, new RegExp(`203\\.0\\.113\\.50: ${HELD_CONNECTIONS} > ${LAB_OVERLIMIT.maxConnections} .* -> banned ${LAB_OVERLIMIT.banSeconds}s`), story);
      t.true(s.bannedAfterRun, story);
      t.is(s.bannedRequest.error, 'timeout', `the banned client's request must be dropped: ${story}`);
      t.true(served(s.otherRequest), `the other client's request must be served: ${story}`);
      t.true(s.bannedAfterRequests, `the ban must still be there, so the drop was the ban's: ${story}`);
      t.not(s.expiredAfterMs, undefined, `the ban must expire: ${story}`);
      t.true(s.requestAfterExpiry !== undefined && served(s.requestAfterExpiry), `after the expiry client2 is served again: ${story}`);

      // The client is the directors' default gateway: over the limit, yet never banned.
      const hold = await holdConnections(lab, 'client', HELD_CONNECTIONS);
      try {
        const table = await labConnTable([{ ns: lab.rs1.ns, address: LAB.lan.rs1 }, { ns: lab.rs2.ns, address: LAB.lan.rs2 }], LAB.vip);
        const run = await lab.exec(s.director, [process.execPath, LBFW_BIN, 'overlimit', '--conn-file', '-'], table);
        t.is(run.code, 0, run.stdout + run.stderr);
        t.regex(run.stdout, new RegExp(`203\\.0\\.113\\.100: ${HELD_CONNECTIONS} > ${LAB_OVERLIMIT.maxConnections}[^\\n]*default gateway`), run.stdout);
        t.false(await isBanned(lab, s.director, LAB.lan.client));
      } finally {
        await hold.stop();
      }
    } finally {
      await lab.destroy();
    }
  });
  t.deepEqual((await existingNamespaces()).filter((n) => n.startsWith(prefix)), []);
});

systemTest('`lbfw lab up` builds a lab that `lbfw lab exec|probe` use and `lbfw lab down` removes, twice without error', async (t) => {
  const prefix = `lbfw-t-up-${randomBytes(3).toString('hex')}`;
  const stateDir = await mkdtemp(path.join(tmpdir(), 'lbfw-t-labstate-'));
  const lbfw = (...args: string[]) => run(['env', `LBFW_LAB_STATE_DIR=${stateDir}`, process.execPath, LBFW, 'lab', ...args]);
  try {
    await withSlot(async () => {
      const up = await lbfw('up', '--prefix', prefix, '--apply');
      t.is(up.code, 0, up.stdout + up.stderr);
      t.regex(up.stdout, new RegExp(`lab ${prefix} is up`));
      t.is((await existingNamespaces()).filter((n) => isLabNamespace(n, prefix)).length, 7);
      const again = await lbfw('up', '--prefix', prefix);
      t.is(again.code, 1);
      t.regex(again.stderr, /already up/);
      const exec = await lbfw('exec', '--prefix', prefix, 'rs1', '--', 'sh', '-c', 'ip -o addr show dev lo; echo "$LBFW_CONFIG"');
      t.is(exec.code, 0, exec.stderr);
      t.regex(exec.stdout, /203\.0\.113\.10\/32/);
      t.regex(exec.stdout, /rs1\/lbfw\.yaml/);
      const probe = await lbfw('probe', '--prefix', prefix);
      t.is(probe.code, 0, probe.stdout + probe.stderr);
      t.regex(probe.stdout, /answered by rs1 via the director/);
      const down = await lbfw('down', '--prefix', prefix);
      t.is(down.code, 0, down.stderr);
      t.regex(down.stdout, /removed 7 namespaces/);
      t.deepEqual((await existingNamespaces()).filter((n) => n.startsWith(prefix)), []);
      const twice = await lbfw('down', '--prefix', prefix);
      t.is(twice.code, 0, twice.stderr);
      t.regex(twice.stdout, /no lab namespaces left/);
    });
  } finally {
    await lbfw('down', '--prefix', prefix);
    await rm(stateDir, { recursive: true, force: true });
  }
});
