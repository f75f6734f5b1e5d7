import test from 'ava';
import { type CombineRule, IPV4_CONF_RULES, IPV6_CONF_RULES, combineRule, effective } from '../../../src/sysctl/combine.js';

const combines = test.macro({
  exec(t, rule: CombineRule, all: number, iface: number, expected: number, forwarding?: number) {
    t.is(effective(rule, all, iface, forwarding ?? 0), expected);
  },
  title: (given, rule: CombineRule, all: number, iface: number, expected: number, forwarding?: number) =>
    given ?? `${rule}: all=${all} and interface=${iface}${forwarding === undefined ? '' : ` (forwarding ${forwarding})`} give ${expected}`,
});

// max: rp_filter, arp_ignore, arp_announce (IN_DEV_MAXCONF).
test('rp_filter with all=1 and the interface at 0 is 1: the interface alone cannot turn it off.', combines, 'max', 1, 0, 1);
test(combines, 'max', 0, 0, 0);
test(combines, 'max', 0, 2, 2);
test(combines, 'max', 2, 1, 2);
test(combines, 'max', 1, 2, 2);
// min: IPv6 accept_source_route, seg6_enabled.
test(combines, 'min', -1, 1, -1);
test(combines, 'min', 1, 0, 0);
test(combines, 'min', 1, 1, 1);
// or: send_redirects, proxy_arp, arp_filter, accept_local, log_martians...
test('send_redirects with all=1 and the interface at 0 is on: both must be 0 to turn it off.', combines, 'or', 1, 0, 1);
test(combines, 'or', 0, 1, 1);
test(combines, 'or', 0, 0, 0);
test(combines, 'or', 1, 1, 1);
test(combines, 'or', 0, 2, 1);
// and: accept_source_route, bootp_relay.
test(combines, 'and', 1, 0, 0);
test(combines, 'and', 0, 1, 0);
test(combines, 'and', 1, 1, 1);
test(combines, 'and', 0, 0, 0);
// interface only: forwarding.
test('forwarding reads only the interface: all=1 does not turn on an interface at 0.', combines, 'interface', 1, 0, 0);
test(combines, 'interface', 0, 1, 1);
// accept_redirects: and on a forwarding interface, or otherwise (IN_DEV_RX_REDIRECTS).
test(combines, 'redirects', 1, 0, 1, 0);
test(combines, 'redirects', 1, 0, 0, 1);
test(combines, 'redirects', 1, 1, 1, 1);
test(combines, 'redirects', 0, 0, 0, 0);

const ruleOf = test.macro({
  exec(t, family: 4 | 6, name: string, rule: CombineRule | undefined) {
    t.is(combineRule(family, name), rule);
  },
  title: (given, family: 4 | 6, name: string, rule: CombineRule | undefined) =>
    given ?? `net.ipv${family}.conf.*.${name} ${rule === undefined ? 'is not a per-interface key' : `combines by ${rule}`}`,
});

test(ruleOf, 4, 'rp_filter', 'max');
test(ruleOf, 4, 'arp_ignore', 'max');
test(ruleOf, 4, 'arp_announce', 'max');
test(ruleOf, 4, 'arp_filter', 'or');
test(ruleOf, 4, 'send_redirects', 'or');
test(ruleOf, 4, 'accept_local', 'or');
test(ruleOf, 4, 'proxy_arp', 'or');
test(ruleOf, 4, 'log_martians', 'or');
test(ruleOf, 4, 'shared_media', 'or');
test(ruleOf, 4, 'accept_source_route', 'and');
test(ruleOf, 4, 'forwarding', 'interface');
test(ruleOf, 4, 'accept_redirects', 'redirects');
test(ruleOf, 6, 'accept_source_route', 'min');
test(ruleOf, 6, 'proxy_ndp', 'or');
test(ruleOf, 6, 'forwarding', 'interface');
test(ruleOf, 6, 'accept_ra', 'interface');
test(ruleOf, 4, 'rp_filtr', undefined);
test(ruleOf, 6, 'rp_filter', undefined);

test('Every rule of the tables is one of the known combinations.', (t) => {
  const known = new Set(['max', 'min', 'or', 'and', 'interface', 'redirects']);
  for (const [name, rule] of [...IPV4_CONF_RULES, ...IPV6_CONF_RULES]) t.true(known.has(rule), name);
  t.true(IPV4_CONF_RULES.size >= 30);
});
