import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemdRunArgv, unitName } from '../../../src/firewall/confirm-timer.js';
import { CONFIRM_GRACE_SECONDS, confirmState } from '../../../src/firewall/confirm.js';
import { statePaths } from '../../../src/state/paths.js';

test('the systemd timer is one transient unit per token that runs the timer program at once when it fires', (t) => {
  const argv = systemdRunArgv({ stateDir: '/var/lib/lbfw', token: 'abc123', seconds: 60, lockWaitSeconds: 60, netns: 'ns1' }, 60);
  t.is(argv[0], 'systemd-run');
  t.true(argv.includes('--unit=lbfw-confirm-abc123'));
  t.true(argv.includes('--on-active=60s'));
  t.true(argv.includes('--property=Restart=on-failure'), 'a killed or failed restore is started again by systemd');
  const program = argv.slice(argv.indexOf('--') + 1);
  t.is(program[0], process.execPath);
  t.regex(program[1] ?? '', /cli\/confirm-timer\.js$/);
  t.deepEqual(program.slice(2), ['/var/lib/lbfw', 'abc123', '0', '60', 'ns1']);
  t.is(unitName('abc123'), 'lbfw-confirm-abc123');
});

async function withState(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-t-confirm-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a pending confirmation whose timer process is gone is a problem, before and after its deadline', async (t) => {
  await withState(async (dir) => {
    const paths = statePaths(dir);
    const deadline = new Date(Date.now() + 60_000).toISOString();
    await writeFile(paths.pending, JSON.stringify({ token: 't1', backupId: 'b', deadline, timer: { kind: 'process', pid: 2 ** 22 + 7 } }));
    const state = await confirmState(paths);
    t.false(state?.timerAlive);
    t.regex(state?.problem ?? '', /confirm timer .* is not running .*nothing will restore/);
    // A live pid that is not this token's timer (this test) does not count either.
    await writeFile(paths.pending, JSON.stringify({ token: 't1', backupId: 'b', deadline, timerPid: process.pid }));
    t.false((await confirmState(paths))?.timerAlive);
  });
});

test('no pending confirmation is no problem; a deadline within the grace period is not overdue', async (t) => {
  await withState(async (dir) => {
    const paths = statePaths(dir);
    t.is(await confirmState(paths), undefined);
    const deadline = new Date(Date.now() - (CONFIRM_GRACE_SECONDS - 5) * 1000).toISOString();
    await writeFile(paths.pending, JSON.stringify({ token: 't1', backupId: 'b', deadline }));
    t.false((await confirmState(paths))?.overdue);
    t.true((await confirmState(paths, new Date(Date.now() + 10_000)))?.overdue);
  });
});
