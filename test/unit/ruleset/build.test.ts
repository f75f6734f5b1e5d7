import test from 'ava';
import type { HostConfig } from '../../../src/config/model.js';
import { buildRuleset } from '../../../src/ruleset/build.js';
import { normaliseBlacklist } from '../../../src/blacklist/normalise.js';
import { parseBlacklist } from '../../../src/blacklist/parse.js';
import { renderTable } from '../../../src/ruleset/render.js';
import { renderRuleText } from '../../../src/nft/render/rule-text.js';
import { elementTexts } from '../../../src/nft/model/elements.js';
import { keyTypeText } from '../../../src/nft/model/keys.js';
import type { NftChain, Ruleset } from '../../../src/ruleset/types.js';
import { BLACKLIST, DIRECTOR, EMPTY_BLACKLIST, REALSERVER, peer } from '../../helpers/fixtures.js';

/**
 * The director's table as `nft list table inet lbfw` (nft 1.0.6) prints it
 * after loading, except that nft adds `packets N bytes M` to each counter,
 * puts a blank line between blocks, wraps long element lists and lists hash
 * set elements in hash order. Checked against a real load in a fresh netns.
 * lbfw orders elements as numbers (port 80 before 443), as the typed
 * boundary holds them; string order put 443 first before.
 */
const DIRECTOR_TABLE = `table inet lbfw {
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
\t\telements = { 192.0.2.10 . tcp . 80, 192.0.2.10 . tcp . 443, 192.0.2.11 . udp . 53 }
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
\t\tip6 saddr ::ffff:0.0.0.0/96 counter drop comment "ipv4-mapped6"
\t\tip saddr @bl4_hosts counter drop comment "blacklist-hosts4"
\t\tip saddr @bl4_nets counter drop comment "blacklist-nets4"
\t\tip6 saddr @bl6_hosts counter drop comment "blacklist-hosts6"
\t\tip6 saddr @bl6_nets counter drop comment "blacklist-nets6"
\t\tip daddr . meta l4proto . th dport @vip4_services notrack comment "vip-notrack4"
\t\tip6 daddr . meta l4proto . th dport @vip6_services notrack comment "vip-notrack6"
\t}
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tiif "lo" accept comment "loopback"
\t\ticmp type echo-request limit rate 100/second burst 100 packets counter accept comment "icmp4-echo"
\t\ticmp type echo-request counter drop comment "icmp4-echo-flood"
\t\ticmpv6 type echo-request limit rate 100/second burst 100 packets counter accept comment "icmp6-echo"
\t\ticmpv6 type echo-request counter drop comment "icmp6-echo-flood"
\t\tip daddr . meta l4proto . th dport @vip4_services counter accept comment "vip-services4"
\t\tip6 daddr . meta l4proto . th dport @vip6_services counter accept comment "vip-services6"
\t\tip daddr 192.0.2.10/31 icmp type { destination-unreachable, time-exceeded, parameter-problem } accept comment "vip-icmp-errors4"
\t\tip6 daddr 2001:db8::10 icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept comment "vip-icmp-errors6"
\t\ticmp type redirect counter drop comment "icmp-redirect4"
\t\ticmpv6 type nd-redirect counter drop comment "icmp-redirect6"
\t\tct state invalid counter drop comment "ct-invalid"
\t\tct state established,related accept comment "established"
\t\tip saddr @peers4 fib saddr . iif oif missing counter drop comment "rpf-peers4"
\t\tip6 saddr @peers6 fib saddr . iif oif missing counter drop comment "rpf-peers6"
\t\tip saddr @mgmt4 fib saddr . iif oif missing counter drop comment "rpf-mgmt4"
\t\tip6 saddr @mgmt6 fib saddr . iif oif missing counter drop comment "rpf-mgmt6"
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
\t\tcounter comment "policy-drop"
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t\tcounter comment "forward-policy-drop"
\t}
}
`;

function chain(ruleset: Ruleset, name: string): NftChain {
  const found = ruleset.chains.find((c) => c.name === name);
  if (found === undefined) throw new Error(`the ruleset has no chain ${name}`);
  return found;
}

function ruleIds(ruleset: Ruleset, chainName: string): string[] {
  return chain(ruleset, chainName).rules.map((r) => r.id);
}

const FIXTURES: readonly HostConfig[] = [DIRECTOR, REALSERVER];

test('the director table is what nft lists for it, counter values aside', (t) => {
  t.is(renderTable(buildRuleset(DIRECTOR, BLACKLIST)), DIRECTOR_TABLE);
});

