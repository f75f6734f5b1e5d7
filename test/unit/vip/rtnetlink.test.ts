import test from 'ava';
import { RtnetlinkError, addressDumpRequest, decodeLinks, linkDumpRequest } from '../../../src/vip/rtnetlink.js';

function attr(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc((4 + value.length + 3) & ~3);
  out.writeUInt16LE(4 + value.length, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}

function message(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeUInt16LE(type, 4);
  return Buffer.concat([head, body]);
}

const DONE = message(3, Buffer.alloc(4));

/** RTM_NEWLINK: ifinfomsg { family, pad, type, index, flags, change } + IFLA_IFNAME. */
function link(index: number, name: string, arphrd: number, flags: number): Buffer {
  const info = Buffer.alloc(16);
  info.writeUInt16LE(arphrd, 2);
  info.writeInt32LE(index, 4);
  info.writeUInt32LE(flags, 8);
  return message(16, Buffer.concat([info, attr(3, Buffer.from(`${name}\0`))]));
}

/** RTM_NEWADDR: ifaddrmsg { family, prefixlen, flags, scope, index } + attributes. */
function address(index: number, family: number, prefix: number, attrs: Buffer[]): Buffer {
  const info = Buffer.alloc(8);
  info[0] = family;
  info[1] = prefix;
  info.writeUInt32LE(index, 4);
  return message(20, Buffer.concat([info, ...attrs]));
}

test('dump requests: RTM_GETLINK and RTM_GETADDR with NLM_F_REQUEST|NLM_F_DUMP', (t) => {
  // ip link show / ip addr show
  t.is(linkDumpRequest(1).toString('hex'), '2000000012000103010000000000000000000000000000000000000000000000');
  t.is(addressDumpRequest(2).toString('hex'), '18000000160001030200000000000000' + '0000000000000000');
});

test('decodeLinks: flags, loopback, IFA_LOCAL before IFA_ADDRESS (a peer), IPv6 canonical', (t) => {
  const links = Buffer.concat([link(1, 'lo', 772, 0x1 | 0x8), link(2, 'eth0', 1, 0x1), link(3, 'tun0', 65534, 0x80), DONE]);
  const v4 = (text: string) => Buffer.from(text.split('.').map(Number));
  const addresses = Buffer.concat([
    address(1, 2, 8, [attr(1, v4('127.0.0.1')), attr(2, v4('127.0.0.1'))]),
    address(2, 2, 32, [attr(1, v4('192.0.2.6')), attr(2, v4('192.0.2.5'))]),
    address(2, 10, 64, [attr(1, Buffer.from('20010db8000000000000000000000001', 'hex'))]),
    address(9, 2, 24, [attr(2, v4('198.51.100.1'))]),
    DONE,
  ]);
  t.deepEqual(decodeLinks(links, addresses), [
    { ifname: 'lo', loopback: true, answersArp: false, up: true, addresses: [{ ifname: 'lo', family: 4, address: '127.0.0.1', prefix: 8 }] },
    {
      ifname: 'eth0',
      loopback: false,
      answersArp: true,
      up: true,
      addresses: [
        { ifname: 'eth0', family: 4, address: '192.0.2.5', prefix: 32 },
        { ifname: 'eth0', family: 6, address: '2001:db8::1', prefix: 64 },
      ],
    },
    { ifname: 'tun0', loopback: false, answersArp: false, up: false, addresses: [] },
  ]);
});

test('decodeLinks: an error instead of the dump, a truncated message or no NLMSG_DONE throws', (t) => {
  const error = Buffer.alloc(4);
  error.writeInt32LE(-1, 0);
  t.throws(() => decodeLinks(message(2, error), DONE), { instanceOf: RtnetlinkError, message: /errno 1/ });
  t.throws(() => decodeLinks(link(1, 'lo', 772, 1).subarray(0, 20), DONE), { instanceOf: RtnetlinkError });
  t.throws(() => decodeLinks(link(1, 'lo', 772, 1), DONE), { instanceOf: RtnetlinkError, message: /NLMSG_DONE/ });
});
