/**
 * Differential test against keepalived itself (Debian's keepalived 2.2.7):
 * for every configuration of test/fixtures/keepalived-corpus, `keepalived -t`
 * (config test: parse and validate, start nothing) and lbfw must agree:
 * keepalived clean => lbfw has no error and no warning; every line keepalived
 * reports => lbfw reports that line too (as an error, a warning, a deprecated
 * or an unknown keyword). keepalived runs inside a throwaway network namespace
 * that holds the eth0 the configurations name, with its own pid files.
 */
import { existsSync } from 'node:fs';
import test from 'ava';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/errors.js';
import { readKeepalived } from '../../src/keepalived/index.js';
import type { KeepalivedModel } from '../../src/keepalived/index.js';
import { dumpVrrp, parseVrrpTopology, type DumpedInstance } from '../helpers/keepalived-dump.js';
import { systemTest, withNamespace, withTempDir } from '../helpers/system.js';

const CORPUS = fileURLToPath(new URL('../../../test/fixtures/keepalived-corpus', import.meta.url));
const KEEPALIVED = '/usr/sbin/keepalived';
const required = process.env['LBFW_REQUIRE_SYSTEM_TESTS'] === '1';

/** The corpus files, each read with the config id it is written for. */
const CASES: ReadonlyArray<{ readonly file: string; readonly id: string }> = [
  { file: 'features.conf', id: 'lb1' },
  { file: 'features.conf', id: 'lb2' },
  { file: 'defaults.conf', id: 'lb1' },
  { file: 'vrrp.conf', id: 'lb1' },
  { file: 'vrrp.conf', id: 'lb2' },
];

/**
 * The corpus files keepalived's VRRP process can run without IPVS (no
 * lvs_sync_daemon: the VRRP process initialises IPVS for it and crashes on
 * this kernel), each with the id it is read with: their dump is compared.
 * Virtual servers are left to the checker process, which is not started.
 */
const DUMPED: ReadonlyArray<{ readonly file: string; readonly id: string }> = [
  { file: 'vrrp.conf', id: 'lb1' },
  { file: 'vrrp.conf', id: 'lb2' },
  { file: 'defaults.conf', id: 'lb1' },
];

/** keepalived's defaults for what a vrrp_instance leaves out (or writes invalidly): vrrp_data.c. */
const DEFAULT_STATE = 'BACKUP';
const DEFAULT_PRIORITY = 100;

function modelInstances(model: KeepalivedModel): DumpedInstance[] {
  return model.vrrpInstances.map((i) => ({
    name: i.name,
    state: i.state ?? DEFAULT_STATE,
    interface: i.interface ?? '',
    virtualRouterId: i.virtualRouterId ?? 0,
    priority: i.priority ?? DEFAULT_PRIORITY,
    vips: i.virtualIpaddress.map((v) => `${v.address}/${v.prefix}`),
    unicastPeers: i.unicastPeer.map((p) => p.address),
  }));
}

/** reported: `basename:line` of every message of keepalived -t that names a line. */
function reported(stderr: string, main: string): Set<string> {
  const lines = new Set<string>();
  for (const match of stderr.matchAll(/^\((?:(.+?): )?Line (\d+)\)/gm)) lines.add(`${path.basename(match[1] ?? main)}:${match[2]}`);
  return lines;
}

function lbfwLines(model: KeepalivedModel): Set<string> {
  const items = [...model.warnings, ...model.deprecated, ...model.unknownKeywords];
  return new Set(items.map((i) => `${path.basename(i.file)}:${i.line}`));
}

// Where system tests are required (CI installs keepalived), a missing keepalived fails the test.
const run = existsSync(KEEPALIVED) || required ? systemTest : (title: string) => test.skip(`${title} (skipped: ${KEEPALIVED} is not installed)`, () => undefined);

