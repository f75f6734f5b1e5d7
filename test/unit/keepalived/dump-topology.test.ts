/**
 * The differential test's reader of keepalived's VRRP dump
 * (test/helpers/keepalived-dump.ts): keepalived's parent process logs to the
 * same console as the dumping VRRP child, so its lines can land inside the
 * dump, even between a list's header and its items.
 */
import test from 'ava';
import { parseVrrpTopology } from '../../helpers/keepalived-dump.js';

const at = 'Wed Dec  2 18:27:31 2026: ';
const dump = (intruder: string[]): string =>
  [
    '------< VRRP Topology >------',
    ' VRRP Instance = VI_1',
    '   Wantstate = MASTER',
    '   Interface = eth0',
    '   Virtual Router ID = 51',
    '   Priority = 150',
    '   Virtual IP (2):',
    ...intruder,
    '     192.0.2.10 dev eth0 scope global',
    '     192.0.2.20/24 dev eth0 scope global',
    '   Unicast Peer = 1',
    '     192.0.2.2',
    '------< Interfaces >------',
  ]
    .map((line) => `${at}${line}`)
    .join('\n');

test('a line of keepalived\'s parent between "Virtual IP" and its items does not hide the VIPs', (t) => {
  const expected = [{ name: 'VI_1', state: 'MASTER', interface: 'eth0', virtualRouterId: 51, priority: 150, vips: ['192.0.2.10/32', '192.0.2.20/24'], unicastPeers: ['192.0.2.2'] }];
  t.deepEqual(parseVrrpTopology(dump([])), expected);
  t.deepEqual(parseVrrpTopology(dump(['Startup complete', '(VI_2) entering FAULT state'])), expected);
});
