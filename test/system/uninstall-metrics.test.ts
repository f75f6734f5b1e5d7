/**
 * On one real-server namespace: apply, the boot units, metrics, and then
 * `lbfw uninstall` listing and removing everything lbfw left.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { lbfwIn, listTable, NFT, systemTest, withNamespace, withTempDir } from '../helpers/system.js';

const config = `role: realserver
interfaces: { client: eth0 }
services: ["192.0.2.10:80/tcp"]
blacklist: static_blacklist
`;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => !e.isDirectory()).map((e) => path.join(e.parentPath, e.name)).sort();
}

systemTest('metrics report the running sets; uninstall lists, then removes, everything lbfw left', async (t) => {
  await withTempDir(async (dir) => {
    await withNamespace(async (ns) => {
      await ns.ok(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
      await ns.ok(['ip', 'link', 'set', 'lo', 'up']);
      const root = path.join(dir, 'root');
      const stateDir = path.join(dir, 'state');
      await writeFile(path.join(dir, 'lbfw.yaml'), config);
      await writeFile(path.join(dir, 'static_blacklist'), '203.0.113.66\n203.0.113.70\n2001:db8::/48\n');
      const env = { LBFW_ROOT: root, LBFW_STATE_DIR: stateDir };
      const lbfw = (args: string[]) => lbfwIn(ns, args, env);
      const apply = await lbfw(['apply', '--config', path.join(dir, 'lbfw.yaml')]);
      t.is(apply.code, 0, apply.stderr);
      t.is((await lbfw(['install-units'])).code, 0);
      // Stands in for `lbfw overlimit`'s table.
      await ns.ok([NFT, 'add', 'table', 'inet', 'lbfw_ban']);

      const prom = path.join(dir, 'lbfw.prom');
      const metrics = await lbfw(['metrics', '--config', path.join(dir, 'lbfw.yaml'), '-o', prom]);
      t.is(metrics.code, 0, metrics.stderr);
      const families = parsePrometheusTextFormat(await readFile(prom, 'utf8'));
      const sets = families.find((f) => f.name === 'lbfw_set_elements')?.metrics ?? [];
      const size = (set: string) => sets.find((m) => m.labels?.['set'] === set && m.labels['table'] === 'lbfw')?.value;
      t.is(size('bl4_hosts'), '2');
      t.is(size('bl6_nets'), '1');
      const loaded = families.find((f) => f.name === 'lbfw_table_loaded')?.metrics ?? [];
      t.deepEqual(loaded.map((m) => [m.labels?.['table'], m.value]), [['lbfw', '1'], ['lbfw_ban', '1']]);
      t.truthy(families.find((f) => f.name === 'lbfw_last_apply_timestamp_seconds'));
      t.is(families.find((f) => f.name === 'lbfw_verify_ok')?.metrics.every((m) => m.value === '1'), true);

      const persisted = path.join(root, 'etc/sysctl.d/90-lbfw.conf');
      const units = path.join(root, 'etc/systemd/system');
      const before = await filesUnder(root);
      t.true(before.includes(persisted), before.join("\n"));
      t.true(before.includes(path.join(units, 'lbfw.service')));

      const dry = await lbfw(['uninstall']);
      t.is(dry.code, 0, dry.stderr);
      for (const expected of ['table inet lbfw\n', 'table inet lbfw_ban', 'VIP 192.0.2.10/32 on lo', persisted, path.join(units, 'lbfw-firewall.service'), path.join(units, 'sysinit.target.wants/lbfw-firewall.service'), `state directory ${stateDir}`]) {
        t.true(dry.stdout.includes(expected), `dry run lists ${expected}:\n${dry.stdout}`);
      }
      t.regex(dry.stdout, /stay in effect until reboot[^\n]*\n(.|\n)*arp_ignore/);
      // The dry run changed nothing.
      t.not(await listTable(ns), '');
      t.deepEqual(await filesUnder(root), before);

      const wet = await lbfw(['uninstall', '--yes']);
      t.is(wet.code, 0, wet.stderr);
      t.notRegex(await ns.ok([NFT, 'list', 'tables']), /lbfw/);
      t.notRegex(await ns.ok(['ip', '-o', 'addr', 'show', 'dev', 'lo']), /192\.0\.2\.10/);
      t.deepEqual(await filesUnder(root), []);
      t.false(existsSync(stateDir));
      t.regex((await lbfw(['uninstall'])).stdout, /lbfw left nothing on this host/);
    });
  });
});