test('an allow rule gets one rule per family it has sources in, with merged sources', (t) => {
  const input = chain(buildRuleset(DIRECTOR, EMPTY_BLACKLIST), 'input');
  const allow = input.rules.filter((r) => r.id.startsWith('allow-')).map((r) => ({ id: r.id, text: renderRuleText(r) }));
  t.deepEqual(allow, [
    // 198.51.100.7 lies inside 198.51.100.6/31 and disappears into it.
    { id: 'allow-1-v4: node exporter', text: 'ip saddr { 192.0.2.50, 198.51.100.6/31 } tcp dport 9100 accept' },
    { id: 'allow-1-v6: node exporter', text: 'ip6 saddr 2001:db8:200::/48 tcp dport 9100 accept' },
    // The second rule has IPv4 sources only: no IPv6 rule.
    { id: 'allow-2-v4: snmp', text: 'ip saddr 192.0.2.128/26 udp dport 161 accept' },
  ]);
});

test('a real server gets no peer sets and no VRRP or IPVS sync rules', (t) => {
  const ruleset = buildRuleset(REALSERVER, EMPTY_BLACKLIST);
  t.deepEqual(
    ruleset.sets.map((s) => s.name),
    ['bl4_hosts', 'bl4_nets', 'bl6_hosts', 'bl6_nets', 'vip4_services', 'vip6_services', 'health_ports4', 'health_ports6', 'mgmt4', 'mgmt6'],
  );
  t.deepEqual(ruleIds(ruleset, 'input'), [
    'loopback',
    'icmp4-echo',
    'icmp4-echo-flood',
    'icmp6-echo',
    'icmp6-echo-flood',
    'vip-services4',
    'vip-services6',
    'health-checks4',
    'health-checks6',
    'icmp-redirect4',
    'icmp-redirect6',
    'ct-invalid',
    'established',
    'mgmt-ssh4',
    'mgmt-ssh6',
    'icmp6-mld',
    'icmp6-nd',
    'policy-drop',
  ]);
  t.false(ruleset.chains.some((c) => c.base?.hook === 'forward'), 'a real server gets no forward chain');
});

test('the role, not the peer list, decides whether peer sets and VRRP rules exist', (t) => {
  const withPeers: HostConfig = { ...REALSERVER, peers: [peer('192.0.2.2')] };
  const ruleset = buildRuleset(withPeers, EMPTY_BLACKLIST);
  t.false(ruleset.sets.some((s) => s.name.startsWith('peers')));
  t.false(chain(ruleset, 'input').rules.some((r) => renderRuleText(r).includes('vrrp') || renderRuleText(r).includes('@peers')));
});

test('a director without peers keeps empty peer sets but accepts no VRRP or IPVS sync', (t) => {
  const ruleset = buildRuleset({ ...DIRECTOR, peers: [] }, EMPTY_BLACKLIST);
  t.deepEqual(
    ruleset.sets.filter((s) => s.name.startsWith('peers')).map((s) => [s.name, elementTexts(s.elements)]),
    [
      ['peers4', []],
      ['peers6', []],
    ],
  );
  t.false(chain(ruleset, 'input').rules.some((r) => renderRuleText(r).includes('vrrp') || renderRuleText(r).includes('@peers')));
});

const acceptPolicy = test.macro({
  exec(t, config: HostConfig) {
    const input = chain(buildRuleset({ ...config, inputPolicy: 'accept' }, EMPTY_BLACKLIST), 'input');
    t.is(input.base?.policy, 'accept');
    t.false(input.rules.some((r) => r.id === 'policy-drop'));
    t.is(input.rules.at(-1)?.id, 'icmp6-nd');
  },
  title(_provided, config: HostConfig) {
    return `with policy accept the ${config.role} input chain ends without the policy counter rule`;
  },
});

const dropPolicy = test.macro({
  exec(t, config: HostConfig) {
    const input = chain(buildRuleset({ ...config, inputPolicy: 'drop' }, EMPTY_BLACKLIST), 'input');
    t.is(input.base?.policy, 'drop');
    t.deepEqual(input.rules.at(-1), { id: 'policy-drop', match: [], statements: [{ kind: 'counter' }] });
    t.is(renderRuleText(input.rules.at(-1) ?? { match: [], statements: [] }), 'counter');
  },
  title(_provided, config: HostConfig) {
    return `with policy drop the ${config.role} input chain ends with a bare counter that counts what the policy drops`;
  },
});

for (const config of FIXTURES) {
  test(acceptPolicy, config);
  test(dropPolicy, config);
}

const onlyPreroutingAndInput = test.macro({
  exec(t, config: HostConfig) {
    const ruleset = buildRuleset(config, BLACKLIST);
    t.deepEqual(
      ruleset.chains.map(({ name, base }) => ({ name, hook: base?.hook, priority: base?.priority, policy: base?.policy })),
      [
        // raw priority: blacklisted sources are dropped before conntrack sees them.
        { name: 'prerouting', hook: 'prerouting', priority: -300, policy: 'accept' },
        { name: 'input', hook: 'input', priority: 0, policy: config.inputPolicy },
        // Directors only: DR forwards nothing (IPVS transmits through LOCAL_OUT).
        ...(config.role === 'director' ? [{ name: 'forward', hook: 'forward', priority: 0, policy: config.inputPolicy }] : []),
      ],
    );
  },
  title(_provided, config: HostConfig) {
    return `a ${config.role} with policy ${config.inputPolicy} gets prerouting at raw priority and input${config.role === 'director' ? ' and forward' : ''}, never an output chain`;
  },
});

