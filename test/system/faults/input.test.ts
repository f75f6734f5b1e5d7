/**
 * Faults: hostile or mistaken input (FIFOs, whole-file format mistakes,
 * flags) refused with one clear line, and nothing changed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { lbfwIn, listTable, systemTest, withNamespace, withTempDir } from '../../helpers/system.js';
import { writeSetup } from './helpers.js';

systemTest('a FIFO as the blacklist is refused at once by apply and blacklist add', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await writeSetup(dir, '');
    await rm(file);
    await promisify(execFile)('mkfifo', [file]);
    await withNamespace(async (ns) => {
      const applied = await lbfwIn(ns, ['apply', '--only', 'firewall', ...args]);
      t.is(applied.code, 1);
      t.regex(applied.stderr, /static_blacklist is a FIFO/);
      const added = await lbfwIn(ns, ['blacklist', 'add', '203.0.113.9', ...args]);
      t.is(added.code, 1);
      t.regex(added.stderr, /static_blacklist is a FIFO/);
      t.is(await listTable(ns), '');
    });
  });
});

systemTest('--skip-invalid refuses to wipe a working blacklist when every line is bad, and hints at the format', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await writeSetup(dir, '203.0.113.5\n');
    await withNamespace(async (ns) => {
      t.is((await lbfwIn(ns, ['apply', '--only', 'firewall', ...args])).code, 0);
      const table = await listTable(ns);
      await writeFile(file, '203.0.113.5\t12\n203.0.113.6\t3\n203.0.113.7\t1\n');
      const cron = await lbfwIn(ns, ['apply', '--only', 'firewall', '--skip-invalid', ...args]);
      t.is(cron.code, 1);
      t.regex(cron.stderr, /every entry line .* is bad \(3 lines skipped\): refusing to load an empty blacklist \(the lines have a second column/);
      t.is(await listTable(ns), table);
      await writeFile(file, '203.0.113.5\n203.0.113.6\t3\n');
      const some = await lbfwIn(ns, ['apply', '--only', 'firewall', '--skip-invalid', ...args]);
      t.is(some.code, 0, some.stderr);
      t.regex(some.stdout, /1 bad lines skipped/);
      const listed = await lbfwIn(ns, ['blacklist', 'list', ...args]);
      t.is(listed.code, 1, 'list exits non-zero on bad lines');
    });
  });
});

systemTest('blacklist add warns about host bits like check, and --wait abc is refused', async (t) => {
  await withTempDir(async (dir) => {
    const { args, file } = await writeSetup(dir, '');
    await withNamespace(async (ns) => {
      const added = await lbfwIn(ns, ['blacklist', 'add', '203.0.113.37/29', ...args]);
      t.is(added.code, 0, added.stderr);
      t.regex(added.stderr, /warning: .*203\.0\.113\.37\/29 has host bits set; using 203\.0\.113\.32\/29/);
      const waited = await lbfwIn(ns, ['blacklist', 'add', '203.0.113.9', '--wait', 'abc', ...args]);
      t.is(waited.code, 1);
      t.regex(waited.stderr, /--wait takes seconds from 0 to 86400, not "abc"/);
      t.false((await readFile(file, 'utf8')).includes('203.0.113.9'));
    });
  });
});
