/**
 * Faults: kill -9 of the confirm timer of `apply --confirm` (the detached
 * process, as where PID 1 is not systemd) and of the apply that arms it, at
 * 12 seeded points on a 200k-host table: before the deadline, while it waits
 * for the lock, at each window of its restore (LBFW_FAULT_POINT=timer:...),
 * and at seeded fractions of a measured restore (inside the nft load it
 * runs). After each kill, the operator's checks: the restore happened, or
 * the next command warns and verify and doctor report an error; `lbfw
 * confirm` never claims to cancel a restore that cannot happen, and what it
 * says is what runs; no nft of the killed timer lives on; the kernel holds
 * the old table or the whole new one; the next apply works and verifies clean.
 */
import { spawn } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { lbfwIn, serialSystemTest } from '../../helpers/system.js';
import { bigHosts, commandLine, isGone, kill9, kernelHosts, nftScriptsIn, oldOrNew, seeded, waitFor, sharedLab, type FaultsLab } from './helpers.js';

const SEED = Number(process.env['LBFW_FAULT_SEED'] ?? Date.now() % 1_000_000);
const why = (text: string): string => `${text} (LBFW_FAULT_SEED=${SEED})`;
const random = seeded(SEED);
const FILLER = bigHosts(200_000);
const BLOCK = 64;

/**
 * Kill points. `apply:` kills the apply that arms the timer at a window;
 * `timer:` kills the timer at a window of its restore; `before-deadline`
 * and `lock-wait` kill the timer's pid; `restore-N%` kills it after N% of a
 * measured normal restore.
 */
const NAMED = [
  'apply:table:after-commit',
  'apply:confirm:after-pending',
  'apply:confirm:after-timer',
  'before-deadline',
  'lock-wait',
  'timer:expire:after-lock',
  'timer:expire:after-mark',
  'timer:table:after-pending',
  'timer:table:after-commit',
  'timer:expire:after-remove-backup',
  'timer:expire:after-log',
] as const;
const TIMED = Array.from({ length: 3 }, () => `restore-${Math.round(5 + 90 * random())}%`);
const POINTS: string[] = (() => {
  const out = [...NAMED, ...TIMED];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as string, out[i] as string];
  }
  return out;
})();

/** Where the doctor is asked too: a timer dead before its deadline, one dead past it, one dead during its restore. */
const DOCTOR_POINTS = new Set(['before-deadline', 'lock-wait', 'timer:table:after-commit']);

const { lab: theLab, remove: removeLab } = sharedLab('ckill', `${FILLER.join('\n')}\n`);
const timers: number[] = [];
test.after.always(async () => {
  // A timer left by a failed test must not outlive the namespace.
  for (const pid of timers) kill9(pid);
  await removeLab();
});

interface Pending {
  readonly deadline: string;
  readonly token: string;
  readonly timer?: { readonly kind: string; readonly pid?: number };
}
const pendingFile = (l: FaultsLab): string => path.join(l.dir, 'state', 'pending-confirm.json');
const readPending = async (l: FaultsLab): Promise<Pending | undefined> =>
  readFile(pendingFile(l), 'utf8').then((text) => JSON.parse(text) as Pending, () => undefined);
const confirmLog = async (l: FaultsLab): Promise<string> => readFile(path.join(l.dir, 'state', 'confirm.log'), 'utf8').catch(() => '');

/** The timer of `token`, found by its command line (the pending record may not name it). */
async function timerPid(token: string): Promise<number | undefined> {
  const { readdir } = await import('node:fs/promises');
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const line = await commandLine(Number(name));
    if (line !== undefined && line.includes('confirm-timer.js') && line.includes(token)) return Number(name);
  }
  return undefined;
}

/** Hosts beyond the filler that the kernel holds (the model) and that the file holds. */
let inKernel = new Set<string>();
const inFile = new Set<string>();
/** Milliseconds from the deadline to the end of a normal restore. */
let restoreMs = 3000;

