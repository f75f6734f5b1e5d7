import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import type { RunResult } from '../../../src/system/run.js';
import { parseArping, probeArp } from '../../../src/doctor/probe.js';
import { link } from './fixtures.js';

const ARPING = `ARPING 192.0.2.10 from 192.0.2.2 eth0
Unicast reply from 192.0.2.10 [02:00:00:00:01:21]  0.610ms
Unicast reply from 192.0.2.10 [02:00:00:00:01:22]  0.702ms
Unicast reply from 192.0.2.10 [02:00:00:00:01:21]  0.533ms
Sent 2 probes (1 broadcast(s))
Received 3 response(s)
`;

test('parseArping lists each answering MAC once, sorted, in lower case.', (t) => {
  t.deepEqual(parseArping(ARPING.replace('01:22', '01:2A')), ['02:00:00:00:01:21', '02:00:00:00:01:2a']);
  t.deepEqual(parseArping('ARPING 192.0.2.10 from 192.0.2.2 eth0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)\n'), []);
});

const config: HostConfig = {
  role: 'director',
  interfaces: {},
  services: [
    { family: 4, address: '192.0.2.10', protocol: 'tcp', port: 80, origin: { kind: 'default' } },
    { family: 6, address: '2001:db8::10', protocol: 'tcp', port: 80, origin: { kind: 'default' } },
  ],
  peers: [],
  realServers: [
    { family: 4, address: '192.0.2.21', origin: { kind: 'default' } },
    { family: 4, address: '192.0.2.22', origin: { kind: 'default' } },
  ],
  management: { sources: [], sshPort: 22, allow: [] },
  blacklistPath: '/nonexistent',
  inputPolicy: 'drop',
};

const links = [link('lo', [['127.0.0.1', 8]], { loopback: true }), link('eth0', [['192.0.2.2', 24], ['192.0.2.10', 24]])];

test('probeArp asks from a non-VIP address on the VIP interface and names the answers.', async (t) => {
  const ran: string[] = [];
  const run = async (argv: readonly string[]): Promise<RunResult> => {
    ran.push(argv.join(' '));
    const target = argv.at(-1);
    if (target === '192.0.2.10') return { code: 0, stdout: ARPING, stderr: '' };
    if (target === '192.0.2.22') return { code: 0, stdout: 'Unicast reply from 192.0.2.22 [02:00:00:00:01:22]  0.5ms\n', stderr: '' };
    return { code: 1, stdout: '', stderr: '' };
  };
  const neighbours = [{ address: '192.0.2.21', dev: 'eth0', mac: '02:00:00:00:01:21', state: ['REACHABLE'] }];
  const results = await probeArp(config, links, { eth0: '02:00:00:00:00:02' }, neighbours, { run, seconds: 1 });
  t.deepEqual(ran, [
    'arping -w 1 -I eth0 -s 192.0.2.2 192.0.2.10',
    'arping -c 1 -w 1 -I eth0 -s 192.0.2.2 192.0.2.21',
    'arping -c 1 -w 1 -I eth0 -s 192.0.2.2 192.0.2.22',
  ]);
  t.deepEqual(results, [
    {
      vip: '192.0.2.10',
      iface: 'eth0',
      source: '192.0.2.2',
      local: true,
      answers: [
        { mac: '02:00:00:00:00:02', addresses: ['192.0.2.2', '192.0.2.10'], own: true },
        { mac: '02:00:00:00:01:21', addresses: ['192.0.2.21'], own: false },
        { mac: '02:00:00:00:01:22', addresses: ['192.0.2.22'], own: false },
      ],
    },
  ]);
});

test('probeArp reports an arping that cannot run.', async (t) => {
  const run = async (): Promise<RunResult> => ({ code: 2, stdout: '', stderr: 'arping: Device eth0 not available.' });
  const [result] = await probeArp(config, links, {}, [], { run });
  t.is(result?.error, 'arping -w 2 -I eth0 -s 192.0.2.2 192.0.2.10: arping: Device eth0 not available.');
});

test('probeArp names no interface when none faces the VIP.', async (t) => {
  const run = async (): Promise<RunResult> => ({ code: 1, stdout: '', stderr: '' });
  const [result] = await probeArp(config, [links[0]!], {}, [], { run });
  t.is(result?.error, 'no interface of this host faces 192.0.2.10');
});
