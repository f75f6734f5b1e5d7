import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { PermissionError } from '../../../src/errors.js';
import {
  SysctlError,
  listInterfaces,
  readKeys,
  readSysctl,
  readSysctls,
  sysctlIoError,
  writeSysctl,
} from '../../../src/sysctl/procfs.js';
import { fakeProcSys, resolved } from './fixtures.js';

test('A key is read from its file under the root, without the trailing newline.', async (t) => {
  const root = await fakeProcSys(t, { 'net.ipv4.ip_forward': '1', 'net.ipv4.tcp_rmem': '4096\t131072\t6291456' });
  t.is(await readSysctl('net.ipv4.ip_forward', { root }), '1');
  t.is(await readSysctl('net.ipv4.tcp_rmem', { root }), '4096\t131072\t6291456');
});

test('A missing key reads as undefined, also when its directory is missing.', async (t) => {
  const root = await fakeProcSys(t, { 'net.ipv4.ip_forward': '1' });
  t.is(await readSysctl('net.ipv4.vs.conntrack', { root }), undefined);
  t.is(await readSysctl('net.ipv4.ip_forward.x', { root }), undefined);
});

test('A VLAN interface is read from the directory with the dot.', async (t) => {
  const root = await fakeProcSys(t, { 'net.ipv4.conf.eth0/100.rp_filter': '2' });
  t.true((await readFile(path.join(root, 'net/ipv4/conf/eth0.100/rp_filter'), 'utf8')).startsWith('2'));
  t.is(await readSysctl('net.ipv4.conf.eth0/100.rp_filter', { root }), '2');
});

test('Writing replaces the value the way echo does.', async (t) => {
  const root = await fakeProcSys(t, { 'net.ipv4.conf.eth0.rp_filter': '10' });
  await writeSysctl('net.ipv4.conf.eth0.rp_filter', '2', { root });
  t.is(await readFile(path.join(root, 'net/ipv4/conf/eth0/rp_filter'), 'utf8'), '2\n');
});

test('Writing a key that does not exist fails and creates nothing.', async (t) => {
  const root = await fakeProcSys(t, { 'net.ipv4.ip_forward': '0' });
  const error = await t.throwsAsync(writeSysctl('net.ipv4.vs.conntrack', '0', { root }), { instanceOf: SysctlError });
  t.is(error?.errno, 'ENOENT');
  t.is(await readSysctl('net.ipv4.vs.conntrack', { root }), undefined);
});

test('A directory in place of a key is a SysctlError, not a crash.', async (t) => {
  const root = await fakeProcSys(t, {});
  await mkdir(path.join(root, 'net/ipv4/ip_forward'), { recursive: true });
  await t.throwsAsync(readSysctl('net.ipv4.ip_forward', { root }), { instanceOf: SysctlError });
});

const maps = test.macro({
  exec(t, code: string, value: string | undefined, type: typeof PermissionError | typeof SysctlError, message: RegExp) {
    const error = sysctlIoError(Object.assign(new Error(code), { code }), 'net.ipv4.ip_forward', '/proc/sys/net/ipv4/ip_forward', value);
    t.true(error instanceof type);
    t.regex(error.message, message);
  },
  title: (given, code: string, value: string | undefined) => given ?? `${code} on ${value === undefined ? 'read' : 'write'} becomes a typed error`,
});

test(maps, 'EACCES', '1', PermissionError, /cannot write 1 to \/proc\/sys\/net\/ipv4\/ip_forward \(EACCES\): lbfw needs root/);
test(maps, 'EPERM', '1', PermissionError, /EPERM/);
test(maps, 'EROFS', '1', PermissionError, /mounted read-only/);
test(maps, 'EACCES', undefined, PermissionError, /cannot read/);
test(maps, 'EINVAL', '9', SysctlError, /the kernel refused net\.ipv4\.ip_forward=9 \(EINVAL\)/);
test(maps, 'EIO', undefined, SysctlError, /cannot read .* \(EIO\)/);

test('Interfaces are listed without all and default.', async (t) => {
  const root = await fakeProcSys(t, {
    'net.ipv4.conf.all.rp_filter': '0',
    'net.ipv4.conf.default.rp_filter': '0',
    'net.ipv4.conf.lo.rp_filter': '0',
    'net.ipv4.conf.eth0/100.rp_filter': '0',
    'net.ipv4.conf.eth0.rp_filter': '0',
  });
  t.deepEqual(await listInterfaces(4, { root }), ['eth0', 'eth0.100', 'lo']);
  t.deepEqual(await listInterfaces(6, { root }), []);
});

test('readSysctls reads each key, its all side, and the same key on every other interface.', async (t) => {
  const root = await fakeProcSys(t, {
    'net.ipv4.conf.all.rp_filter': '1',
    'net.ipv4.conf.eth0.rp_filter': '0',
    'net.ipv4.conf.eth1.rp_filter': '2',
    'net.ipv4.ip_forward': '0',
  });
  const values = await readSysctls(resolved({ 'net.ipv4.conf.{vip}.rp_filter': '0', 'net.ipv4.ip_forward': '1', 'net.ipv4.vs.conntrack': '0' }, { vip: 'eth0' }), { root });
  t.deepEqual(Object.fromEntries([...values].sort(([a], [b]) => a.localeCompare(b))), {
    'net.ipv4.conf.all.rp_filter': '1',
    'net.ipv4.conf.eth0.rp_filter': '0',
    'net.ipv4.conf.eth1.rp_filter': '2',
    'net.ipv4.ip_forward': '0',
    'net.ipv4.vs.am_droprate': undefined,
    'net.ipv4.vs.conntrack': undefined,
  });
});

test('readKeys reads each key once.', async (t) => {
  const root = await fakeProcSys(t, { 'net.ipv4.ip_forward': '1' });
  t.deepEqual([...(await readKeys(['net.ipv4.ip_forward', 'net.ipv4.ip_forward'], { root }))], [['net.ipv4.ip_forward', '1']]);
});
