import test from 'ava';
import { parseBlacklist } from '../../../../src/blacklist/parse.js';
import { rangeElements } from '../../../../src/nft/model/elements.js';
import { Transaction } from '../../../../src/nft/transaction.js';
import { elementAt, encodeTransaction } from '../../../../src/nft/netlink/batch.js';
import { decodeRule, typedRule } from '../../../../src/nft/netlink/decode.js';
import { linesOfElement } from '../../../../src/nft/netlink/origin.js';
import { kernelErrors, messages } from '../../../../src/nft/netlink/reader.js';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED } from '../../../../src/nft/netlink/uapi.js';
import { renderRuleText } from '../../../../src/nft/render/rule-text.js';
import type { Ruleset } from '../../../../src/nft/model/objects.js';

/** The error the kernel sends for a refused request: capped (header only), with the extended-ACK offset. */
function errorReply(seq: number, errno: number, offset: number): Buffer {
  const b = Buffer.alloc(16 + 4 + 16 + 8);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(2, 4); // NLMSG_ERROR
  b.writeUInt16LE(NLM_F_CAPPED | NLM_F_ACK_TLVS, 6);
  b.writeInt32LE(-errno, 16);
  b.writeUInt32LE(64, 20); // the request's nlmsghdr: length
  b.writeUInt32LE(seq, 28); // ... and sequence number
  b.writeUInt16LE(8, 36); // NLMSGERR_ATTR_OFFS
  b.writeUInt16LE(2, 38);
  b.writeUInt32LE(offset, 40);
  return b;
}

const BLACKLIST = ['# test', '192.0.2.0/25', '198.51.100.7', '192.0.2.128/25', '203.0.113.0/24'].join('\n');

test('a kernel error offset inside an element message names the element and the blacklist lines behind it', (t) => {
  const parsed = parseBlacklist(BLACKLIST, 'static_blacklist');
  // 192.0.2.0/25 + 192.0.2.128/25 merge into one element: both lines stand behind it.
  const list = rangeElements(4, [
    { family: 4, first: 0xc0000200n, last: 0xc00002ffn },
    { family: 4, first: 0xcb007100n, last: 0xcb0071ffn },
  ]);
  const ruleset: Ruleset = { sets: [{ name: 'bl4_nets', key: ['ipv4_addr'], interval: true, elements: list, purpose: '' }], chains: [] };
  const batch = encodeTransaction(new Transaction().replaceTable(ruleset));
  const [seq, origin] = [...batch.origins].find(([, o]) => o.elements !== undefined) ?? [];
  t.truthy(origin);
  const offsets = origin?.elements?.message.offsets as Int32Array;
  const indexes = origin?.elements?.message.indexes as Int32Array;
  // The kernel points at the refused NFTA_LIST_ELEM (here: the first of element 0, after the leading end).
  const at = indexes.indexOf(0, 1);
  const [error] = kernelErrors(messages(errorReply(seq as number, 17, (offsets[at] as number) + 4)));
  t.is(error?.errno, 17);
  const element = elementAt(batch, error?.seq as number, error?.offset);
  t.is(element?.text, '192.0.2.0/24');
  const lines = linesOfElement(parsed.entries, list, element?.index as number);
  t.deepEqual(lines.entries.map((e) => e.line), [2, 4]);
  // The second element: the /24 of line 5.
  const second = elementAt(batch, seq as number, offsets[indexes.indexOf(1)] as number);
  t.is(second?.text, '203.0.113.0/24');
  t.deepEqual(linesOfElement(parsed.entries, list, 1).entries.map((e) => e.line), [5]);
});

test('every rule shape encodes to expressions that decode back to the same rule', (t) => {
  const ruleset: Ruleset = {
    sets: [
      { name: 'bl4_hosts', key: ['ipv4_addr'], interval: false, elements: { key: ['ipv4_addr'], interval: false, count: 0, keys: new Uint8Array(0) }, purpose: '' },
      { name: 'vip6_services', key: ['ipv6_addr', 'inet_proto', 'inet_service'], interval: false, elements: { key: ['ipv6_addr', 'inet_proto', 'inet_service'], interval: false, count: 0, keys: new Uint8Array(0) }, purpose: '' },
    ],
    chains: [
      { name: 's0', rules: [] },
      { name: 's1', rules: [] },
      {
        name: 'input',
        base: { type: 'filter', hook: 'input', priority: 0, policy: 'drop' },
        rules: [
          { id: 'a', match: [{ kind: 'iif', name: 'lo' }], statements: [{ kind: 'verdict', verdict: 'accept' }] },
          { id: 'b', match: [{ kind: 'address-in-set', family: 4, field: 'saddr', set: 'bl4_hosts' }], statements: [{ kind: 'counter' }, { kind: 'verdict', verdict: 'drop' }] },
          { id: 'c', match: [{ kind: 'concat-in-set', fields: [{ kind: 'address', family: 6, field: 'daddr' }, { kind: 'l4proto' }, { kind: 'th-dport' }], set: 'vip6_services' }], statements: [{ kind: 'verdict', verdict: 'accept' }] },
          { id: 'd', match: [{ kind: 'ct-state', states: ['established', 'related'] }], statements: [{ kind: 'verdict', verdict: 'accept' }] },
          { id: 'e', match: [{ kind: 'address-in', family: 6, field: 'saddr', ranges: [{ family: 6, first: 0xfe80n << 112n, last: (0xfe80n << 112n) | ((1n << 118n) - 1n) }] }, { kind: 'hop-limit', family: 6, value: 255 }, { kind: 'l4proto', protocol: 'vrrp' }], statements: [{ kind: 'verdict', verdict: 'accept' }] },
          { id: 'f', match: [{ kind: 'address-in', family: 4, field: 'daddr', ranges: [{ family: 4, first: 0xe0000051n, last: 0xe0000051n }] }, { kind: 'dport', protocol: 'udp', port: 8848 }], statements: [{ kind: 'verdict', verdict: 'accept' }] },
          { id: 'g', match: [{ kind: 'address-in', family: 4, field: 'saddr', ranges: [{ family: 4, first: 0xc6336405n, last: 0xc6336409n }] }], statements: [{ kind: 'jump', chain: 's0' }] },
          { id: 'h', match: [{ kind: 'icmp-type', types: ['echo-request'] }], statements: [{ kind: 'verdict', verdict: 'accept' }] },
          { id: 'i', match: [{ kind: 'icmpv6-type', types: ['packet-too-big'] }], statements: [{ kind: 'goto', chain: 's1' }] },
          { id: 'j', match: [], statements: [{ kind: 'counter' }] },
        ],
      },
    ],
  };
  const batch = encodeTransaction(new Transaction().replaceTable(ruleset));
  const rules = messages(batch.bytes).filter((m) => m.type === 0x0a06).map((m) => decodeRule(m.payload));
  const meant = ruleset.chains[2]?.rules ?? [];
  t.is(rules.length, meant.length);
  rules.forEach((rule, i) => {
    const typed = typedRule(rule, new Map(), (n) => (n === 1 ? 'lo' : undefined));
    t.is(typed === undefined ? 'undecoded' : renderRuleText(typed), renderRuleText(meant[i] as never), `rule ${rule.comment ?? '?'}`);
    t.is(rule.comment, meant[i]?.id);
  });
});
