import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import { buildRuleset } from '../../../src/ruleset/build.js';
import { compareRuleset, type Drift } from '../../../src/ruleset/compare.js';
import { parseListedRule, parseListing, type ListedRule } from '../../../src/ruleset/listing.js';
import { snapshotOfListing } from '../../../src/nft/parse/snapshot.js';
import { renderTable } from '../../../src/ruleset/render.js';
import type { Ruleset } from '../../../src/ruleset/types.js';
import { BLACKLIST, DIRECTOR, EMPTY_BLACKLIST, REALSERVER, allowRule } from '../../helpers/fixtures.js';

/**
 * `nft list table inet lbfw` as nft 1.0.6 printed it after loading the
 * replace script of DIRECTOR with BLACKLIST in a fresh network namespace.
 * Only two counters were changed from 0 so that packet counts are parsed.
 * Note what differs from lbfw's own rendering: blank lines between blocks,
 * the vip4_services elements in hash order and wrapped, counter values.
 */
const DIRECTOR_LISTING = `table inet lbfw {
\tset bl4_hosts {
\t\ttype ipv4_addr
\t\tsize 65536
\t\telements = { 203.0.113.7, 203.0.113.9 }
\t}

\tset bl4_nets {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 203.0.113.16-203.0.113.20, 203.0.113.64/26 }
\t}

\tset bl6_hosts {
\t\ttype ipv6_addr
\t\tsize 65536
\t\telements = { 2001:db8:bad::1 }
\t}

\tset bl6_nets {
\t\ttype ipv6_addr
\t\tflags interval
\t\telements = { 2001:db8:dead::/48 }
\t}

\tset vip4_services {
\t\ttype ipv4_addr . inet_proto . inet_service
\t\telements = { 192.0.2.11 . udp . 53,
\t\t\t     192.0.2.10 . tcp . 80,
\t\t\t     192.0.2.10 . tcp . 443 }
\t}

\tset vip6_services {
\t\ttype ipv6_addr . inet_proto . inet_service
\t\telements = { 2001:db8::10 . tcp . 443 }
\t}

\tset mgmt4 {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 192.0.2.64-192.0.2.111, 198.51.100.0/24 }
\t}

\tset mgmt6 {
\t\ttype ipv6_addr
\t\tflags interval
\t\telements = { 2001:db8:100::/48 }
\t}

\tset peers4 {
\t\ttype ipv4_addr
\t\telements = { 192.0.2.2 }
\t}

\tset peers6 {
\t\ttype ipv6_addr
\t\telements = { 2001:db8::2 }
\t}

\tchain prerouting {
\t\ttype filter hook prerouting priority raw; policy accept;
\t\tip6 saddr ::ffff:0.0.0.0/96 counter packets 0 bytes 0 drop comment "ipv4-mapped6"
\t\tip saddr @bl4_hosts counter packets 5 bytes 300 drop comment "blacklist-hosts4"
\t\tip saddr @bl4_nets counter packets 0 bytes 0 drop comment "blacklist-nets4"
\t\tip6 saddr @bl6_hosts counter packets 0 bytes 0 drop comment "blacklist-hosts6"
\t\tip6 saddr @bl6_nets counter packets 0 bytes 0 drop comment "blacklist-nets6"
\t\tip daddr . meta l4proto . th dport @vip4_services notrack comment "vip-notrack4"
\t\tip6 daddr . meta l4proto . th dport @vip6_services notrack comment "vip-notrack6"
\t}

\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tiif "lo" accept comment "loopback"
\t\ticmp type echo-request limit rate 100/second burst 100 packets counter packets 0 bytes 0 accept comment "icmp4-echo"
\t\ticmp type echo-request counter packets 0 bytes 0 drop comment "icmp4-echo-flood"
\t\ticmpv6 type echo-request limit rate 100/second burst 100 packets counter packets 0 bytes 0 accept comment "icmp6-echo"
\t\ticmpv6 type echo-request counter packets 0 bytes 0 drop comment "icmp6-echo-flood"
\t\tip daddr . meta l4proto . th dport @vip4_services counter packets 1234 bytes 98765 accept comment "vip-services4"
\t\tip6 daddr . meta l4proto . th dport @vip6_services counter packets 0 bytes 0 accept comment "vip-services6"
\t\tip daddr 192.0.2.10/31 icmp type { destination-unreachable, time-exceeded, parameter-problem } accept comment "vip-icmp-errors4"
\t\tip6 daddr 2001:db8::10 icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept comment "vip-icmp-errors6"
\t\ticmp type redirect counter packets 0 bytes 0 drop comment "icmp-redirect4"
\t\ticmpv6 type nd-redirect counter packets 0 bytes 0 drop comment "icmp-redirect6"
\t\tct state invalid counter packets 0 bytes 0 drop comment "ct-invalid"
\t\tct state established,related accept comment "established"
\t\tip saddr @peers4 fib saddr . iif oif missing counter packets 0 bytes 0 drop comment "rpf-peers4"
\t\tip6 saddr @peers6 fib saddr . iif oif missing counter packets 0 bytes 0 drop comment "rpf-peers6"
\t\tip saddr @mgmt4 fib saddr . iif oif missing counter packets 0 bytes 0 drop comment "rpf-mgmt4"
\t\tip6 saddr @mgmt6 fib saddr . iif oif missing counter packets 0 bytes 0 drop comment "rpf-mgmt6"
\t\tiifname "eth0" ip saddr @peers4 ip ttl 255 meta l4proto vrrp accept comment "vrrp4"
\t\tiifname "eth0" ip6 saddr @peers6 ip6 hoplimit 255 meta l4proto vrrp accept comment "vrrp6"
\t\tiifname "eth0" ip6 saddr fe80::/10 ip6 daddr ff02::12 ip6 hoplimit 255 meta l4proto vrrp accept comment "vrrp6-link-local"
\t\tiifname "eth0" ip saddr @peers4 ip daddr 224.0.0.81 udp dport 8848 accept comment "ipvs-sync4"
\t\tip saddr @mgmt4 tcp dport 2222 accept comment "mgmt-ssh4"
\t\tip6 saddr @mgmt6 tcp dport 2222 accept comment "mgmt-ssh6"
\t\tip saddr { 192.0.2.50, 198.51.100.6/31 } tcp dport 9100 accept comment "allow-1-v4: node exporter"
\t\tip6 saddr 2001:db8:200::/48 tcp dport 9100 accept comment "allow-1-v6: node exporter"
\t\tip saddr 192.0.2.128/26 udp dport 161 accept comment "allow-2-v4: snmp"
\t\ticmpv6 type { mld-listener-query, mld-listener-report, mld2-listener-report } accept comment "icmp6-mld"
\t\tip6 hoplimit 255 icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept comment "icmp6-nd"
\t\tcounter packets 0 bytes 0 comment "policy-drop"
\t}

\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t\tcounter packets 0 bytes 0 comment "forward-policy-drop"
\t}
}
`;

