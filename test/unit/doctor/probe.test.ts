import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import type { RunResult } from '../../../src/system/run.js';
import { hostOfMac, parseArping, probeArp, probeHosts } from '../../../src/doctor/probe.js';
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

// Who answers for the peer directors and real servers (probeHosts, hostOfMac).

const DIRECTOR_MAC = '02:00:00:00:00:02';
const PEER_MAC = '02:00:00:00:00:03';
const RS1_MAC = '02:00:00:00:01:21';
const RS2_MAC = '02:00:00:00:01:22';

/** replies is arping's output with one reply from each MAC. */
function replies(target: string, macs: readonly string[]): string {
  return `ARPING ${target} from 192.0.2.2 eth0\n${macs.map((mac) => `Unicast reply from ${target} [${mac.toUpperCase()}]  0.6ms\n`).join('')}Sent 2 probes (1 broadcast(s))\n`;
}

const withPeer: HostConfig = { ...config, peers: [{ family: 4, address: '192.0.2.3', origin: { kind: 'default' } }] };

test('probeHosts asks who has each peer and real server on a network of this host, from a non-VIP address, all at once.', async (t) => {
  const elsewhere: HostConfig = { ...withPeer, realServers: [...withPeer.realServers, { family: 4, address: '198.51.100.9', origin: { kind: 'default' } }, { family: 6, address: '2001:db8::21', origin: { kind: 'default' } }] };
  const answers: Record<string, readonly string[]> = { '192.0.2.3': [PEER_MAC, RS2_MAC], '192.0.2.21': [RS1_MAC, RS2_MAC], '192.0.2.22': [RS2_MAC, DIRECTOR_MAC] };
  const ran: string[] = [];
  let running = 0;
  let most = 0;
  const run = async (argv: readonly string[]): Promise<RunResult> => {
    ran.push(argv.join(' '));
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setImmediate(resolve));
    running -= 1;
    const target = argv.at(-1) ?? '';
    return { code: 0, stdout: replies(target, answers[target] ?? []), stderr: '' };
  };
  const hosts = await probeHosts(elsewhere, links, { eth0: DIRECTOR_MAC }, { run, seconds: 1 });
  t.deepEqual(ran.sort(), ['192.0.2.21', '192.0.2.22', '192.0.2.3'].map((a) => `arping -w 1 -I eth0 -s 192.0.2.2 ${a}`));
  t.is(most, 3, 'the three arpings listen at the same time');
  t.deepEqual(hosts, [
    { address: '192.0.2.3', role: 'peer', iface: 'eth0', source: '192.0.2.2', macs: [PEER_MAC, RS2_MAC] },
    { address: '192.0.2.21', role: 'real server', iface: 'eth0', source: '192.0.2.2', macs: [RS1_MAC, RS2_MAC] },
    // This director's own MAC is never another host's answer.
    { address: '192.0.2.22', role: 'real server', iface: 'eth0', source: '192.0.2.2', macs: [RS2_MAC] },
  ]);
});

test('probeHosts reports an arping that cannot run, per host.', async (t) => {
  const run = async (): Promise<RunResult> => ({ code: 2, stdout: '', stderr: 'arping: socket: Operation not permitted' });
  const hosts = await probeHosts(withPeer, links, { eth0: DIRECTOR_MAC }, { run, seconds: 1 });
  t.is(hosts.length, 3);
  t.true(hosts.every((h) => h.macs.length === 0 && /Operation not permitted/.test(h.error ?? '')));
});

test('hostOfMac: a MAC alone for a host is that host; of two, the one not another host\'s is the own one; an unresolved pair stays unnamed.', (t) => {
  const host = (address: string, role: 'peer' | 'real server', macs: readonly string[]) => ({ address, role, iface: 'eth0', source: '192.0.2.2', macs });
  const rs2 = host('192.0.2.22', 'real server', [RS2_MAC]);
  const peer = host('192.0.2.3', 'peer', [PEER_MAC, RS2_MAC]);
  const rs1 = host('192.0.2.21', 'real server', [RS1_MAC, RS2_MAC]);
  const owners = hostOfMac([peer, rs1, rs2]);
  t.deepEqual([...owners].map(([mac, h]) => `${mac} ${h.address}`).sort(), [`${PEER_MAC} 192.0.2.3`, `${RS1_MAC} 192.0.2.21`, `${RS2_MAC} 192.0.2.22`]);
  // Two unknown MACs for one host: neither is named.
  t.deepEqual([...hostOfMac([host('192.0.2.21', 'real server', [RS1_MAC, RS2_MAC])])], []);
});

test('probeArp names a VIP answer from the host probes, not from a neighbour entry two MACs answer for.', async (t) => {
  const run = async (argv: readonly string[]): Promise<RunResult> => ({ code: 0, stdout: replies(argv.at(-1) ?? '', [RS2_MAC]), stderr: '' });
  const hosts = [
    { address: '192.0.2.22', role: 'real server' as const, iface: 'eth0', source: '192.0.2.2', macs: [RS2_MAC] },
    { address: '192.0.2.21', role: 'real server' as const, iface: 'eth0', source: '192.0.2.2', macs: [RS1_MAC, RS2_MAC] },
  ];
  // The cache took RS2's MAC for 192.0.2.21 (it answered first): that entry says nothing about who RS2 is.
  const neighbours = [{ address: '192.0.2.21', dev: 'eth0', mac: RS2_MAC, state: ['REACHABLE'] }];
  const ran: string[] = [];
  const results = await probeArp(withPeer, links, { eth0: DIRECTOR_MAC }, neighbours, { run: async (argv) => (ran.push(argv.join(' ')), run(argv)), seconds: 1, hosts });
  t.deepEqual(results[0]?.answers.filter((a) => !a.own), [{ mac: RS2_MAC, addresses: ['192.0.2.22'], own: false }]);
  t.deepEqual(ran, ['arping -w 1 -I eth0 -s 192.0.2.2 192.0.2.10'], 'hosts already probed are not asked again');
});
