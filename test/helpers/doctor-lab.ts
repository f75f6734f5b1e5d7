/**
 * Helpers of the doctor's class tests in the DR lab: a lab made healthy by
 * `lbfw apply`, the doctor's JSON report in a node, one finding by id, and
 * running a fix exactly as the doctor printed it.
 */
import type { ExecutionContext } from 'ava';
import { runDoctor, type DoctorFinding, type DoctorReport } from '../../src/lab/doctor-run.js';
import { keepalivedInstalled } from '../../src/lab/keepalived.js';
import { runFixSteps } from '../../src/lab/run-fix.js';
import { describeRequest, type VipProbe } from '../../src/lab/probe.js';
import { applyLbfw, createLab, type Lab, type LbfwNodeName } from '../../src/lab/topology.js';
import { systemTest } from './system.js';

const required = process.env['LBFW_REQUIRE_SYSTEM_TESTS'] === '1';

/** vrrpTest is a system test that needs real keepalived: skipped without it, failed when system tests are required. */
export function vrrpTest(title: string, fn: (t: ExecutionContext) => Promise<void>): void {
  systemTest(title, async (t) => {
    if (!keepalivedInstalled()) {
      if (required) t.fail('keepalived is required (apt-get install keepalived; .ci/run installs it)');
      else t.pass('keepalived is not installed: skipped');
      return;
    }
    await fn(t);
  });
}

/** show renders every request of a probe, one a line. */
export function show(probe: VipProbe): string {
  return probe.requests.map((r) => describeRequest(r)).join('\n');
}

/** withHealthyLab runs `fn` with a fresh lab where `lbfw apply` succeeded on every node, and always removes it. */
export async function withHealthyLab(t: ExecutionContext, fn: (lab: Lab) => Promise<void>): Promise<void> {
  const lab = await createLab({ prefix: 'lbfw-t-cls' });
  try {
    for (const [node, result] of Object.entries(await applyLbfw(lab))) t.is(result?.code, 0, `lbfw apply on ${node}: ${result?.stdout}${result?.stderr}`);
    await fn(lab);
  } finally {
    await lab.destroy();
  }
}

/** doctor runs `lbfw doctor --json ARGS` in a node; a run without a report fails the test. */
export async function doctor(t: ExecutionContext, lab: Lab, node: LbfwNodeName, args: readonly string[] = []): Promise<DoctorReport> {
  const result = await runDoctor(lab, node, args);
  if (result.report === undefined) t.fail(`${node}: ${result.problem ?? ''}\n${result.output}`);
  return result.report ?? { ok: false, role: '', findings: [], checksRun: [] };
}

/** one asserts that the report holds exactly one finding of `id` and returns it. */
export function one(t: ExecutionContext, report: DoctorReport, id: string): DoctorFinding | undefined {
  const found = report.findings.filter((f) => f.id === id);
  t.is(found.length, 1, `${id} expected once; findings: ${JSON.stringify(report.findings, null, 2)}`);
  return found[0];
}

/** sh runs a command line in a node and throws with its output when it fails. */
export async function sh(lab: Lab, node: Parameters<Lab['sh']>[0], command: string): Promise<void> {
  const result = await lab.sh(node, command);
  if (result.code !== 0) throw new Error(`${node}: ${command}: ${result.stdout}${result.stderr}`);
}

/**
 * runPrinted runs a finding's fix exactly as the doctor gave it in --json:
 * each command line of its fixSteps in the node (`sh -c LINE`), in order. A
 * fix that needs an edit by hand fails the test unless the test made that
 * edit itself and says so (`edited`).
 */
export async function runPrinted(t: ExecutionContext, lab: Lab, node: LbfwNodeName, finding: DoctorFinding | undefined, options: { readonly edited?: boolean } = {}): Promise<void> {
  const steps = finding?.fixSteps;
  if (steps === undefined) return t.fail(`${finding?.id ?? 'the finding'} has no fixSteps: ${JSON.stringify(finding)}`);
  if (options.edited === true) t.not(steps.edit, undefined, `${finding?.id ?? ''}: the test edited, but the fix asks for no edit`);
  else t.is(steps.edit, undefined, `${finding?.id ?? ''}: the fix needs an edit by hand: ${steps.edit ?? ''}`);
  t.not(steps.run.length, 0, `${finding?.id ?? ''}: the fix has no command line`);
  const ran = await runFixSteps(lab, node, steps);
  t.deepEqual(ran.map((r) => r.code), steps.run.map(() => 0), `${finding?.id ?? ''}'s fix as printed: ${JSON.stringify(ran, null, 2)}`);
}
