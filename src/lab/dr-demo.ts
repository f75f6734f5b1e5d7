/**
 * `lbfw demo` (= `lbfw lab demo`): lbfw's main job, shown on a Direct Routing
 * lab built with the classic mistakes. Real requests through the VIP fail,
 * `lbfw doctor` explains why on every node, `lbfw apply` on every node fixes
 * it, the doctor comes back clean, and real requests reach both real servers
 * through the director; a client holding too many connections is banned by
 * `lbfw overlimit` until the ban expires, and a VRRP failover keeps the
 * service. Everything it creates is removed at the end.
 */
import { errorFindings, findingIds, runDoctor } from './doctor-run.js';
import { renderReport } from '../doctor/report.js';
import type { DoctorReport } from '../doctor/types.js';
import { DR_EMULATION_TABLE } from './dr-emulation.js';
import { faultById, injectFaults } from './faults.js';
import { existingNamespaces, isLabNamespace } from './lab-state.js';
import { answeredNodes, describeRequest, probeVip, symptomsOf, type VipProbe } from './probe.js';
import { systemNft } from '../nft/cli-backend.js';
import { createLab, keepalivedNode, LAB, labRecordOf, LBFW_NODES, waitForVipHolders, type Lab, type LbfwNodeName } from './topology.js';
import { stopKeepalived } from './keepalived.js';
import { LAB_OVERLIMIT } from './node-config.js';
import { describeClientRequest, overlimitScenarioOk, overlimitScenarioProblems, runOverlimitScenario } from './overlimit-step.js';
import { existsSync } from 'node:fs';

/** DrDemoOptions: where the demo reports progress, and its namespace prefix. */
export interface DrDemoOptions {
  readonly log: (line: string) => void;
  /** Namespace prefix (default {@link DEMO_PREFIX}). */
  readonly prefix?: string;
  /** Aborting it (Ctrl-C) skips the remaining steps; the teardown still runs. */
  readonly signal?: AbortSignal;
}

/** Namespace prefix of the demo's lab. */
export const DEMO_PREFIX = 'lbfw-demo';

/** The faults the demo injects on top of the kernel's defaults. */
export const DEMO_FAULTS: readonly string[] = ['rs-strict-rp-filter', 'rs-vip-slash24', 'director-strict-rp-filter'];

/** What a fresh real server gets wrong by itself: the kernel's ARP defaults. */
const KERNEL_DEFAULT_MISTAKES: readonly { readonly doctorId: string; readonly description: string }[] = [
  { doctorId: 'rs-arp-ignore', description: 'answers ARP requests for the VIP on its lo (arp_ignore 0, the kernel default)' },
  { doctorId: 'rs-arp-announce', description: 'uses the VIP as sender of its own ARP requests (arp_announce 0, the kernel default)' },
];

/** expectedFindings: the doctor ids each node must report before lbfw apply. */
export function expectedFindings(faults: readonly string[]): Record<LbfwNodeName, string[]> {
  const expected: Record<LbfwNodeName, string[]> = { director: [], director2: [], rs1: [], rs2: [] };
  for (const node of ['rs1', 'rs2'] as const) expected[node].push(...KERNEL_DEFAULT_MISTAKES.map((m) => m.doctorId));
  for (const id of faults) {
    const fault = faultById(id);
    if (fault !== undefined) expected[fault.node].push(fault.doctorId);
  }
  return expected;
}

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

function logProbe(probe: VipProbe, log: (line: string) => void): void {
  for (const r of probe.requests) log(`  ${describeRequest(r)}`);
}

/**
 * Runs `lbfw doctor --json` on every node once, prints the report as `lbfw
 * doctor` renders it (the same renderer) and checks it; returns whether each
 * check held.
 */
async function doctorRound(lab: Lab, log: (line: string) => void, expect: (node: LbfwNodeName, ids: string[], errors: string[]) => string | undefined): Promise<boolean> {
  let ok = true;
  for (const node of LBFW_NODES) {
    log(`[${node}] $ lbfw doctor`);
    const run = await runDoctor(lab, node);
    if (run.report === undefined) {
      log(`  !! ${run.problem ?? 'no report'}`);
      ok = false;
      continue;
    }
    log(indent(renderReport(run.report as DoctorReport, { colour: false }).trimEnd()));
    const ids = findingIds(run.report);
    const errors = errorFindings(run.report).map((f) => f.id);
    const problem = expect(node, ids, errors);
    log(`  lbfw doctor --json: ${ids.length === 0 ? 'no findings' : ids.join(', ')}${problem === undefined ? '' : `  !! ${problem}`}`);
    if (problem !== undefined) ok = false;
  }
  return ok;
}

/**
 * runDrDemo builds the lab with the classic mistakes, shows failing traffic
 * and the doctor's findings, applies lbfw on every node, shows the doctor
 * clean and traffic reaching both real servers, and tears everything down.
 * Returns whether every check held.
 */
