import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import { lockoutFor, sshServerPort } from '../../../src/firewall/lockout.js';

const base: HostConfig = {
  role: 'director',
  interfaces: {},
  services: [{ family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, origin: { kind: 'default' } }],
  peers: [],
  realServers: [],
  management: {
    sources: [{ family: 4, address: '198.51.100.0', prefix: 24 }],
    sshPort: 22,
    allow: [{ sources: [{ family: 6, address: '2001:db8:100::', prefix: 48 }], protocol: 'tcp', port: 2222, origin: { kind: 'default' } }],
  },
  blacklistPath: '/nonexistent',
  inputPolicy: 'drop',
};

const guard = test.macro({
  exec(t, ssh: string | undefined, config: HostConfig, lockedOut: boolean) {
    t.is(lockoutFor(config, { SSH_CONNECTION: ssh }) !== undefined, lockedOut);
  },
  title: (provided) => provided ?? '',
});

test('a client inside the management sources may log in again', guard, '198.51.100.9 50000 192.0.2.1 22', base, false);
test('a client outside the management sources is locked out', guard, '203.0.113.9 50000 192.0.2.1 22', base, true);
test('sshd on another port than ssh_port locks the client out', guard, '198.51.100.9 50000 192.0.2.1 2200', base, true);
test('an allow rule for the SSH port and the client lets it back in', guard, '2001:db8:100::7 50000 2001:db8::1 2222', base, false);
test('an IPv4-mapped client is judged as the IPv4 address the firewall sees', guard, '::ffff:198.51.100.9 50000 ::ffff:192.0.2.1 22', base, false);
test('input policy accept never locks anyone out', guard, '203.0.113.9 50000 192.0.2.1 22', { ...base, inputPolicy: 'accept' }, false);
test('without SSH_CONNECTION there is no session to protect', guard, undefined, base, false);

const sshVip: HostConfig = {
  ...base,
  management: { ...base.management, sources: [{ family: 4, address: '192.0.2.128', prefix: 25 }], allow: [] },
  services: [{ family: 4, address: '192.0.2.10', protocol: 'tcp', port: 22, origin: { kind: 'default' } }],
};
test('a VIP service on port 22 is no way back in to another server address', guard, '203.0.113.2 50000 203.0.113.1 22', sshVip, true);
test('a VIP service on port 22 is a way back in to that VIP', guard, '203.0.113.2 50000 192.0.2.10 22', sshVip, false);

const realserver: HostConfig = {
  ...base,
  role: 'realserver',
  services: [],
  vipAddresses: [{ family: 4, address: '198.51.100.50', origin: { kind: 'flag', flag: '--vip' } }],
  management: { sources: [], sshPort: 22, allow: [] },
};
test('a VIP without a port does not switch the check off for another server address', guard, '192.0.2.99 50000 192.0.2.1 22', realserver, true);
test('a VIP without a port lets the client back in to that VIP', guard, '192.0.2.99 50000 198.51.100.50 22', realserver, false);

test('a management client on a port other than ssh_port is told about ssh_port', (t) => {
  const error = lockoutFor(base, { SSH_CONNECTION: '198.51.100.9 50000 192.0.2.1 2200' });
  t.regex(error?.message ?? '', /sshd listens on port 2200 but management\.ssh_port is 22: set management\.ssh_port: 2200/);
  const outsider = lockoutFor(base, { SSH_CONNECTION: '203.0.113.9 50000 192.0.2.1 22' });
  t.regex(outsider?.message ?? '', /add 203\.0\.113\.9 or its network to management\.sources/);
});

test('the server port is the fourth field of SSH_CONNECTION', (t) => {
  t.is(sshServerPort({ SSH_CONNECTION: '192.0.2.7 51234 192.0.2.1 22' }), 22);
  t.is(sshServerPort({ SSH_CONNECTION: 'garbage' }), undefined);
});
