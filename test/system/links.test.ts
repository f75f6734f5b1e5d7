/**
 * The links and addresses lbfw reads by rtnetlink (src/vip/rtnetlink.ts,
 * instead of `ip -j addr show` in every apply) are what iproute2 reports,
 * for the kinds of link and address a director has: loopback with extra
 * addresses, links up and down, NOARP, IPv4 with a peer, IPv6.
 */
import test from 'ava';
import { dumpLinks, parseIpAddrJson } from '../../src/vip/addresses.js';
import { loadNative } from '../../src/nft/netlink/native.js';
import { systemTest, withNamespace } from '../helpers/system.js';

const native = loadNative();

if (typeof native === 'string') {
  test.skip(`rtnetlink links (skipped: ${native})`, () => undefined);
} else {
  systemTest('rtnetlink dumps read the same links and addresses as ip -j addr show, in its order', async (t) => {
    await withNamespace(async (ns) => {
      for (const argv of [
        ['ip', 'link', 'set', 'lo', 'up'],
        ['ip', 'addr', 'add', '198.51.100.7/32', 'dev', 'lo'],
        ['ip', 'link', 'add', 'lbfwa', 'type', 'veth', 'peer', 'name', 'lbfwb'],
        ['ip', 'link', 'set', 'lbfwa', 'up'],
        ['ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'lbfwa'],
        ['ip', 'addr', 'add', '192.0.2.5', 'peer', '192.0.2.6', 'dev', 'lbfwa'],
        ['ip', 'addr', 'add', '2001:db8::1/64', 'dev', 'lbfwa', 'nodad'],
        ['ip', 'link', 'add', 'lbfwc', 'type', 'veth', 'peer', 'name', 'lbfwd'],
        ['ip', 'link', 'set', 'lbfwc', 'arp', 'off'],
        ['ip', 'addr', 'add', '203.0.113.9/28', 'dev', 'lbfwc'],
      ]) {
        await ns.ok(argv);
      }
      const dumped = await dumpLinks(ns.name);
      t.not(dumped, undefined, 'the binding has NETLINK_ROUTE: the dump must be used, not iproute2');
      t.deepEqual(dumped, parseIpAddrJson(await ns.ok(['ip', '-j', 'addr', 'show'])));
      const lo = dumped?.find((link) => link.ifname === 'lo');
      t.true(lo?.loopback === true && lo.addresses.some((a) => a.address === '198.51.100.7' && a.prefix === 32));
      t.false(dumped?.find((link) => link.ifname === 'lbfwc')?.answersArp);
      t.deepEqual(dumped?.find((link) => link.ifname === 'lbfwa')?.addresses.map((a) => `${a.address}/${a.prefix}`).slice(0, 2), ['192.0.2.1/24', '192.0.2.5/32']);
    });
  });
}