run('keepalived -t and lbfw agree on every configuration of the corpus', async (t) => {
  t.timeout(120_000);
  await withTempDir(async (dir) =>
    withNamespace(async (ns) => {
      await ns.ok(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
      await ns.ok(['ip', 'link', 'set', 'eth0', 'up']);
      for (const { file, id } of CASES) {
        const main = path.join(CORPUS, file);
        const pid = (name: string) => path.join(dir, `${name}.pid`);
        const result = await ns.exec([KEEPALIVED, '-t', '-f', main, '-i', id, '-p', pid('k'), '-r', pid('v'), '-c', pid('c')]);
        const theirs = reported(result.stderr, main);
        let model: KeepalivedModel | undefined;
        let errors: string[] = [];
        try {
          model = await readKeepalived(main, { configId: id, env: {} });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          errors = error.problems.map((p) => `${path.basename(p.file)}:${p.line}`);
        }
        const ours = new Set([...errors, ...(model === undefined ? [] : lbfwLines(model))]);
        const what = `${file} -i ${id}: keepalived exit ${result.code}\n${result.stderr}`;
        if (result.code === 0) {
          t.deepEqual(errors, [], what);
          t.deepEqual(model?.warnings ?? [], [], what);
        } else {
          t.true(ours.size > 0, what);
        }
        t.deepEqual([...theirs].filter((line) => !ours.has(line)), [], `lines keepalived reports and lbfw does not: ${what}`);
      }
    }),
  );
});

run('the model of the feature corpus holds what keepalived -t accepted', async (t) => {
  const lb1 = await readKeepalived(path.join(CORPUS, 'features.conf'), { configId: 'lb1', env: {} });
  const lb2 = await readKeepalived(path.join(CORPUS, 'features.conf'), { configId: 'lb2', env: {} });
  const services = (m: KeepalivedModel) =>
    m.virtualServers.map((v) => `${v.target.kind === 'address' ? `${v.target.address}:${v.target.port}` : ''} ${v.realServers.map((r) => `${r.address}:${r.port}w${r.weight ?? 1}`).join(',')}`);
  t.deepEqual(services(lb1), [
    '192.0.2.10:443 192.0.2.21:443w2,192.0.2.22:443w1,192.0.2.23:443w1',
    '192.0.2.11:80 192.0.2.31:80w1,192.0.2.32:80w1,192.0.2.33:80w13,192.0.2.34:80w1',
    '198.51.100.10:80 198.51.100.21:80w1',
    '198.51.100.20:25 198.51.100.22:25w1',
  ]);
  t.is(services(lb2)[3], '198.51.100.30:53 198.51.100.23:53w1');
  t.like(lb1.vrrpInstances[0], { state: 'MASTER', priority: 150, interface: 'eth0', unicastSrcIp: { address: '192.0.2.1' } });
  t.like(lb2.vrrpInstances[0], { state: 'BACKUP', priority: 100 });
  t.is(lb1.globalDefs?.routerId, 'lb1');
  t.like(lb1.globalDefs?.lvsSyncDaemon, { interface: 'eth0', instance: 'VI_1', id: 7, port: 9000, group: { family: 4, address: '224.0.0.99' } });
});

run("keepalived's own VRRP dump (--vrrp --dump-conf) and lbfw's model agree on instances, interfaces, router ids, priorities, VIPs and unicast peers", async (t) => {
  t.timeout(180_000);
  await withTempDir(async (dir) =>
    withNamespace(async (ns) => {
      await ns.ok(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
      await ns.ok(['ip', 'link', 'set', 'eth0', 'up']);
      await ns.ok(['ip', 'link', 'set', 'eth1', 'up']);
      for (const { file, id } of DUMPED) {
        const main = path.join(CORPUS, file);
        const log = await dumpVrrp(ns, main, id, dir);
        const theirs = parseVrrpTopology(log);
        t.true(theirs.length > 0, `${file} -i ${id}: no VRRP Topology in keepalived's log:\n${log}`);
        const ours = modelInstances(await readKeepalived(main, { configId: id, env: {} }));
        t.deepEqual(ours, theirs, `${file} -i ${id}`);
      }
    }),
  );
});
