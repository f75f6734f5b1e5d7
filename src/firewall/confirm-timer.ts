/**
 * Starting, finding and stopping the timer of `apply --confirm`. Where
 * systemd is PID 1 a transient timer unit carries it (it survives lbfw, the
 * SSH session and a kill of any lbfw process, and systemd restarts it when
 * it fails); elsewhere a detached process in its own session does.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { run } from '../system/run.js';
import type { ConfirmTimer, PendingConfirm } from '../state/pending.js';
import path from 'node:path';
import { packageRoot } from '../package-info.js';

const TIMER_SCRIPT = path.join(packageRoot(), 'dist', 'src', 'cli', 'confirm-timer.js');

/** What the timer program needs: argv STATE_DIR TOKEN SECONDS LOCK_WAIT [NETNS]. */
export interface TimerArgs {
  readonly stateDir: string;
  readonly token: string;
  /** Seconds until the deadline (0 for a systemd unit: systemd waits). */
  readonly seconds: number;
  /** Seconds one restore attempt waits for the lock before it logs and tries again. */
  readonly lockWaitSeconds: number;
  readonly netns?: string | undefined;
}

function timerArgv(args: TimerArgs): string[] {
  return [process.execPath, TIMER_SCRIPT, args.stateDir, args.token, String(args.seconds), String(args.lockWaitSeconds), ...(args.netns === undefined ? [] : [args.netns])];
}

/** unitName names the transient units of one pending confirmation. */
export function unitName(token: string): string {
  return `lbfw-confirm-${token}`;
}

/**
 * systemdRunArgv is the `systemd-run` command that makes the transient
 * timer: the service starts at the deadline and runs the timer program at
 * once (SECONDS 0); a failed or killed run is restarted by systemd.
 */
export function systemdRunArgv(args: TimerArgs, seconds: number): string[] {
  return [
    'systemd-run',
    '--quiet',
    '--collect',
    `--unit=${unitName(args.token)}`,
    '--description=lbfw: restore the previous firewall unless `lbfw confirm` runs',
    `--on-active=${seconds}s`,
    '--timer-property=AccuracySec=1s',
    '--property=Restart=on-failure',
    '--property=RestartSec=5s',
    '--',
    ...timerArgv({ ...args, seconds: 0 }),
  ];
}

/**
 * systemdAvailable says whether systemd runs this host (sd_booted(3): the
 * directory /run/systemd/system exists) and this process shares PID 1's
 * network namespace, where systemd starts its units.
 */
export function systemdAvailable(netns: string | undefined): boolean {
  if (!existsSync('/run/systemd/system')) return false;
  if (netns !== undefined) return true;
  try {
    const self = statSync('/proc/self/ns/net');
    const init = statSync('/proc/1/ns/net');
    return self.ino === init.ino && self.dev === init.dev;
  } catch {
    return false;
  }
}

/** startTimer starts the timer for `args` and says which one runs. */
export async function startTimer(args: TimerArgs, useSystemd: boolean): Promise<ConfirmTimer> {
  if (useSystemd) {
    const result = await run(systemdRunArgv(args, args.seconds));
    if (result.code === 0) return { kind: 'systemd', unit: unitName(args.token) };
    // systemd refused (no D-Bus, a container): the detached process still restores.
  }
  const [command, ...rest] = timerArgv(args);
  const child = spawn(command ?? process.execPath, rest, { detached: true, stdio: 'ignore' });
  child.unref();
  return { kind: 'process', pid: child.pid ?? 0 };
}

function isTimerOf(pid: number, token: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(TIMER_SCRIPT) && argv.includes(token);
  } catch {
    return false;
  }
}

/**
 * findTimerProcess looks for the detached timer of `token` among all
 * processes: an apply killed between starting the timer and recording its
 * pid left a timer that runs (and will restore) without a record of it.
 */
function findTimerProcess(token: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name) && isTimerOf(Number(name), token)) return Number(name);
  }
  return undefined;
}

function timerOf(pending: PendingConfirm): ConfirmTimer | undefined {
  if (pending.timer !== undefined) return pending.timer;
  if (pending.timerPid !== undefined) return { kind: 'process', pid: pending.timerPid };
  const pid = findTimerProcess(pending.token);
  return pid === undefined ? undefined : { kind: 'process', pid };
}

/**
 * timerAlive says whether the timer of `pending` still runs: its process
 * exists and is the timer of this token (a reused pid is not), or its
 * systemd units are loaded and not failed for good.
 */
export async function timerAlive(pending: PendingConfirm): Promise<boolean> {
  const timer = timerOf(pending);
  if (timer === undefined) return false;
  if (timer.kind === 'process') return isTimerOf(timer.pid, pending.token);
  const result = await run(['systemctl', 'is-active', `${timer.unit}.timer`, `${timer.unit}.service`]);
  return /^(active|activating|reloading)$/m.test(result.stdout);
}

/** stopTimer stops the timer of `pending`; one that is gone already is fine. */
export async function stopTimer(pending: PendingConfirm): Promise<void> {
  const timer = timerOf(pending);
  if (timer === undefined) return;
  if (timer.kind === 'systemd') {
    await run(['systemctl', 'stop', `${timer.unit}.timer`, `${timer.unit}.service`]);
    return;
  }
  try {
    process.kill(timer.pid, 'SIGTERM');
  } catch {
    // Already gone: nothing to stop.
  }
}
