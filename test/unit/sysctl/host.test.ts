import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import { applySysctlState, applySysctls, persistSysctls, planSysctls, readSysctlState, verifySysctls } from '../../../src/sysctl/host.js';
import { readSysctl } from '../../../src/sysctl/procfs.js';
import { DIRECTOR, REALSERVER } from '../../helpers/fixtures.js';
import { fakeProcSys, tempDir } from './fixtures.js';

const director: HostConfig = { ...DIRECTOR, interfaces: { vip: 'eth0', realServers: 'eth1' } };
const realserver: HostConfig = { ...REALSERVER, interfaces: { client: 'eth0' } };

/** A freshly booted director: rp_filter strict in all, redirects on, no IPVS module. */
const DIRECTOR_HOST = {
  'net.ipv4.ip_forward': '0',
  'net.ipv4.conf.all.forwarding': '0',
  'net.ipv4.conf.all.rp_filter': '1',
  'net.ipv4.conf.eth0.rp_filter': '1',
  'net.ipv4.conf.eth1.rp_filter': '1',
  'net.ipv4.conf.eth2.rp_filter': '0',
  'net.ipv4.conf.lo.rp_filter': '0',
  'net.ipv4.conf.all.send_redirects': '1',
  'net.ipv4.conf.eth0.send_redirects': '1',
  'net.ipv4.conf.eth1.send_redirects': '1',
  'net.ipv4.conf.eth2.send_redirects': '1',
  'net.ipv4.conf.lo.send_redirects': '1',
  'net.ipv4.conf.all.proxy_arp': '0',
  'net.ipv4.conf.eth0.proxy_arp': '0',
  'net.ipv4.conf.eth1.proxy_arp': '0',
  'net.ipv4.conf.eth2.proxy_arp': '0',
  'net.ipv4.conf.lo.proxy_arp': '0',
  'net.ipv4.conf.all.accept_source_route': '0',
  'net.ipv4.conf.all.accept_redirects': '1',
  'net.ipv4.conf.eth0.accept_redirects': '1',
  'net.ipv4.conf.eth1.accept_redirects': '1',
  'net.ipv4.conf.all.secure_redirects': '1',
  'net.ipv4.conf.eth0.secure_redirects': '1',
  'net.ipv4.conf.eth0.forwarding': '0',
  'net.ipv4.conf.eth1.forwarding': '0',
  'net.ipv6.conf.eth0.accept_redirects': '1',
  'net.ipv6.conf.eth1.accept_redirects': '1',
  'net.ipv6.conf.eth0.accept_ra': '1',
  'net.ipv6.conf.eth1.accept_ra': '1',
};

/** Options that keep the tests away from /etc/lbfw/profiles. */
async function options(t: Parameters<typeof tempDir>[0], host: Record<string, string>) {
  const root = await fakeProcSys(t, host);
  const userDir = path.join(await tempDir(t), 'profiles');
  return { root, userDir };
}

test('verify judges the director against director-dr by default, with IPVS keys skipped.', async (t) => {
  const result = await verifySysctls(director, await options(t, DIRECTOR_HOST));
  t.is(result.profile, 'director-dr');
  t.false(result.ok);
  t.deepEqual(
    result.results.map((r) => [r.key, r.status]),
    [
      ['net.ipv4.conf.all.proxy_arp', 'pass'],
      ['net.ipv4.conf.all.accept_source_route', 'pass'],
      ['net.ipv4.conf.eth0.proxy_arp', 'pass'],
      ['net.ipv4.conf.eth0.send_redirects', 'fail'],
      ['net.ipv4.conf.eth1.send_redirects', 'fail'],
      ['net.ipv4.conf.eth0.accept_redirects', 'fail'],
      ['net.ipv4.conf.eth1.accept_redirects', 'fail'],
      ['net.ipv4.conf.eth0.secure_redirects', 'pass'],
      ['net.ipv6.conf.eth0.accept_redirects', 'fail'],
      ['net.ipv6.conf.eth1.accept_redirects', 'fail'],
      ['net.ipv6.conf.eth0.accept_ra', 'fail'],
      ['net.ipv6.conf.eth1.accept_ra', 'fail'],
      ['net.ipv4.vs.expire_nodest_conn', 'skip'],
      ['net.ipv4.vs.expire_quiescent_template', 'skip'],
      ['net.ipv4.conf.eth0.rp_filter', 'fail'],
      ['net.ipv4.vs.conntrack', 'skip'],
    ],
  );
  t.regex(result.results.find((r) => r.key === 'net.ipv4.conf.eth0.rp_filter')?.reason ?? '', /reverse-path filtering/);
});