for (const config of FIXTURES) {
  for (const inputPolicy of ['drop', 'accept'] as const) test(onlyPreroutingAndInput, { ...config, inputPolicy });
}

const emptyBlacklistSets = test.macro({
  exec(t, config: HostConfig) {
    const ruleset = buildRuleset(config, EMPTY_BLACKLIST);
    t.deepEqual(
      ruleset.sets.filter((s) => s.name.startsWith('bl')).map(({ name, key, interval, elements }) => ({ name, type: keyTypeText(key), interval, elements: elementTexts(elements) })),
      [
        { name: 'bl4_hosts', type: 'ipv4_addr', interval: false, elements: [] },
        { name: 'bl4_nets', type: 'ipv4_addr', interval: true, elements: [] },
        { name: 'bl6_hosts', type: 'ipv6_addr', interval: false, elements: [] },
        { name: 'bl6_nets', type: 'ipv6_addr', interval: true, elements: [] },
      ],
    );
    t.deepEqual(chain(ruleset, 'prerouting').rules.slice(0, 5).map((r) => ({ id: r.id, text: renderRuleText(r) })), [
      { id: 'ipv4-mapped6', text: 'ip6 saddr ::ffff:0.0.0.0/96 counter drop' },
      { id: 'blacklist-hosts4', text: 'ip saddr @bl4_hosts counter drop' },
      { id: 'blacklist-nets4', text: 'ip saddr @bl4_nets counter drop' },
      { id: 'blacklist-hosts6', text: 'ip6 saddr @bl6_hosts counter drop' },
      { id: 'blacklist-nets6', text: 'ip6 saddr @bl6_nets counter drop' },
    ]);
  },
  title(_provided, config: HostConfig) {
    return `a ${config.role} with an empty blacklist still gets all four blacklist sets and their drop rules`;
  },
});

for (const config of FIXTURES) test(emptyBlacklistSets, config);

test('blacklist elements go into the sets unchanged and are matched in prerouting only', (t) => {
  const ruleset = buildRuleset(DIRECTOR, BLACKLIST);
  t.deepEqual(
    ruleset.sets.filter((s) => s.name.startsWith('bl')).map((s) => elementTexts(s.elements)),
    [BLACKLIST.hosts4, BLACKLIST.nets4, BLACKLIST.hosts6, BLACKLIST.nets6],
  );
  t.false(chain(ruleset, 'input').rules.some((r) => renderRuleText(r).includes('@bl')));
});

const uniqueIds = test.macro({
  exec(t, config: HostConfig) {
    // verify maps listed rules back by their comment, so an id must not repeat.
    const ids = buildRuleset(config, BLACKLIST).chains.flatMap((c) => c.rules.map((r) => r.id));
    t.deepEqual(ids.filter((id, index) => ids.indexOf(id) !== index), []);
  },
  title(_provided, config: HostConfig) {
    return `every rule of the ${config.role} table has its own id`;
  },
});

for (const config of FIXTURES) test(uniqueIds, config);

test('A blacklist built from the normaliser\'s numbers gives the same sets as the same lists given as texts.', (t) => {
  const lines: string[] = [];
  let s = 5;
  for (let i = 0; i < 20_000; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    lines.push(i % 10 === 0 ? `${(s >>> 24) % 200 + 1}.${(s >>> 16) & 255}.${(s >>> 8) & 255}.0/${24 + (i % 7)}` : `${(s >>> 24) % 200 + 1}.${(s >>> 16) & 255}.${(s >>> 8) & 255}.${s & 255}`);
  }
  lines.push('0.0.0.0', '255.255.255.255', '10.0.0.1-10.0.0.9', '0.0.0.0/30', '255.255.255.0/24', '2001:db8::1', '2001:db8:1::/48');
  const normalised = normaliseBlacklist(parseBlacklist(lines.join('\n'), 'bl'));
  // A plain copy: no numbers kept beside it, so the builder reads the texts.
  const texts = { hosts4: [...normalised.hosts4], nets4: [...normalised.nets4], hosts6: [...normalised.hosts6], nets6: [...normalised.nets6] };
  t.true(texts.hosts4.length > 4096 && texts.nets4.length > 1000, 'sharded, with many ranges');
  const sets = (ruleset: Ruleset): unknown => ruleset.sets.map((set) => ({ ...set, elements: { ...set.elements, keys: Buffer.from(set.elements.keys), lasts: set.elements.lasts === undefined ? undefined : Buffer.from(set.elements.lasts) } }));
  t.deepEqual(sets(buildRuleset(DIRECTOR, normalised)), sets(buildRuleset(DIRECTOR, texts)));
});