/** The same for REALSERVER with an empty blacklist: empty sets list no elements line. */
const REALSERVER_LISTING = `table inet lbfw {
\tset bl4_hosts {
\t\ttype ipv4_addr
\t\tsize 65536
\t}

\tset bl4_nets {
\t\ttype ipv4_addr
\t\tflags interval
\t}

\tset bl6_hosts {
\t\ttype ipv6_addr
\t\tsize 65536
\t}

\tset bl6_nets {
\t\ttype ipv6_addr
\t\tflags interval
\t}

\tset vip4_services {
\t\ttype ipv4_addr . inet_proto . inet_service
\t\telements = { 192.0.2.10 . tcp . 80 }
\t}

\tset vip6_services {
\t\ttype ipv6_addr . inet_proto . inet_service
\t\telements = { 2001:db8::10 . tcp . 443 }
\t}

\tset health_ports4 {
\t\ttype inet_proto . inet_service
\t\telements = { tcp . 80 }
\t}

\tset health_ports6 {
\t\ttype inet_proto . inet_service
\t\telements = { tcp . 443 }
\t}

\tset mgmt4 {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 198.51.100.0/24 }
\t}

\tset mgmt6 {
\t\ttype ipv6_addr
\t\tflags interval
\t}

\tchain prerouting {
\t\ttype filter hook prerouting priority raw; policy accept;
\t\tip6 saddr ::ffff:0.0.0.0/96 counter packets 0 bytes 0 drop comment "ipv4-mapped6"
\t\tip saddr @bl4_hosts counter packets 0 bytes 0 drop comment "blacklist-hosts4"
\t\tip saddr @bl4_nets counter packets 0 bytes 0 drop comment "blacklist-nets4"
\t\tip6 saddr @bl6_hosts counter packets 0 bytes 0 drop comment "blacklist-hosts6"
\t\tip6 saddr @bl6_nets counter packets 0 bytes 0 drop comment "blacklist-nets6"
\t}

\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tiif "lo" accept comment "loopback"
\t\ticmp type echo-request limit rate 100/second burst 100 packets counter packets 0 bytes 0 accept comment "icmp4-echo"
\t\ticmp type echo-request counter packets 0 bytes 0 drop comment "icmp4-echo-flood"
\t\ticmpv6 type echo-request limit rate 100/second burst 100 packets counter packets 0 bytes 0 accept comment "icmp6-echo"
\t\ticmpv6 type echo-request counter packets 0 bytes 0 drop comment "icmp6-echo-flood"
\t\tip daddr . meta l4proto . th dport @vip4_services counter packets 0 bytes 0 accept comment "vip-services4"
\t\tip6 daddr . meta l4proto . th dport @vip6_services counter packets 0 bytes 0 accept comment "vip-services6"
\t\tmeta nfproto ipv4 meta l4proto . th dport @health_ports4 counter packets 0 bytes 0 accept comment "health-checks4"
\t\tmeta nfproto ipv6 meta l4proto . th dport @health_ports6 counter packets 0 bytes 0 accept comment "health-checks6"
\t\ticmp type redirect counter packets 0 bytes 0 drop comment "icmp-redirect4"
\t\ticmpv6 type nd-redirect counter packets 0 bytes 0 drop comment "icmp-redirect6"
\t\tct state invalid counter packets 0 bytes 0 drop comment "ct-invalid"
\t\tct state established,related accept comment "established"
\t\tip saddr @mgmt4 tcp dport 22 accept comment "mgmt-ssh4"
\t\tip6 saddr @mgmt6 tcp dport 22 accept comment "mgmt-ssh6"
\t\ticmpv6 type { mld-listener-query, mld-listener-report, mld2-listener-report } accept comment "icmp6-mld"
\t\tip6 hoplimit 255 icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept comment "icmp6-nd"
\t\tcounter packets 0 bytes 0 comment "policy-drop"
\t}
}
`;

