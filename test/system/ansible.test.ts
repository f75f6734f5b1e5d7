/**
 * The Ansible module (ansible/library/lbfw.py) run by Debian's ansible-core
 * against a namespace: check mode reports a change and changes nothing,
 * apply changes the host, and a second apply reports unchanged.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LBFW, listTable, systemTest, withNamespace, withTempDir } from '../helpers/system.js';
import { run } from '../../src/system/run.js';

const LIBRARY = fileURLToPath(new URL('../../../ansible/library', import.meta.url));
const hasAnsible = spawnSync('sh', ['-c', 'command -v ansible-playbook']).status === 0;

interface TaskResult {
  readonly changed: boolean;
  readonly changes?: string[];
  readonly diff?: unknown;
}

systemTest('the Ansible module: check mode reports changed with a diff, apply is idempotent', async (t) => {
  if (!hasAnsible) {
    t.fail('ansible-playbook is not installed (apt-get install ansible-core; .ci/run installs it)');
    return;
  }
  await withTempDir(async (dir) => {
    await withNamespace(async (ns) => {
      const config = path.join(dir, 'lbfw.yaml');
      await writeFile(config, 'role: director\nservices: ["192.0.2.10:80/tcp"]\n');
      await writeFile(path.join(dir, 'static_blacklist'), '');
      const play = path.join(dir, 'play.yml');
      const args = { config, root: path.join(dir, 'root'), state_dir: path.join(dir, 'state'), netns: ns.name, executable: LBFW };
      await writeFile(play, `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - name: lbfw\n      lbfw: ${JSON.stringify(args)}\n`);
      const playbook = async (extra: string[]): Promise<TaskResult> => {
        const result = await run([
          'env', `ANSIBLE_LIBRARY=${LIBRARY}`, 'ANSIBLE_STDOUT_CALLBACK=json', 'ANSIBLE_LOCALHOST_WARNING=false', 'ANSIBLE_INVENTORY_UNPARSED_WARNING=false',
          'ansible-playbook', '-i', 'localhost,', ...extra, play,
        ]);
        t.is(result.code, 0, `${result.stdout}\n${result.stderr}`);
        const report = JSON.parse(result.stdout) as { plays: { tasks: { hosts: { localhost: TaskResult } }[] }[] };
        const task = report.plays[0]?.tasks[0]?.hosts.localhost;
        if (task === undefined) throw new Error(`no task result in ${result.stdout}`);
        return task;
      };
      const check = await playbook(['--check', '--diff']);
      t.true(check.changed);
      t.true((check.changes ?? []).some((line) => line.startsWith('firewall: table inet lbfw')), JSON.stringify(check));
      t.truthy(check.diff);
      t.is(await listTable(ns), '', 'check mode changed nothing');

      t.true((await playbook([])).changed);
      t.not(await listTable(ns), '');
      t.false((await playbook([])).changed, 'a second run reports unchanged');
    });
  });
});
