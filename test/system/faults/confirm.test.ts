/**
 * Faults: the confirm timer of `apply --confirm` killed, or kept from the
 * lock past its deadline. Where PID 1 is not systemd (as in CI) the timer is
 * the detached process, which is what runs here.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lbfwIn, listTable, serialSystemTest, withNamespace, withTempDir } from '../../helpers/system.js';
import { commandLine, isGone, kill9, waitFor, writeSetup } from './helpers.js';

const SECOND_CONFIG = `role: director
services: ["192.0.2.10:80/tcp", "192.0.2.10:443/tcp"]
management:
  sources: [198.51.100.0/28]
blacklist: static_blacklist
`;

interface Pending {
  readonly deadline: string;
  readonly timer?: { readonly kind: string; readonly pid?: number };
}

async function readPendingFile(dir: string): Promise<Pending> {
  return JSON.parse(await readFile(path.join(dir, 'state', 'pending-confirm.json'), 'utf8')) as Pending;
}

serialSystemTest('a killed confirm timer is an error for verify, a warning for the next command, and confirm does not claim to cancel it', async (t) => {
  await withTempDir(async (dir) => {
    const { args } = await writeSetup(dir, '203.0.113.5\n');
    await withNamespace(async (ns) => {
      t.is((await lbfwIn(ns, ['apply', '--only', 'firewall', ...args])).code, 0);
      const { args: second } = await writeSetup(dir, '203.0.113.5\n', SECOND_CONFIG);
      t.is((await lbfwIn(ns, ['apply', '--only', 'firewall', '--confirm', '300', ...second])).code, 0);
      const pending = await readPendingFile(dir);
      t.is(pending.timer?.kind, 'process');
      kill9(pending.timer?.pid ?? 0);
      await waitFor('the timer to be gone', () => isGone(pending.timer?.pid ?? 0));

      const verified = await lbfwIn(ns, ['verify', '--only', 'firewall', ...second]);
      t.is(verified.code, 2, verified.stdout);
      t.regex(verified.stdout, /ERROR: the confirm timer .* is not running .*nothing will restore the previous firewall/);
      const listed = await lbfwIn(ns, ['blacklist', 'list', ...second]);
      t.regex(listed.stderr, /warning: the confirm timer .* is not running/);

      const confirmed = await lbfwIn(ns, ['confirm', '--state-dir', path.join(dir, 'state')]);
      t.is(confirmed.code, 0, confirmed.stderr);
      t.notRegex(confirmed.stdout, /cancelled/);
      t.regex(confirmed.stdout, /was no longer running, so nothing would have restored/);
      t.is((await lbfwIn(ns, ['verify', '--only', 'firewall', ...second])).code, 0);
      t.regex(await listTable(ns), /192\.0\.2\.10 \. tcp \. 443/);
    });
  });
});

serialSystemTest('the confirm timer restores once the lock is free, however long another run held it past the deadline', async (t) => {
  await withTempDir(async (dir) => {
    const { args } = await writeSetup(dir, '203.0.113.5\n');
    await withNamespace(async (ns) => {
      t.is((await lbfwIn(ns, ['apply', '--only', 'firewall', ...args])).code, 0);
      const first = await listTable(ns);
      const { args: second } = await writeSetup(dir, '203.0.113.5\n', SECOND_CONFIG);
      // A short lock wait per attempt: the timer must try again, not give up.
      t.is((await lbfwIn(ns, ['apply', '--only', 'firewall', '--confirm', '2', '--wait', '1', ...second])).code, 0);
      const holder = spawn('flock', ['-x', '--no-fork', path.join(dir, 'state', 'lock'), 'sleep', '60'], { stdio: 'ignore' });
      try {
        await waitFor('the holder to lock', async () => (await commandLine(holder.pid ?? 0)) === 'sleep 60');
        const log = path.join(dir, 'state', 'confirm.log');
        await waitFor('the timer to find the lock held', async () => /attempt \d+ failed/.test(await readFile(log, 'utf8').catch(() => '')), 30_000);
        t.regex(await listTable(ns), /tcp \. 443/, 'nothing restored while the lock is held');
      } finally {
        holder.kill('SIGKILL');
      }
      await waitFor('the previous table to come back', async () => !(await listTable(ns)).includes('tcp . 443'), 30_000);
      t.is((await listTable(ns)).replace(/counter packets \d+ bytes \d+/g, ''), first.replace(/counter packets \d+ bytes \d+/g, ''));
      // The config file now holds the second config: the restored table is the first, and says so.
      const late = await lbfwIn(ns, ['confirm', '--state-dir', path.join(dir, 'state')]);
      t.regex(late.stderr, /nothing is waiting for confirmation .*restored/);
    });
  });
});