const DIRECTOR_RULESET: Ruleset = buildRuleset(DIRECTOR, BLACKLIST);

/** edited replaces the one occurrence of `from`; a case whose text is not in the listing cannot pass by accident. */
function edited(listing: string, from: string, to: string): string {
  const at = listing.indexOf(from);
  if (at === -1 || listing.indexOf(from, at + 1) !== -1) throw new Error(`expected exactly one ${JSON.stringify(from)} in the listing`);
  return listing.slice(0, at) + to + listing.slice(at + from.length);
}

test('a set listed over several lines keeps every element', (t) => {
  const set = parseListing(DIRECTOR_LISTING).sets.find((s) => s.name === 'vip4_services');
  t.deepEqual(set, {
    name: 'vip4_services',
    type: 'ipv4_addr . inet_proto . inet_service',
    interval: false,
    extra: [],
    elements: ['192.0.2.11 . udp . 53', '192.0.2.10 . tcp . 80', '192.0.2.10 . tcp . 443'],
  });
});

test('the sets of the listing are read with their type, flags and elements, in listing order', (t) => {
  t.deepEqual(parseListing(DIRECTOR_LISTING).sets, [
    { name: 'bl4_hosts', type: 'ipv4_addr', interval: false, size: 65536, extra: [], elements: ['203.0.113.7', '203.0.113.9'] },
    { name: 'bl4_nets', type: 'ipv4_addr', interval: true, extra: [], elements: ['203.0.113.16-203.0.113.20', '203.0.113.64/26'] },
    { name: 'bl6_hosts', type: 'ipv6_addr', interval: false, size: 65536, extra: [], elements: ['2001:db8:bad::1'] },
    { name: 'bl6_nets', type: 'ipv6_addr', interval: true, extra: [], elements: ['2001:db8:dead::/48'] },
    {
      name: 'vip4_services',
      type: 'ipv4_addr . inet_proto . inet_service',
      interval: false,
      extra: [],
      elements: ['192.0.2.11 . udp . 53', '192.0.2.10 . tcp . 80', '192.0.2.10 . tcp . 443'],
    },
    { name: 'vip6_services', type: 'ipv6_addr . inet_proto . inet_service', interval: false, extra: [], elements: ['2001:db8::10 . tcp . 443'] },
    { name: 'mgmt4', type: 'ipv4_addr', interval: true, extra: [], elements: ['192.0.2.64-192.0.2.111', '198.51.100.0/24'] },
    { name: 'mgmt6', type: 'ipv6_addr', interval: true, extra: [], elements: ['2001:db8:100::/48'] },
    { name: 'peers4', type: 'ipv4_addr', interval: false, extra: [], elements: ['192.0.2.2'] },
    { name: 'peers6', type: 'ipv6_addr', interval: false, extra: [], elements: ['2001:db8::2'] },
  ]);
});