const trace = (text: string): void => {
  if (process.env['LBFW_FAULT_TRACE'] !== undefined) process.stderr.write(`${new Date().toISOString()} ${text}\n`);
};

async function ok(t: ExecutionContext, l: FaultsLab, args: readonly string[], text: string, env: Record<string, string> = {}): Promise<string> {
  const result = await lbfwIn(l.ns, args, env);
  t.is(result.code, 0, why(`${text}: ${result.stderr}${result.stdout}`));
  return result.stdout;
}

/** The apply --confirm of a round: killed at an `apply:` point, else it must succeed. */
async function armed(t: ExecutionContext, l: FaultsLab, point: string, seconds: number): Promise<Pending | undefined> {
  const env = point.startsWith('apply:') ? { LBFW_FAULT_POINT: point.slice('apply:'.length) } : point.startsWith('timer:') ? { LBFW_FAULT_POINT: point } : {};
  const result = await lbfwIn(l.ns, ['apply', '--only', 'firewall', '--confirm', String(seconds), '--wait', '1', ...l.args], env);
  if (point.startsWith('apply:')) t.is(result.code, null, why(`apply --confirm killed at ${point}: ${result.stderr}`));
  else t.is(result.code, 0, why(`apply --confirm: ${result.stderr}`));
  const pending = await readPending(l);
  if (pending !== undefined) {
    const pid = await timerPid(pending.token);
    if (pid !== undefined) timers.push(pid);
  }
  return pending;
}

/** The kill of a round: what the point names, done to the timer (apply: points are done already). */
async function killTimer(t: ExecutionContext, l: FaultsLab, point: string, pending: Pending | undefined): Promise<void> {
  if (point.startsWith('apply:')) return;
  if (pending === undefined) return void t.fail(why(`${point}: apply --confirm left no pending confirmation`));
  const pid = pending.timer?.pid ?? 0;
  t.is(pending.timer?.kind, 'process', 'the detached timer carries the confirmation here');
  const logBefore = (await confirmLog(l)).length;
  if (point === 'before-deadline') kill9(pid);
  else if (point === 'lock-wait') {
    const holder = spawn('flock', ['-x', '--no-fork', path.join(l.dir, 'state', 'lock'), 'sleep', '60'], { stdio: 'ignore' });
    try {
      await waitFor('the holder to lock', async () => (await commandLine(holder.pid ?? 0)) === 'sleep 60');
      await waitFor('the timer to find the lock held', async () => /attempt \d+ failed/.test((await confirmLog(l)).slice(logBefore)), 30_000);
      kill9(pid);
      await waitFor('the timer to be gone', () => isGone(pid));
    } finally {
      holder.kill('SIGKILL');
    }
  } else if (point.startsWith('restore-')) {
    const fraction = Number(point.slice('restore-'.length, -1)) / 100;
    const at = Date.parse(pending.deadline) + fraction * restoreMs;
    await delay(Math.max(0, at - Date.now()));
    kill9(pid);
  }
  // timer: points kill themselves at their window; every timer ends, at the latest once its restore is done.
  await waitFor(why(`the timer killed at ${point} to be gone`), () => isGone(pid), 60_000);
  await waitFor(why(`no nft of the timer killed at ${point} left running`), async () => (await nftScriptsIn(l.ns)).length === 0, 10_000);
}

