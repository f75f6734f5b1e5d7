/**
 * System tests of backups, rollback, confirmed apply and the lock.
 */
import { spawn } from 'node:child_process';
import { access, chmod, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { lbfwIn, listTable, systemTest, withNamespace, withTempDir } from '../helpers/system.js';
import type { Netns } from '../../src/lab/netns.js';

const configA = `role: director
services: ["192.0.2.10:80/tcp"]
blacklist: static_blacklist
`;
const configB = `role: director
services: ["192.0.2.10:80/tcp", "192.0.2.10:443/tcp"]
blacklist: static_blacklist
`;

interface Inputs {
  readonly a: string[];
  readonly b: string[];
  readonly state: string[];
  readonly stateDir: string;
}

async function writeInputs(dir: string): Promise<Inputs> {
  await writeFile(path.join(dir, 'a.yaml'), configA);
  await writeFile(path.join(dir, 'b.yaml'), configB);
  await writeFile(path.join(dir, 'static_blacklist'), '203.0.113.66\n');
  const stateDir = path.join(dir, 'state');
  const state = ['--state-dir', stateDir];
  return { a: ['--config', path.join(dir, 'a.yaml'), ...state], b: ['--config', path.join(dir, 'b.yaml'), ...state], state, stateDir };
}

/** Strips counter values, which legitimately change while a table runs. */
function withoutCounters(listing: string): string {
  return listing.replace(/counter packets \d+ bytes \d+/g, 'counter');
}

async function applied(t: { is: (a: unknown, b: unknown, m?: string) => void }, ns: Netns, args: string[]): Promise<string> {
  const result = await lbfwIn(ns, ['apply', ...args]);
  t.is(result.code, 0, result.stderr);
  return listTable(ns);
}

/** Whether `file` exists now. */
async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Waits for an event the test cannot be told about (a detached timer acting),
 * checking `done` every 100 ms and giving up at `seconds`.
 */
async function eventually(done: () => Promise<boolean>, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await delay(100);
  }
  return done();
}

systemTest('rollback restores the previous table, and again the one before it', async (t) => {
  await withTempDir(async (dir) => {
    const inputs = await writeInputs(dir);
    await withNamespace(async (ns) => {
      const tableA = await applied(t, ns, inputs.a);
      const tableB = await applied(t, ns, inputs.b);
      t.not(tableA, tableB);
      const first = await lbfwIn(ns, ['rollback', ...inputs.state]);
      t.is(first.code, 0, first.stderr);
      t.is(withoutCounters(await listTable(ns)), withoutCounters(tableA));
      t.is((await lbfwIn(ns, ['rollback', ...inputs.state])).code, 0);
      t.is(await listTable(ns), '');
      const none = await lbfwIn(ns, ['rollback', ...inputs.state]);
      t.is(none.code, 1);
      t.regex(none.stderr, /^lbfw: no backup to roll back to/);
    });
  });
});

systemTest('apply --confirm restores the previous table by itself when nobody confirms', async (t) => {
  await withTempDir(async (dir) => {
    const inputs = await writeInputs(dir);
    await withNamespace(async (ns) => {
      const tableA = await applied(t, ns, inputs.a);
      const result = await lbfwIn(ns, ['apply', '--confirm', '1', ...inputs.b]);
      t.is(result.code, 0, result.stderr);
      t.regex(result.stdout, /CONFIRM within 1 s/);
      t.regex(await listTable(ns), /192\.0\.2\.10 \. tcp \. 443/);
      const restored = await eventually(async () => withoutCounters(await listTable(ns)) === withoutCounters(tableA), 20);
      t.true(restored, 'the previous table came back');
      // The timer commits the restore, then logs it, then drops the pending
      // confirmation: the log is only complete once that file is gone.
      const settled = await eventually(async () => !(await exists(path.join(inputs.stateDir, 'pending-confirm.json'))), 20);
      t.true(settled, 'the timer finished and cleared the pending confirmation');
      const log = await readFile(path.join(inputs.stateDir, 'confirm.log'), 'utf8');
      t.regex(log, /passed: restored/);
      const late = await lbfwIn(ns, ['confirm', ...inputs.state]);
      t.is(late.code, 1);
      t.regex(late.stderr, /nothing is waiting for confirmation .*restored/);
    });
  });
});