test('a set without elements is read with an empty element list', (t) => {
  t.deepEqual(parseListing(REALSERVER_LISTING).sets.find((s) => s.name === 'bl4_nets'), {
    name: 'bl4_nets',
    type: 'ipv4_addr',
    interval: true,
    extra: [],
    elements: [],
  });
});

test('set properties lbfw never writes are kept apart as extra', (t) => {
  const listing = edited(DIRECTOR_LISTING, '\tset peers4 {\n\t\ttype ipv4_addr\n', '\tset peers4 {\n\t\ttype ipv4_addr\n\t\ttimeout 1h\n');
  t.deepEqual(parseListing(listing).sets.find((s) => s.name === 'peers4')?.extra, ['timeout 1h']);
});

test('chains are read with their header and rules, counters without their values', (t) => {
  const chains = parseListing(DIRECTOR_LISTING).chains;
  t.deepEqual(
    chains.map((c) => [c.name, c.header]),
    [
      ['prerouting', 'type filter hook prerouting priority raw; policy accept;'],
      ['input', 'type filter hook input priority filter; policy drop;'],
      ['forward', 'type filter hook forward priority filter; policy drop;'],
    ],
  );
  t.deepEqual(
    chains[1]?.rules.map((r) => r.comment),
    DIRECTOR_RULESET.chains[1]?.rules.map((r) => r.id),
  );
  t.deepEqual(chains[0]?.rules.slice(0, 5), [
    { text: 'ip6 saddr ::ffff:0.0.0.0/96 counter drop', comment: 'ipv4-mapped6', packets: 0 },
    { text: 'ip saddr @bl4_hosts counter drop', comment: 'blacklist-hosts4', packets: 5 },
    { text: 'ip saddr @bl4_nets counter drop', comment: 'blacklist-nets4', packets: 0 },
    { text: 'ip6 saddr @bl6_hosts counter drop', comment: 'blacklist-hosts6', packets: 0 },
    { text: 'ip6 saddr @bl6_nets counter drop', comment: 'blacklist-nets6', packets: 0 },
  ]);
  t.deepEqual(chains[1]?.rules.slice(0, 3), [
    { text: 'iif "lo" accept', comment: 'loopback' },
    { text: 'icmp type echo-request limit rate 100/second burst 100 packets counter accept', comment: 'icmp4-echo', packets: 0 },
    { text: 'icmp type echo-request counter drop', comment: 'icmp4-echo-flood', packets: 0 },
  ]);
  t.deepEqual(
    chains[1]?.rules.find((r) => r.comment === 'vip-services4'),
    { text: 'ip daddr . meta l4proto . th dport @vip4_services counter accept', comment: 'vip-services4', packets: 1234 },
  );
});

