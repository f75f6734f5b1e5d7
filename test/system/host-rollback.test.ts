/**
 * `lbfw rollback` restores the whole host that apply changed: the kernel
 * settings, lbfw's sysctl.d file and the VIPs on lo, not only the table.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lbfwIn, listTable, systemTest, withNamespace, withTempDir } from '../helpers/system.js';

const config = `role: realserver
interfaces: { client: eth0 }
services: ["192.0.2.10:80/tcp"]
`;

systemTest('rollback after a first apply puts back the sysctls, removes the VIP lbfw added and its sysctl.d file', async (t) => {
  await withTempDir(async (dir) => {
    await withNamespace(async (ns) => {
      await ns.ok(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
      await ns.ok(['ip', 'link', 'set', 'lo', 'up']);
      // A VIP already on lo with a wide prefix: apply narrows it, rollback widens it back.
      await ns.ok(['ip', 'addr', 'add', '192.0.2.10/24', 'dev', 'lo']);
      const root = path.join(dir, 'root');
      await mkdir(root);
      const file = path.join(dir, 'lbfw.yaml');
      await writeFile(file, config);
      const args = ['--config', file, '--state-dir', path.join(dir, 'state'), '--root', root];
      const sysctl = async (key: string): Promise<string> => (await ns.ok(['sysctl', '-n', key])).trim();
      const before = { ignore: await sysctl('net.ipv4.conf.eth0.arp_ignore'), announce: await sysctl('net.ipv4.conf.eth0.arp_announce') };
      t.deepEqual(before, { ignore: '0', announce: '0' });

      const apply = await lbfwIn(ns, ['apply', ...args]);
      t.is(apply.code, 0, apply.stderr);
      t.not(await sysctl('net.ipv4.conf.eth0.arp_ignore'), '0');
      t.regex(await ns.ok(['ip', '-o', 'addr', 'show', 'dev', 'lo']), /192\.0\.2\.10\/32/);
      const persisted = path.join(root, 'etc/sysctl.d/90-lbfw.conf');
      t.true(existsSync(persisted));
      t.not(await listTable(ns), '');

      // A second apply changes nothing and so adds no host record.
      t.is((await lbfwIn(ns, ['apply', ...args])).code, 0);

      const rollback = await lbfwIn(ns, ['rollback', '--state-dir', path.join(dir, 'state')]);
      t.is(rollback.code, 0, rollback.stderr);
      // The second apply changed nothing outside the table: only its backup is undone.
      t.notRegex(rollback.stdout, /put back what apply changed/);
      t.not(await sysctl('net.ipv4.conf.eth0.arp_ignore'), '0');
      // One more step goes back past the first apply: no table, and the host as it was.
      const again = await lbfwIn(ns, ['rollback', '--state-dir', path.join(dir, 'state')]);
      t.is(again.code, 0, again.stderr);
      t.regex(again.stdout, /put back what apply changed/);
      t.is(await listTable(ns), '');
      t.deepEqual({ ignore: await sysctl('net.ipv4.conf.eth0.arp_ignore'), announce: await sysctl('net.ipv4.conf.eth0.arp_announce') }, before);
      const lo = await ns.ok(['ip', '-o', 'addr', 'show', 'dev', 'lo']);
      t.regex(lo, /192\.0\.2\.10\/24/);
      t.notRegex(lo, /192\.0\.2\.10\/32/);
      t.false(existsSync(persisted), 'lbfw created the sysctl.d file, so rollback removes it');
      t.is(JSON.parse(await readFile(path.join(dir, 'state/vips.json'), 'utf8').catch(() => '[]')).length, 0);
    });
  });
});
