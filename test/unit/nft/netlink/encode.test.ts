import test from 'ava';
import { addressElements, rangeElements } from '../../../../src/nft/model/elements.js';
import { elementMessages, namedSetHeader, newChain, newSet, newTable } from '../../../../src/nft/netlink/encode.js';
import { MessageWriter } from '../../../../src/nft/netlink/writer.js';
import { attributes, messages } from '../../../../src/nft/netlink/reader.js';
import { MESSAGE_LIMIT } from '../../../../src/nft/netlink/uapi.js';

/** Hex of bytes, for readable expectations. */
function hex(b: Buffer): string {
  return b.toString('hex');
}

/** nlmsghdr (host order) + nfgenmsg as the kernel reads them. */
function header(len: number, type: number, flags: number, seq: number, family: number): string {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt8(family, 16);
  return hex(b);
}

test('add table inet lbfw: NEWTABLE with the name and flags 0, as nft --debug=mnl shows it', (t) => {
  // nft: add table inet lbfw
  const w = new MessageWriter();
  newTable(w, 7);
  const expected =
    header(40, 0x0a00, 0x0401, 7, 1) +
    '0900' + '0100' + hex(Buffer.from('lbfw\0')) + '000000' + // NFTA_TABLE_NAME "lbfw"
    '0800' + '0200' + '00000000'; // NFTA_TABLE_FLAGS 0 (big endian)
  t.is(hex(w.finish()), expected);
});

test('an interval set header: flags interval, key ipv4_addr (7) of 4 bytes, id, key byte order 2', (t) => {
  // nft: add set inet lbfw bl4_nets { type ipv4_addr; flags interval; }
  const w = new MessageWriter();
  newSet(w, 3, namedSetHeader({ name: 'bl4_nets', key: ['ipv4_addr'], interval: true }), 1);
  const payload = messages(w.finish())[0]?.payload.subarray(4) as Buffer;
  const attrs = attributes(payload).map((a) => [a.type, hex(a.value)]);
  t.deepEqual(attrs, [
    [1, hex(Buffer.from('lbfw\0'))],
    [2, hex(Buffer.from('bl4_nets\0'))],
    [3, '00000004'], // NFT_SET_INTERVAL
    [4, '00000007'], // ipv4_addr
    [5, '00000004'],
    [10, '00000001'],
    [13, '000402000000'], // NFTNL_UDATA_SET_KEYBYTEORDER = 2 (big endian)
  ]);
});

test('a big hash set carries its size in NFTA_SET_DESC and a concatenation packs its type ids 6 bits apart', (t) => {
  // nft: add set inet lbfw vip4_services { type ipv4_addr . inet_proto . inet_service; size 65536; }
  const w = new MessageWriter();
  newSet(w, 3, namedSetHeader({ name: 'vip4_services', key: ['ipv4_addr', 'inet_proto', 'inet_service'], interval: false, size: 65536 }), 2);
  const attrs = new Map(attributes(messages(w.finish())[0]?.payload.subarray(4) as Buffer).map((a) => [a.type, a]));
  t.is(hex(attrs.get(4)?.value as Buffer), '0000730d'); // (7 << 12) | (12 << 6) | 13, as nft --debug=mnl shows
  t.is(hex(attrs.get(5)?.value as Buffer), '0000000c'); // 4 + 4 + 4: each field padded to a register
  t.true(attrs.get(9)?.nested);
  t.is(hex(attrs.get(9)?.value as Buffer), '0800010000010000'); // NFTA_SET_DESC_SIZE 65536
});

test('ranges go as start + exclusive end flagged INTERVAL_END; one ending at 255.255.255.255 has no end, only the open flag', (t) => {
  // nft: add element inet lbfw bl4_nets { 10.0.0.0/8, 255.255.255.0/24 }
  // nft --debug=mnl sends: 0.0.0.0 (end), 10.0.0.0, 11.0.0.0 (end), 255.255.255.0 with userdata 01 04 01 00 00 00.
  const list = rangeElements(4, [
    { family: 4, first: 0x0a000000n, last: 0x0affffffn },
    { family: 4, first: 0xffffff00n, last: 0xffffffffn },
  ]);
  const w = new MessageWriter();
  let seq = 10;
  const [info] = elementMessages(w, () => seq++, 'add', { set: 'bl4_nets', setId: 1 }, list, { leadingEnd: true });
  const payload = messages(w.finish())[0]?.payload.subarray(4) as Buffer;
  const top = attributes(payload);
  t.deepEqual(top.map((a) => a.type), [1, 2, 4, 3]);
  const elements = attributes(top[3]?.value as Buffer).map((e) => attributes(e.value).map((a) => `${a.type}:${a.nested ? attributes(a.value).map((x) => hex(x.value)).join() : hex(a.value)}`).join(' '));
  t.deepEqual(elements, [
    '3:00000001 1:00000000', // flags INTERVAL_END, key 0.0.0.0
    '1:0a000000', // key 10.0.0.0
    '3:00000001 1:0b000000', // end (exclusive) 11.0.0.0
    '1:ffffff00 6:010401000000', // 255.255.255.0, open to the top (NFTNL_SET_ELEM_F_INTERVAL_OPEN)
  ]);
  t.deepEqual([...(info?.indexes ?? [])], [0, 0, 0, 1]);
});