test('an empty listing has neither sets nor chains', (t) => {
  t.deepEqual(parseListing(''), { sets: [], chains: [] });
});

const readsRule = test.macro({
  exec(t, line: string, expected: ListedRule) {
    t.deepEqual(parseListedRule(line), expected);
  },
  title(_provided, line: string) {
    return `the rule line ${JSON.stringify(line.trim())} is read as text, comment and packet count`;
  },
});

test(readsRule, '\t\tip saddr @bl4_hosts counter packets 5 bytes 300 drop comment "blacklist-hosts4"', {
  text: 'ip saddr @bl4_hosts counter drop',
  comment: 'blacklist-hosts4',
  packets: 5,
});
test(readsRule, '\t\tcounter packets 0 bytes 0 comment "policy-drop"', { text: 'counter', comment: 'policy-drop', packets: 0 });
test(readsRule, '\t\tiif "lo" accept comment "loopback"', { text: 'iif "lo" accept', comment: 'loopback' });
test(readsRule, '\t\ttcp dport 8080 accept', { text: 'tcp dport 8080 accept' });
test(readsRule, '\t\tip saddr 192.0.2.128/26 udp dport 161 accept comment "allow-2-v4: snmp"', {
  text: 'ip saddr 192.0.2.128/26 udp dport 161 accept',
  comment: 'allow-2-v4: snmp',
});

const noDrift = test.macro({
  exec(t, meant: Ruleset, listing: string) {
    t.deepEqual(compareRuleset(meant, snapshotOfListing(parseListing(listing))), []);
  },
  title(provided = '') {
    return `${provided} shows no drift`;
  },
});

test('the nft listing of the director table, counters and element order included,', noDrift, DIRECTOR_RULESET, DIRECTOR_LISTING);
test('the nft listing of the real server table with its empty sets', noDrift, buildRuleset(REALSERVER, EMPTY_BLACKLIST), REALSERVER_LISTING);
test('lbfw\'s own rendering of the director table read as a listing', noDrift, DIRECTOR_RULESET, renderTable(DIRECTOR_RULESET));
test(
  'a listing whose anonymous sets name their values in another order',
  noDrift,
  DIRECTOR_RULESET,
  edited(
    edited(DIRECTOR_LISTING, 'ip saddr { 192.0.2.50, 198.51.100.6/31 }', 'ip saddr { 198.51.100.6/31, 192.0.2.50 }'),
    'icmp type { destination-unreachable, time-exceeded, parameter-problem }',
    'icmp type { parameter-problem, time-exceeded, destination-unreachable }',
  ),
);

test('a table that is not loaded is one drift', (t) => {
  t.deepEqual(compareRuleset(DIRECTOR_RULESET, undefined), [{ subject: 'table inet lbfw', message: 'lbfw table is not loaded' }]);
});

const drifts = test.macro({
  exec(t, listing: string, expected: readonly Drift[]) {
    const actual = compareRuleset(DIRECTOR_RULESET, snapshotOfListing(parseListing(listing)));
    t.is(actual.length, expected.length, JSON.stringify(actual, undefined, 2));
    expected.forEach((drift, i) => t.like(actual[i], drift));
  },
  title(provided = '', _listing: string, expected: readonly Drift[]) {
    return `${provided} is reported as drift of ${[...new Set(expected.map((d) => d.subject))].join(' and ')}`;
  },
});

