/**
 * Running a doctor's fix in a lab node exactly as it printed it: each
 * command line of its `fixSteps.run`, in order, through `sh -c` in the
 * node's namespace with the node's environment (what an operator typing it
 * there gets). The lab has no systemd, so the service-manager lines for
 * keepalived go to the lab's stand-in instead (see KEEPALIVED_UNIT); every
 * other line runs as printed. An edit the fix asks for by hand is the
 * caller's to make first: no program can follow "set dev at FILE:LINE".
 */
import type { DoctorFixSteps } from './doctor-run.js';
import { keepalivedPid, startKeepalived, stopKeepalived, waitFor } from './keepalived.js';
import { DIRECTORS, keepalivedNode, LAB, reloadKeepalived, vipHolders, type Lab, type LbfwNodeName } from './topology.js';

/**
 * `systemctl VERB keepalived` as the doctor prints it. In the lab, reload
 * sends keepalived SIGHUP (what the unit's ExecReload does) and makes the
 * emulated IPVS follow keepalived.conf; start and restart (re)start the
 * node's keepalived and wait until a director holds the VIP again. Without
 * the keepalived package the director holds the VIP statically in
 * keepalived's place, so start adds it back.
 */
const KEEPALIVED_UNIT = /^systemctl (reload|restart|start|enable --now) keepalived$/;

/** FixLine: one command line of a fix and how it went. */
export interface FixLine {
  readonly line: string;
  /** `sh`: run as printed; `stand-in`: a service-manager line the lab carried out in systemd's place. */
  readonly how: 'sh' | 'stand-in';
  readonly code: number | null;
  readonly output: string;
}

/** keepalivedStandIn carries out `systemctl VERB keepalived` on a lab director. */
async function keepalivedStandIn(lab: Lab, node: LbfwNodeName, verb: string): Promise<void> {
  if (node !== 'director' && node !== 'director2') throw new Error(`${node} runs no keepalived in the lab`);
  if (lab.keepalived) {
    const k = keepalivedNode(lab, node);
    if (verb === 'reload') {
      const pid = await keepalivedPid(k);
      if (pid === undefined) throw new Error(`systemctl reload keepalived: keepalived is not running on ${node}`);
      process.kill(pid, 'SIGHUP');
    } else {
      if (verb === 'restart') await stopKeepalived(k);
      if ((await keepalivedPid(k)) === undefined) await startKeepalived(k);
      const held = await waitFor(async () => ((await vipHolders(lab)).length > 0 ? true : undefined), 15000);
      if (held === undefined) throw new Error(`after systemctl ${verb} keepalived on ${node} no director holds the VIP`);
    }
  } else if (verb !== 'reload' && node === DIRECTORS[0]) {
    const added = await lab.sh(node, `ip addr replace ${LAB.vip}/32 dev eth0`);
    if (added.code !== 0) throw new Error(`${node}: adding the static VIP failed: ${added.stderr}`);
  }
  await reloadKeepalived(lab);
}

/**
 * runFixSteps runs the command lines of a doctor's fix in `node`, in order,
 * stopping at the first that fails (as `&&` would); returns what each did.
 */
export async function runFixSteps(lab: Lab, node: LbfwNodeName, steps: DoctorFixSteps): Promise<FixLine[]> {
  const done: FixLine[] = [];
  for (const line of steps.run) {
    const unit = KEEPALIVED_UNIT.exec(line);
    if (unit !== null) {
      try {
        await keepalivedStandIn(lab, node, unit[1] ?? '');
        done.push({ line, how: 'stand-in', code: 0, output: '' });
      } catch (error) {
        done.push({ line, how: 'stand-in', code: 1, output: error instanceof Error ? error.message : String(error) });
        return done;
      }
      continue;
    }
    const result = await lab.sh(node, line);
    done.push({ line, how: 'sh', code: result.code, output: `${result.stdout}${result.stderr}`.trim() });
    if (result.code !== 0) return done;
  }
  return done;
}