systemTest('lbfw confirm within the deadline keeps the new table', async (t) => {
  await withTempDir(async (dir) => {
    const inputs = await writeInputs(dir);
    await withNamespace(async (ns) => {
      await applied(t, ns, inputs.a);
      t.is((await lbfwIn(ns, ['apply', '--confirm', '300', ...inputs.b])).code, 0);
      const pending = JSON.parse(await readFile(path.join(inputs.stateDir, 'pending-confirm.json'), 'utf8')) as { timerPid: number };
      const confirmed = await lbfwIn(ns, ['confirm', ...inputs.state]);
      t.is(confirmed.code, 0, confirmed.stderr);
      t.regex(confirmed.stdout, /kept the new firewall/);
      const timerGone = await eventually(async () => {
        try {
          process.kill(pending.timerPid, 0);
          return false;
        } catch {
          return true;
        }
      }, 10);
      t.true(timerGone, 'the confirm timer was stopped');
      t.regex(await listTable(ns), /192\.0\.2\.10 \. tcp \. 443/);
    });
  });
});

systemTest('two concurrent applies run one after the other', async (t) => {
  await withTempDir(async (dir) => {
    const inputs = await writeInputs(dir);
    await withNamespace(async (ns) => {
      const [ra, rb] = await Promise.all([lbfwIn(ns, ['apply', ...inputs.a]), lbfwIn(ns, ['apply', ...inputs.b])]);
      t.is(ra.code, 0, ra.stderr);
      t.is(rb.code, 0, rb.stderr);
      // Serialised, the second apply saved the FIRST one's table as its
      // backup; interleaved, both would have saved "no table".
      const final = await listTable(ns);
      t.is((await lbfwIn(ns, ['rollback', ...inputs.state])).code, 0);
      const middle = await listTable(ns);
      t.not(middle, '', 'the backup of the second apply is the first apply\'s table');
      t.not(withoutCounters(middle), withoutCounters(final));
      t.is((await lbfwIn(ns, ['rollback', ...inputs.state])).code, 0);
      t.is(await listTable(ns), '');
    });
  });
});

systemTest('an apply that cannot get the lock in time fails with a clear line', async (t) => {
  await withTempDir(async (dir) => {
    const inputs = await writeInputs(dir);
    await withNamespace(async (ns) => {
      await applied(t, ns, inputs.a);
      const before = await listTable(ns);
      // Another process holds the kernel lock and has left its note in the file.
      const lockFile = path.join(inputs.stateDir, 'lock');
      const holder = spawn('flock', ['-x', '--no-fork', lockFile, 'sleep', '60'], { stdio: 'ignore' });
      try {
        await writeFile(lockFile, JSON.stringify({ pid: holder.pid, purpose: 'test', since: 'now' }));
        t.true(await eventually(async () => (await lbfwIn(ns, ['apply', '--wait', '0', ...inputs.b])).code === 1, 10));
        const result = await lbfwIn(ns, ['apply', '--wait', '0', ...inputs.b]);
        t.is(result.code, 1);
        t.regex(result.stderr, /^lbfw: another lbfw run holds .*lock: pid \d+ \(test/);
        t.is(await listTable(ns), before);
      } finally {
        holder.kill('SIGKILL');
      }
    });
  });
});

systemTest('without CAP_NET_ADMIN apply says so in one line and exits 1', async (t) => {
  await withTempDir(async (dir) => {
    const inputs = await writeInputs(dir);
    // The unprivileged user must be able to read the inputs: the point is the capability.
    await chmod(dir, 0o755);
    await withNamespace(async (ns) => {
      const result = await ns.exec([
        'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all',
        process.execPath, path.resolve('bin/lbfw'), 'apply', ...inputs.a,
      ]);
      t.is(result.code, 1);
      t.is(result.stderr, 'lbfw: lbfw apply needs root or CAP_NET_ADMIN: run it with sudo\n');
      t.is(await listTable(ns), '');
    });
  });
});

systemTest('rollback after a blacklist add restores the table with the added entry in it', async (t) => {
  await withTempDir(async (dir) => {
    const inputs = await writeInputs(dir);
    await withNamespace(async (ns) => {
      await applied(t, ns, inputs.a);
      t.is((await lbfwIn(ns, ['blacklist', 'add', '203.0.113.77', ...inputs.a])).code, 0);
      const withEntry = await listTable(ns);
      t.regex(withEntry, /203\.0\.113\.77/);
      await applied(t, ns, inputs.b);
      t.is((await lbfwIn(ns, ['rollback', ...inputs.state])).code, 0);
      t.is(withoutCounters(await listTable(ns)), withoutCounters(withEntry));
    });
  });
});