test('an element missing from a set', drifts, edited(DIRECTOR_LISTING, '{ 203.0.113.7, 203.0.113.9 }', '{ 203.0.113.7 }'), [
  { subject: 'set bl4_hosts', message: '1 element missing: 203.0.113.9' },
]);

test(
  'an element missing from a set listed over several lines',
  drifts,
  edited(DIRECTOR_LISTING, '\t\t\t     192.0.2.10 . tcp . 80,\n', ''),
  [{ subject: 'set vip4_services', message: '1 element missing: 192.0.2.10 . tcp . 80' }],
);

test('an element lbfw did not write', drifts, edited(DIRECTOR_LISTING, '{ 203.0.113.7, 203.0.113.9 }', '{ 203.0.113.7, 203.0.113.9, 203.0.113.10 }'), [
  { subject: 'set bl4_hosts', message: "1 element not in lbfw's sources: 203.0.113.10" },
]);

test('a set that lost its interval flag', drifts, edited(DIRECTOR_LISTING, '\tset mgmt4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n', '\tset mgmt4 {\n\t\ttype ipv4_addr\n'), [
  { subject: 'set mgmt4', message: 'set type or flags differ', expected: 'ipv4_addr, interval', actual: 'ipv4_addr' },
]);

test('a set with a property lbfw never writes', drifts, edited(DIRECTOR_LISTING, '\tset peers4 {\n\t\ttype ipv4_addr\n', '\tset peers4 {\n\t\ttype ipv4_addr\n\t\ttimeout 1h\n'), [
  { subject: 'set peers4', message: 'set type or flags differ', expected: 'ipv4_addr', actual: 'ipv4_addr, timeout 1h' },
]);

test('a missing set', drifts, edited(DIRECTOR_LISTING, '\tset peers6 {\n\t\ttype ipv6_addr\n\t\telements = { 2001:db8::2 }\n\t}\n', ''), [
  { subject: 'set peers6', message: 'set peers6 is missing' },
]);

test('a set lbfw did not write', drifts, edited(DIRECTOR_LISTING, '\tchain prerouting {', '\tset scratch {\n\t\ttype ipv4_addr\n\t}\n\n\tchain prerouting {'), [
  { subject: 'set scratch', message: 'set not written by lbfw' },
]);

test(
  'a changed rule',
  drifts,
  edited(DIRECTOR_LISTING, 'ip saddr @mgmt4 tcp dport 2222 accept', 'ip saddr @mgmt4 tcp dport 22 accept'),
  [
    { subject: 'chain input', message: 'rule missing or changed', expected: 'ip saddr @mgmt4 tcp dport 2222 accept # mgmt-ssh4' },
    { subject: 'chain input', message: 'rule not written by lbfw', actual: 'ip saddr @mgmt4 tcp dport 22 accept # mgmt-ssh4' },
  ],
);

test('a missing rule', drifts, edited(DIRECTOR_LISTING, '\t\tiifname "eth0" ip6 saddr @peers6 ip6 hoplimit 255 meta l4proto vrrp accept comment "vrrp6"\n', ''), [
  { subject: 'chain input', message: 'rule missing or changed', expected: 'iifname "eth0" ip6 saddr @peers6 ip6 hoplimit 255 meta l4proto vrrp accept # vrrp6' },
]);

test(
  'an extra rule without a comment',
  drifts,
  edited(DIRECTOR_LISTING, '\t\tct state established,related accept comment "established"\n', '\t\tct state established,related accept comment "established"\n\t\ttcp dport 8080 accept\n'),
  [{ subject: 'chain input', message: 'rule not written by lbfw', actual: 'tcp dport 8080 accept # (no comment)' }],
);