async function round(t: ExecutionContext, l: FaultsLab, i: number): Promise<void> {
  const point = POINTS[i] as string;
  t.log(`round ${i + 1}: kill at ${point} (LBFW_FAULT_SEED=${SEED})`);
  const blockHosts = Array.from({ length: BLOCK }, (_, k) => `2001:db8:c${i.toString(16).padStart(2, '0')}0::${(k + 1).toString(16)}`);
  await appendFile(l.file, `${blockHosts.join('\n')}\n`);
  for (const h of blockHosts) inFile.add(h);
  const old = new Set(inKernel);
  const next = new Set(inFile);

  // A long deadline for kills of a sleeping timer, a short one where the restore itself is the target.
  const seconds = point === 'before-deadline' || point.startsWith('apply:') ? 300 : 2;
  const logBefore = (await confirmLog(l)).length;
  trace(`${point}: apply --confirm`);
  const pending = await armed(t, l, point, seconds);
  trace(`${point}: kill`);
  await killTimer(t, l, point, pending);
  trace(`${point}: list`);
  const now = await oldOrNew(t, l.ns, FILLER.length, old, next, why(`after the kill at ${point}`));
  trace(`${point}: checks`);

  // What the operator checks: verify, doctor, the next command, then confirm.
  const left = await readPending(l);
  // An apply killed between starting its timer and recording it left a timer that runs: found by its token.
  const lives = left === undefined ? undefined : await timerPid(left.token);
  t.is(lives !== undefined, point === 'apply:confirm:after-timer', why(`${point}: a timer runs exactly when only the apply was killed, after starting it`));
  const verified = await lbfwIn(l.ns, ['verify', '--only', 'firewall', ...l.args]);
  const tested = await lbfwIn(l.ns, ['blacklist', 'test', FILLER[0] as string, ...l.args]);
  t.is(tested.code, 0, why(`${point}: the next command works: ${tested.stderr}`));
  if (lives !== undefined) {
    t.is(verified.code, 0, why(`${point}: verify is clean while the unrecorded timer still runs: ${verified.stdout}`));
    t.notRegex(tested.stderr, /confirm timer/, why(`${point}: no warning while the timer runs`));
  } else if (left !== undefined) {
    // A confirmation is pending and its timer is dead (or never recorded): nothing restores by itself.
    t.is(verified.code, 2, why(`${point}: verify fails while the restore will not happen: ${verified.stdout}`));
    t.regex(verified.stdout, /ERROR: the confirm timer/, why(`${point}: verify names the dead confirm timer`));
    t.regex(tested.stderr, /warning: the confirm timer/, why(`${point}: the next command warns`));
    if (DOCTOR_POINTS.has(point)) {
      // The doctor costs a reading of the whole host: asked at three points, one of each kind of dead timer.
      trace(`${point}: doctor`);
      const doctor = await lbfwIn(l.ns, ['doctor', 'lbfw-confirm', ...l.args]);
      t.is(doctor.code, 2, why(`${point}: doctor reports the dead confirm timer as an error: ${doctor.stdout}`));
    }
  } else {
    t.notRegex(verified.stdout, /confirm timer/, why(`${point}: nothing pending, verify reports no confirm timer`));
    t.notRegex(tested.stderr, /confirm timer/, why(`${point}: nothing pending, no warning`));
    t.is(verified.code, now === 'new' ? 0 : 2, why(`${point}: verify is clean exactly when the file's table runs: ${verified.stdout}`));
  }

  trace(`${point}: confirm`);
  const confirmed = await lbfwIn(l.ns, ['confirm', ...l.stateArgs]);
  if (lives === undefined) t.notRegex(confirmed.stdout, /cancelled/, why(`${point}: confirm never claims to cancel a restore of a dead timer`));
  else {
    t.regex(confirmed.stdout, /cancelled/, why(`${point}: confirm cancels the running timer: ${confirmed.stdout}${confirmed.stderr}`));
    await waitFor(why(`${point}: the cancelled timer to end`), () => isGone(lives), 10_000);
  }
  const logLines = (await confirmLog(l)).slice(logBefore);
  if (lives !== undefined || point === 'before-deadline' || point.startsWith('apply:')) t.notRegex(logLines, /passed: restored/, why(`${point}: no restore before the deadline`));
  const after = await oldOrNew(t, l.ns, FILLER.length, old, next, why(`after confirm (${point})`));
  t.log(`round ${i + 1}: ${left === undefined ? 'nothing pending' : lives === undefined ? 'pending, timer dead' : 'pending, timer alive'} after the kill; confirm: ${(confirmed.stdout + confirmed.stderr).trim().slice(0, 90)}; the ${after} table runs`);
  t.is(after, now, why(`${point}: confirm changes no table`));
  if (/kept the new firewall/.test(confirmed.stdout)) t.is(after, 'new', why(`${point}: confirm says it kept the new firewall, and it runs`));
  else if (/too late/.test(confirmed.stderr)) t.is(after, 'old', why(`${point}: confirm says the restore ran, and the old table runs: ${confirmed.stderr}`));
  else if (/nothing is waiting/.test(confirmed.stderr)) {
    // Nothing pending: the old table runs exactly when this round's timer logged its restore.
    const restored = /passed: restored/.test((await confirmLog(l)).slice(logBefore));
    t.is(after, restored ? 'old' : 'new', why(`${point}: nothing pending, and the table is the one the confirm log says: ${confirmed.stderr}`));
  }
  else t.fail(why(`${point}: confirm said neither: ${confirmed.stdout}${confirmed.stderr}`));
  if (point === 'apply:table:after-commit') t.regex(confirmed.stderr, /nothing is waiting/, why('an apply killed before arming left nothing to confirm'));
  t.is(await readPending(l), undefined, why(`${point}: confirm settles the pending confirmation`));

  // Where the new table runs, verify is clean now; where the old one runs,
  // the next round's apply (or the last test's) is the next command, without cleanup.
  if (after === 'new' && left !== undefined) {
    trace(`${point}: final verify`);
    await ok(t, l, ['verify', '--only', 'firewall', ...l.args], `${point}: verify once confirm settled it`);
  }
  inKernel = after === 'new' ? next : old;
}