export async function runDrDemo(options: DrDemoOptions): Promise<boolean> {
  const { log } = options;
  const prefix = options.prefix ?? DEMO_PREFIX;
  const checks: boolean[] = [];
  let lab: Lab | undefined;
  const section = (title: string): void => {
    options.signal?.throwIfAborted();
    log(title);
  };
  try {
    section('== 1. A Direct Routing load balancer in throwaway network namespaces');
    lab = await createLab({ prefix });
    log(
      [
        `  client    ${lab.client.ns.name}: ${LAB.lan.client} (LAN), also the LAN's gateway`,
        `  director  ${lab.director.ns.name}: ${LAB.lan.director}, VIP ${LAB.vip} on eth0${lab.keepalived ? ' (real keepalived, VRRP MASTER)' : " (keepalived's job)"}, uplink ${LAB.uplink.director} on eth1`,
        `  director2 ${lab.director2.ns.name}: ${LAB.peerDirector}${lab.keepalived ? ', real keepalived, VRRP BACKUP' : ''}`,
        `  rs1       ${lab.rs1.ns.name}: ${LAB.lan.rs1}, backend ${LAB.backend.rs1} on eth1, web service on :${LAB.port} answering "rs1"`,
        `  rs2       ${lab.rs2.ns.name}: ${LAB.lan.rs2}, backend ${LAB.backend.rs2} on eth1, web service on :${LAB.port} answering "rs2"`,
        `  The kernel here has no IPVS: the director forwards like IPVS DR with nftables (table ${DR_EMULATION_TABLE}),`,
        `  from its keepalived.conf (${lab.keepalivedPath}):`,
      ].join('\n'),
    );
    log(indent((await lab.director.ns.ok([systemNft(), 'list', 'table', ...DR_EMULATION_TABLE.split(' ')])).trimEnd()));

    section('\n== 2. The classic mistakes, as on fresh machines set up from a wiki page');
    for (const node of ['rs1', 'rs2']) for (const m of KERNEL_DEFAULT_MISTAKES) log(`  ${node}: ${m.description}`);
    for (const fault of await injectFaults(lab, DEMO_FAULTS)) log(`  ${fault.node}: ${fault.description}`);

    section(`\n== 3. Real requests from the client to http://${LAB.vip}/ (ARP caches flushed first)`);
    const before = await probeVip(lab);
    logProbe(before, log);
    checks.push(!before.ok);
    const symptoms = symptomsOf(before);
    if (before.ok) log('  !! the requests should have failed');
    else if (symptoms.includes('dropped') || symptoms.includes('refused')) log('  => clients get no answer, and no log on any host says why');
    else log('  => clients are served while bypassing the director: no balancing, no failover');

    section('\n== 4. lbfw doctor on every node explains why');
    const expected = expectedFindings(DEMO_FAULTS);
    checks.push(
      await doctorRound(lab, log, (node, ids) => {
        const missing = expected[node].filter((id) => !ids.includes(id));
        return missing.length === 0 ? undefined : `expected but not reported: ${missing.join(', ')}`;
      }),
    );

    section('\n== 5. lbfw apply on every node (each node has its lbfw.yaml; the director reads keepalived.conf)');
    for (const node of LBFW_NODES) {
      log(`[${node}] $ lbfw apply`);
      const result = await lab.lbfw(node, ['apply']);
      const text = `${result.stdout}${result.stderr}`.trimEnd();
      if (text !== '') log(indent(text));
      checks.push(result.code === 0);
      if (result.code !== 0) log(`  !! lbfw apply exited ${result.code}`);
    }

    if (lab.keepalived) {
      // rs2's fault (the VIP on lo as /24, arp_ignore 0) makes it answer ARP
      // for every LAN address, the peer director's too. Step 3 flushed the
      // ARP caches; when rs2 wins the race for 203.0.113.2, the director's
      // unicast VRRP adverts go to rs2 and director2 becomes MASTER as well
      // (doctor --probe on the director reports arp-claimed), until the
      // director's entry is re-learnt after rs2's lbfw apply. The demo waits
      // for one holder, so step 7 sees the settled VRRP.
      const holders = await waitForVipHolders(lab, ['director']);
      const settled = holders.join(',') === 'director';
      checks.push(settled);
      log(settled ? '  VRRP has settled: the VIP is on the director only' : `  !! after lbfw apply the VIP is held by ${holders.join(', ') || 'nobody'}`);
    }

    section('\n== 6. lbfw doctor again: no errors left');
    checks.push(await doctorRound(lab, log, (_node, _ids, errors) => (errors.length === 0 ? undefined : `errors left: ${errors.join(', ')}`)));

    section(`\n== 7. Real requests again: through the director to both real servers, replies straight from them`);
    const after = await probeVip(lab);
    logProbe(after, log);
    const reached = answeredNodes(after);
    checks.push(after.ok && reached.includes('rs1') && reached.includes('rs2'));
    log(after.ok ? `  => served by ${reached.join(' and ')}` : '  !! some requests still fail');

    section(`\n== 8. Too many connections from one client: lbfw overlimit bans it for ${LAB_OVERLIMIT.banSeconds} s`);
    log(
      [
        `  The directors' lbfw.yaml allow a client ${LAB_OVERLIMIT.maxConnections} ESTABLISHED connections (overlimit.max_connections; ban_time ${LAB_OVERLIMIT.banSeconds}s).`,
        `  client2 (${LAB.lan.client2}) is a plain client; the client (${LAB.lan.client}) is the directors' default gateway,`,
        '  which lbfw overlimit never bans (nor VIPs, real servers, the peer, management sources or the host\'s own addresses).',
      ].join('\n'),
    );
    const scenario = await runOverlimitScenario(lab, {
      progress: (step, s) => {
        if (step === 'held') {
          log(`  client2 opens ${s.held} connections to ${LAB.vip}:${LAB.port} and keeps them open`);
          log(`  the director's connection table (emulated from the real servers' sockets) lists ${s.rowsFromClient2} from client2`);
          log(`[${s.director}] $ lbfw overlimit --conn-file -   (that table on standard input; the other director runs the same, as its timer does)`);
        } else if (step === 'scanned') {
          const text = `${s.overlimit?.stdout ?? ''}${s.overlimit?.stderr ?? ''}`.trimEnd();
          if (text !== '') log(indent(text));
          log(s.bannedAfterRun === true ? `  lbfw ban list on both directors: ${LAB.lan.client2} is banned` : `  !! lbfw ban list does not list ${LAB.lan.client2} on both directors`);
        } else if (step === 'requests') {
          if (s.bannedRequest !== undefined) log(`  ${describeClientRequest(s.bannedRequest)}`);
          if (s.otherRequest !== undefined) log(`  ${describeClientRequest(s.otherRequest)}`);
          log(`  client2 closes its connections; waiting for the ban to expire`);
        } else if (s.expiredAfterMs === undefined) {
          log('  !! the ban did not expire');
        } else {
          log(`  the ban expired ${(s.expiredAfterMs / 1000).toFixed(1)} s after lbfw overlimit banned client2`);
          if (s.requestAfterExpiry !== undefined) log(`  ${describeClientRequest(s.requestAfterExpiry)}`);
        }
      },
    });
    const overlimitOk = overlimitScenarioOk(scenario);
    checks.push(overlimitOk);
    log(overlimitOk ? '  => the client over the limit was shut out for a while, the other client was served throughout' : `  !! the overlimit step did not go as expected: ${overlimitScenarioProblems(scenario).join('; ')}`);

    section('\n== 9. Failover: keepalived stops on the director (the VRRP MASTER)');
    if (!lab.keepalived) {
      log('  keepalived is not installed here (apt-get install keepalived): the lab holds the VIP statically, no failover to show');
    } else {
      log(`  director2 runs the same keepalived.conf (state BACKUP, priority 100) and lbfw built its firewall from it`);
      const started = Date.now();
      await stopKeepalived(keepalivedNode(lab, 'director'));
      const holders = await waitForVipHolders(lab, ['director2']);
      const moved = holders.join(',') === 'director2';
      checks.push(moved);
      log(moved ? `  the VIP moved to director2 by VRRP in ${((Date.now() - started) / 1000).toFixed(1)} s` : `  !! the VIP is held by ${holders.join(', ') || 'nobody'}`);
      const failover = await probeVip(lab);
      logProbe(failover, log);
      const via = [...new Set(failover.requests.map((r) => r.vipHolder))];
      const served = failover.ok && via.join(',') === 'director2' && answeredNodes(failover).join(',') === 'rs1,rs2';
      checks.push(served);
      log(served ? '  => requests keep working, through director2' : '  !! requests do not work through director2');
    }
  } catch (error) {
    log(options.signal?.aborted === true ? '!! interrupted' : `!! the demo stopped: ${(error as Error).message}`);
    checks.push(false);
  } finally {
    log('\n== 10. Tearing down');
    const mine = lab === undefined ? [] : Object.values(labRecordOf(lab).namespaces);
    const dir = lab?.dir;
    if (lab !== undefined) await lab.destroy();
    const present = new Set(await existingNamespaces());
    const left = [...mine.filter((name) => present.has(name)), ...(dir !== undefined && existsSync(dir) ? [dir] : [])];
    if (left.length === 0) {
      log('  removed every namespace, process and temporary file the demo made');
    } else {
      log(`  !! left behind: ${left.join(', ')}`);
      checks.push(false);
    }
    // Namespaces of another demo (or one interrupted before its teardown) are not ours to remove, but worth a word.
    const stale = [...present].filter((name) => isLabNamespace(name, prefix) && !mine.includes(name));
    if (stale.length > 0) log(`  note: namespaces of another or an interrupted demo exist: ${stale.join(', ')} (\`lbfw lab down --prefix ${prefix}\` removes them)`);
  }
  const ok = checks.length > 0 && checks.every(Boolean);
  log(ok ? '\ndemo: every check passed' : '\ndemo: SOME CHECKS FAILED (see !! above)');
  return ok;
}