test('plan lists the writes without making them.', async (t) => {
  const opts = await options(t, DIRECTOR_HOST);
  const plan = await planSysctls(director, opts);
  t.deepEqual(plan.writes.map((w) => `${w.key}=${w.value}`), [
    'net.ipv4.conf.all.send_redirects=0',
    'net.ipv4.conf.eth0.send_redirects=0',
    'net.ipv4.conf.eth1.send_redirects=0',
    'net.ipv4.conf.all.accept_redirects=0',
    'net.ipv4.conf.eth0.accept_redirects=0',
    'net.ipv4.conf.eth1.accept_redirects=0',
    'net.ipv6.conf.eth0.accept_redirects=0',
    'net.ipv6.conf.eth1.accept_redirects=0',
    'net.ipv6.conf.eth0.accept_ra=0',
    'net.ipv6.conf.eth1.accept_ra=0',
    'net.ipv4.conf.eth2.rp_filter=1',
    'net.ipv4.conf.lo.rp_filter=1',
    'net.ipv4.conf.all.rp_filter=0',
    'net.ipv4.conf.eth0.rp_filter=0',
  ]);
  t.is(await readSysctl('net.ipv4.conf.all.rp_filter', { root: opts.root }), '1');
});

test('apply makes every setting pass, reports what changed, and changes nothing the second time.', async (t) => {
  const opts = await options(t, DIRECTOR_HOST);
  const first = await applySysctls(director, opts);
  t.true(first.ok);
  t.true(first.changed.length > 0);
  t.deepEqual(first.unresolved, []);
  t.deepEqual(first.results.filter((r) => r.status === 'fail'), []);
  t.deepEqual(first.unchanged.map((r) => r.key), [
    'net.ipv4.conf.all.proxy_arp',
    'net.ipv4.conf.all.accept_source_route',
    'net.ipv4.conf.eth0.proxy_arp',
    'net.ipv4.conf.eth0.secure_redirects',
  ]);
  t.is(await readSysctl('net.ipv4.conf.all.rp_filter', opts), '0');
  t.is(await readSysctl('net.ipv4.conf.eth0.rp_filter', opts), '0');
  // eth1 faces the real servers and keeps its strict filtering.
  t.is(await readSysctl('net.ipv4.conf.eth1.rp_filter', opts), '1');
  t.is(await readSysctl('net.ipv4.conf.eth2.rp_filter', opts), '1');

  const second = await applySysctls(director, opts);
  t.deepEqual(second.changed, []);
  t.true(second.ok);
});

test('A real server gets realserver-dr: arp_ignore, arp_announce and loose rp_filter on its client interface.', async (t) => {
  const opts = await options(t, {
    'net.ipv4.conf.all.arp_ignore': '0',
    'net.ipv4.conf.eth0.arp_ignore': '0',
    'net.ipv4.conf.lo.arp_ignore': '1',
    'net.ipv4.conf.all.arp_announce': '0',
    'net.ipv4.conf.eth0.arp_announce': '0',
    'net.ipv4.conf.lo.arp_announce': '2',
    'net.ipv4.conf.all.rp_filter': '1',
    'net.ipv4.conf.eth0.rp_filter': '1',
    'net.ipv4.conf.lo.rp_filter': '0',
    'net.ipv4.conf.all.proxy_arp': '0',
    'net.ipv4.conf.eth0.proxy_arp': '0',
    'net.ipv4.conf.lo.proxy_arp': '0',
    'net.ipv4.conf.all.accept_source_route': '0',
  });
  const before = await verifySysctls(realserver, opts);
  t.is(before.profile, 'realserver-dr');
  t.regex(before.results.find((r) => r.key === 'net.ipv4.conf.eth0.arp_ignore')?.message ?? '', /lo has arp_ignore 1, which does not help/);
  const applied = await applySysctls(realserver, opts);
  t.true(applied.ok);
  t.deepEqual(applied.changed.map((w) => `${w.key}=${w.value}`), [
    'net.ipv4.conf.eth0.arp_ignore=1',
    'net.ipv4.conf.eth0.arp_announce=2',
    'net.ipv4.conf.eth0.rp_filter=2',
  ]);
});