serialSystemTest('a 200k-host table, and one normal confirm restore measured (the timed kills scale)', async (t) => {
  t.log(`LBFW_FAULT_SEED=${SEED}; points: ${POINTS.join(', ')}`);
  const l = await theLab();
  await ok(t, l, ['apply', '--only', 'firewall', ...l.args], 'apply of 200k hosts');
  const extra = Array.from({ length: BLOCK }, (_, k) => `2001:db8:cff0::${(k + 1).toString(16)}`);
  await appendFile(l.file, `${extra.join('\n')}\n`);
  for (const h of extra) inFile.add(h);
  await ok(t, l, ['apply', '--only', 'firewall', '--confirm', '1', ...l.args], 'apply --confirm 1');
  const pending = await readPending(l);
  await waitFor('the normal restore', async () => /passed: restored/.test(await confirmLog(l)), 60_000);
  const line = (await confirmLog(l)).split('\n').find((x) => /passed: restored/.test(x)) ?? '';
  restoreMs = Date.parse(line.split(' ')[0] ?? '') - Date.parse(pending?.deadline ?? '');
  t.true(restoreMs > 0, `a restore takes time (${restoreMs} ms)`);
  t.log(`a normal restore of the 200k table: ${restoreMs} ms after the deadline`);
  t.is(await oldOrNew(t, l.ns, FILLER.length, new Set(), inFile, why('after the normal restore')), 'old');
  await ok(t, l, ['apply', '--only', 'firewall', ...l.args], 'apply');
  inKernel = new Set(inFile);
});

// One round per test: a round costs three 200k loads and AVA's timeout is 3 minutes without a finished test.
POINTS.forEach((point, i) => {
  serialSystemTest(`kill -9 of the confirm timer (or the apply arming it) at a seeded point, round ${i + 1} of ${POINTS.length}: restored, or noticed as an error; confirm says what runs`, async (t) => {
    await round(t, await theLab(), i);
  });
});

serialSystemTest('after the confirm kills the next apply works without cleanup and verify is clean', async (t) => {
  const l = await theLab();
  await ok(t, l, ['apply', '--only', 'firewall', ...l.args], 'the apply after the last round');
  await ok(t, l, ['verify', '--only', 'firewall', ...l.args], 'verify after the last round');
  t.is((await kernelHosts(l.ns)).size, FILLER.length + inFile.size, 'the kernel holds every host of the file');
});