test(
  'a swap of two rules',
  drifts,
  edited(
    DIRECTOR_LISTING,
    '\t\tip saddr @bl4_hosts counter packets 5 bytes 300 drop comment "blacklist-hosts4"\n\t\tip saddr @bl4_nets counter packets 0 bytes 0 drop comment "blacklist-nets4"\n',
    '\t\tip saddr @bl4_nets counter packets 0 bytes 0 drop comment "blacklist-nets4"\n\t\tip saddr @bl4_hosts counter packets 5 bytes 300 drop comment "blacklist-hosts4"\n',
  ),
  [{ subject: 'chain prerouting', message: 'rules are in a different order' }],
);

test('a changed input policy', drifts, edited(DIRECTOR_LISTING, 'hook input priority filter; policy drop;', 'hook input priority filter; policy accept;'), [
  {
    subject: 'chain input',
    message: 'hook, priority or policy differ',
    expected: 'type filter hook input priority filter; policy drop;',
    actual: 'type filter hook input priority filter; policy accept;',
  },
]);

test('a prerouting chain at filter priority', drifts, edited(DIRECTOR_LISTING, 'hook prerouting priority raw;', 'hook prerouting priority filter;'), [
  {
    subject: 'chain prerouting',
    message: 'hook, priority or policy differ',
    expected: 'type filter hook prerouting priority raw; policy accept;',
    actual: 'type filter hook prerouting priority filter; policy accept;',
  },
]);

test(
  'a chain lbfw did not write',
  drifts,
  edited(DIRECTOR_LISTING, '\t}\n}\n', '\t}\n\n\tchain output {\n\t\ttype filter hook output priority filter; policy drop;\n\t}\n}\n'),
  [{ subject: 'chain output', message: 'chain not written by lbfw' }],
);

test('a missing chain', drifts, DIRECTOR_LISTING.replace(/\tchain prerouting \{[^}]*\}\n\n/, ''), [
  { subject: 'chain prerouting', message: 'chain prerouting is missing' },
]);

/** A real server whose one allow rule carries `comment`. */
function withAllowComment(comment: string): HostConfig {
  return { ...REALSERVER, management: { ...REALSERVER.management, allow: [allowRule(['198.51.100.7/32'], 'tcp', 9100, comment)] } };
}

const commentRoundTrip = test.macro({
  exec(t, comment: string) {
    const ruleset = buildRuleset(withAllowComment(comment), EMPTY_BLACKLIST);
    // The kernel keeps the comment nft was given as UTF-8 bytes and lists them back.
    const asKernelKeepsIt = renderTable(ruleset)
      .split('\n')
      .map((line) => line.replace(/comment "(.*)"$/, (_m, text: string) => `comment "${Buffer.from(text, 'utf8').toString('utf8')}"`))
      .join('\n');
    const listed = parseListing(asKernelKeepsIt).chains.flatMap((c) => c.rules).find((r) => r.text.includes('dport 9100'));
    t.true(Buffer.byteLength(listed?.comment ?? '') <= 128, 'nft keeps at most 128 bytes of a comment');
    t.deepEqual(compareRuleset(ruleset, snapshotOfListing(parseListing(asKernelKeepsIt))), []);
  },
  title(provided = '') {
    return `an allow rule commented ${provided} reads back from nft as written, without drift`;
  },
});

test('with plain words', commentRoundTrip, 'node exporter');
test('with an apostrophe', commentRoundTrip, "Bob's monitoring");
test('longer than nft keeps', commentRoundTrip, 'x'.repeat(200));
// Known bug: the rule id keeps the backslash but render writes `'` for it, so verify reports drift forever.
test('with a backslash', commentRoundTrip, 'C:\\monitoring');
// Known bug: cutting to 128 bytes by UTF-16 unit can leave half an emoji, which the kernel stores as U+FFFD.
test('with an emoji where it is cut to 128 bytes', commentRoundTrip, `${'x'.repeat(113)}😀`);