test('director-nat writes ip_forward first and counts on it to turn on forwarding of every interface.', async (t) => {
  // Redirects already off: a plain directory does not turn all/accept_redirects off when ip_forward is written, as the kernel does.
  const redirectsOff = { 'net.ipv4.conf.all.accept_redirects': '0', 'net.ipv4.conf.eth0.accept_redirects': '0', 'net.ipv4.conf.eth1.accept_redirects': '0' };
  const opts = await options(t, { ...DIRECTOR_HOST, ...redirectsOff, 'net.ipv4.conf.eth1.forwarding': '0', 'net.ipv4.conf.eth0.forwarding': '0' });
  const applied = await applySysctls(director, { ...opts, profile: 'director-nat' });
  t.is(applied.changed[0]?.key, 'net.ipv4.ip_forward');
  t.is(await readSysctl('net.ipv4.ip_forward', opts), '1');
  // The kernel sets conf/*/forwarding when ip_forward is written; a plain
  // directory does not, so here the interface still reads 0 afterwards.
  t.false(applied.changed.some((w) => w.key === 'net.ipv4.conf.eth1.forwarding'));
  t.deepEqual(applied.results.filter((r) => r.status === 'fail').map((r) => r.key), ['net.ipv4.conf.eth1.forwarding']);
});

test('A user profile can replace a built-in one for the role.', async (t) => {
  const opts = await options(t, DIRECTOR_HOST);
  await mkdir(opts.userDir, { recursive: true });
  await writeFile(path.join(opts.userDir, 'director-dr.yaml'), 'sysctls:\n  net.ipv4.conf.{vip}.rp_filter:\n    value: "0|2"\n    reason: Loose is fine on this site.\n');
  const result = await verifySysctls(director, opts);
  t.deepEqual(result.results.map((r) => [r.key, r.expected]), [['net.ipv4.conf.eth0.rp_filter', '0|2']]);
});

test('persist writes the sysctl.d file with reasons and lists a later file that overrides it.', async (t) => {
  const opts = await options(t, DIRECTOR_HOST);
  const etc = await tempDir(t);
  const dir = path.join(etc, 'sysctl.d');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, '99-admin.conf'), 'net.ipv4.conf.all.send_redirects = 1\n');
  const result = await persistSysctls(director, { ...opts, dir, searchDirs: [], sysctlConf: path.join(etc, 'sysctl.conf') });
  t.is(result.profile, 'director-dr');
  t.is(result.file, path.join(dir, '90-lbfw.conf'));
  const text = await readFile(result.file, 'utf8');
  t.regex(text, /\nnet\.ipv4\.conf\.all\.rp_filter = 0\n/);
  t.regex(text, /\n-net\.ipv4\.conf\.eth0\.rp_filter = 0\n/);
  t.regex(text, /# Client packets for the VIP must be accepted/);
  t.regex(text, /\n-net\.ipv4\.vs\.expire_nodest_conn = 1\n/, 'a key absent now is persisted for when IPVS is loaded');
  t.deepEqual(result.overriddenBy.map((o) => [path.basename(o.file), o.key, o.theirs]), [['99-admin.conf', 'net.ipv4.conf.all.send_redirects', '1']]);
  t.is(await readSysctl('net.ipv4.conf.all.rp_filter', opts), '1', 'persist does not write /proc/sys');
});

test('One state read serves the plan, the writes and the sysctl.d file: the same results and file as three fresh reads.', async (t) => {
  const fresh = await options(t, DIRECTOR_HOST);
  const once = await options(t, DIRECTOR_HOST);
  const persistTo = async () => {
    const etc = await tempDir(t);
    return { dir: path.join(etc, 'sysctl.d'), searchDirs: [], sysctlConf: path.join(etc, 'sysctl.conf') };
  };
  const planFresh = await planSysctls(director, fresh);
  const appliedFresh = await applySysctls(director, fresh);
  const persistedFresh = await persistSysctls(director, { ...fresh, ...(await persistTo()) });

  const before = await readSysctlState(director, once);
  t.deepEqual(await planSysctls(director, once, before), planFresh);
  const { result, after } = await applySysctlState(before, once);
  t.deepEqual(result, appliedFresh);
  t.deepEqual(after.readings, (await readSysctlState(director, once)).readings, 'the state after is what /proc/sys holds now');
  const persisted = await persistSysctls(director, { ...once, ...(await persistTo()) }, after);
  t.is(persisted.content, persistedFresh.content);
  t.deepEqual(persisted.entries, persistedFresh.entries);
});