test('the top of the IPv6 space is left open too', (t) => {
  // nft: add element inet lbfw bl6_nets { ffff::/16 }
  const list = rangeElements(6, [{ family: 6, first: 0xffffn << 112n, last: (1n << 128n) - 1n }]);
  const w = new MessageWriter();
  elementMessages(w, () => 1, 'add', { set: 'bl6_nets' }, list);
  const payload = messages(w.finish())[0]?.payload.subarray(4) as Buffer;
  const elements = attributes(attributes(payload)[2]?.value as Buffer);
  t.is(elements.length, 1);
});

test('elements are split into messages under 64 KiB, each element in exactly one', (t) => {
  const hosts = Uint32Array.from({ length: 50_000 }, (_, i) => 0x0a000000 + i * 3);
  const w = new MessageWriter();
  let seq = 1;
  const infos = elementMessages(w, () => seq++, 'add', { set: 'bl4_hosts', setId: 1 }, addressElements(4, hosts));
  const sent = messages(w.finish());
  t.is(sent.length, infos.length);
  t.true(sent.length > 1);
  for (const m of sent) t.true(m.payload.length + 16 < MESSAGE_LIMIT);
  const perMessage = sent.map((m) => attributes(attributes(m.payload.subarray(4))[3]?.value as Buffer).length);
  t.is(perMessage.reduce((a, b) => a + b, 0), 50_000);
  t.deepEqual(infos.flatMap((i) => [...i.indexes]), Array.from({ length: 50_000 }, (_, i) => i));
});

test('a missing addon is a reason, not an error: the one native/build.sh wrote when it could not build', async (t) => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { loadNative } = await import('../../../../src/nft/netlink/native.js');
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-t-native-'));
  try {
    t.regex(loadNative({}, `${dir}/`) as string, /not built \(it was never built; `sh native\/build.sh` builds it\)/);
    await writeFile(path.join(dir, 'UNAVAILABLE'), 'no C compiler (cc) at install time\n');
    t.regex(loadNative({}, `${dir}/`) as string, /not built \(no C compiler \(cc\) at install time;/);
    t.regex(loadNative({ LBFW_NO_NATIVE: '1' }) as string, /LBFW_NO_NATIVE=1/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a base chain: table, name, type, policy, hook, in the order nft sends them', (t) => {
  // nft: add chain inet lbfw input { type filter hook input priority filter; policy drop; }
  const w = new MessageWriter();
  newChain(w, 4, { name: 'input', base: { type: 'filter', hook: 'input', priority: 0, policy: 'drop' }, rules: [] });
  const attrs = attributes(messages(w.finish())[0]?.payload.subarray(4) as Buffer).map((a) => `${a.type}=${hex(a.value)}`);
  t.deepEqual(attrs, [`1=${hex(Buffer.from('lbfw\0'))}`, `3=${hex(Buffer.from('input\0'))}`, `7=${hex(Buffer.from('filter\0'))}`, '5=00000000', '4=08000100000000010800020000000000']);
});

test('a named concatenated set carries the typeof record nft writes for it (a concatenation), after the key byte order', (t) => {
  // nft: add set inet lbfw vip4_services { type ipv4_addr . inet_proto . inet_service; }
  const w = new MessageWriter();
  newSet(w, 3, namedSetHeader({ name: 'vip4_services', key: ['ipv4_addr', 'inet_proto', 'inet_service'], interval: false }), 2);
  const attrs = new Map(attributes(messages(w.finish())[0]?.payload.subarray(4) as Buffer).map((a) => [a.type, a]));
  t.is(hex(attrs.get(13)?.value as Buffer), '000400000000' + '0308' + '00040d000000' + '0100'); // byte order 0; KEY_TYPEOF { expr 13 (concat), data {} }
});
