import test from 'ava';
import { addressElements, elementTexts, type ElementList } from '../../../../src/nft/model/elements.js';
import { elementMessages } from '../../../../src/nft/netlink/encode.js';
import { decodeElements, decodeHashKeys, toElementList, type RawElement } from '../../../../src/nft/netlink/decode.js';
import { MessageWriter } from '../../../../src/nft/netlink/writer.js';
import { messages } from '../../../../src/nft/netlink/reader.js';

function encoded(list: ElementList): Buffer {
  const w = new MessageWriter();
  let seq = 1;
  elementMessages(w, () => seq++, 'add', { set: 'bl4_hosts' }, list);
  return w.finish();
}

test('hash elements: each is LIST_ELEM { KEY { DATA_VALUE key } }, as nft writes them', (t) => {
  // nft: add element inet lbfw bl4_hosts { 192.0.2.1, 192.0.2.2 }
  const bytes = encoded(addressElements(4, Uint32Array.of(0xc0000201, 0xc0000202)));
  const one = (last: string): string => '1000' + '0180' + '0c00' + '0180' + '0800' + '0100' + `c00002${last}`;
  // After nlmsghdr + nfgenmsg (20), table "lbfw" (12), set "bl4_hosts" (16): the ELEMENTS nest of two elements.
  t.is(bytes.subarray(48).toString('hex'), '2400' + '0380' + one('01') + one('02'));
  t.is(bytes.readUInt32LE(0), bytes.length, 'one message');
});

test('a dumped hash set decodes straight to the same sorted list as element by element', (t) => {
  // Out of order and over several messages, as a dump arrives.
  const values = Uint32Array.from({ length: 9000 }, (_, i) => ((i * 2654435761) >>> 0) | 1);
  const list = addressElements(4, Uint32Array.from(new Set(values)).sort());
  const payloads = messages(encoded(list)).map((m) => m.payload);
  t.true(payloads.length > 1, 'the case needs several messages');
  payloads.reverse();
  const raw: RawElement[] = [];
  for (const payload of payloads) decodeElements(payload, raw);
  const slow = toElementList(['ipv4_addr'], false, raw);
  const fast = decodeHashKeys(['ipv4_addr'], payloads);
  t.is(fast.count, list.count);
  t.deepEqual(Buffer.from(fast.keys), Buffer.from(list.keys));
  t.deepEqual(Buffer.from(fast.keys), Buffer.from(slow.keys));
});

test('IPv6 hash keys decode too; an empty dump is an empty list', (t) => {
  const list = addressElements(6, [0x20010db8000000000000000000000001n, 0x20010db8000000000000000000000002n]);
  const fast = decodeHashKeys(['ipv6_addr'], messages(encoded(list)).map((m) => m.payload));
  t.deepEqual(elementTexts(fast), ['2001:db8::1', '2001:db8::2']);
  t.is(decodeHashKeys(['ipv4_addr'], []).count, 0);
});
