/**
 * How the kernel combines `conf/all/X` with `conf/<iface>/X` into the value
 * it actually uses on an interface (the "effective" value). IPv4 follows the
 * macros of include/linux/inetdevice.h and their direct uses in net/ipv4
 * (mainline 6.x); IPv6 reads almost everything from the interface alone, with
 * a few `min`/`or` exceptions in net/ipv6/exthdrs.c and ndisc.c.
 */
import type { Family } from '../config/model.js';

/**
 * CombineRule names one way of combining `all` and the interface:
 * - `max`: the larger of the two (IN_DEV_MAXCONF);
 * - `min`: the smaller of the two (IPv6 accept_source_route, seg6_enabled);
 * - `or`: on when either is non-zero (IN_DEV_ORCONF);
 * - `and`: on only when both are non-zero (IN_DEV_ANDCONF);
 * - `interface`: the interface value alone (IN_DEV_CONF_GET);
 * - `redirects`: accept_redirects, which is `and` on an interface that
 *   forwards and `or` on one that does not (IN_DEV_RX_REDIRECTS).
 */
export type CombineRule = 'max' | 'min' | 'or' | 'and' | 'interface' | 'redirects';

/** IPV4_CONF_RULES maps every key of net/ipv4/conf/<iface>/ to its rule. */
export const IPV4_CONF_RULES: ReadonlyMap<string, CombineRule> = new Map<string, CombineRule>([
  ['accept_local', 'or'],
  ['accept_redirects', 'redirects'],
  ['accept_source_route', 'and'],
  ['arp_accept', 'max'],
  ['arp_announce', 'max'],
  ['arp_evict_nocarrier', 'and'],
  ['arp_filter', 'or'],
  ['arp_ignore', 'max'],
  ['arp_notify', 'max'],
  ['bc_forwarding', 'and'],
  ['bootp_relay', 'and'],
  ['disable_policy', 'or'],
  ['disable_xfrm', 'or'],
  ['drop_gratuitous_arp', 'or'],
  ['drop_unicast_in_l2_multicast', 'or'],
  // igmp.c also forces a version when all is exactly 1 or 2 (IGMP_V1_SEEN):
  // no rule of this table expresses that, and lbfw never tunes IGMP.
  ['force_igmp_version', 'interface'],
  ['forwarding', 'interface'],
  ['igmpv2_unsolicited_report_interval', 'interface'],
  ['igmpv3_unsolicited_report_interval', 'interface'],
  ['ignore_routes_with_linkdown', 'or'],
  ['log_martians', 'or'],
  ['mc_forwarding', 'and'],
  ['medium_id', 'interface'],
  ['promote_secondaries', 'or'],
  ['proxy_arp', 'or'],
  ['proxy_arp_pvlan', 'or'],
  ['route_localnet', 'or'],
  ['rp_filter', 'max'],
  ['secure_redirects', 'or'],
  ['send_redirects', 'or'],
  ['shared_media', 'or'],
  ['src_valid_mark', 'or'],
  ['tag', 'interface'],
]);

/** IPV6_CONF_RULES maps the keys of net/ipv6/conf/<iface>/ that combine with `all`; the rest are `interface`. */
const IPV6_COMBINED = new Map<string, CombineRule>([
  ['accept_source_route', 'min'],
  ['proxy_ndp', 'or'],
  ['rpl_seg_enabled', 'min'],
  ['seg6_enabled', 'min'],
]);

/** Every key of net/ipv6/conf/<iface>/ on a 6.x kernel. */
const IPV6_CONF_NAMES = [
  'accept_dad', 'accept_ra', 'accept_ra_defrtr', 'accept_ra_from_local', 'accept_ra_min_hop_limit',
  'accept_ra_min_lft', 'accept_ra_mtu', 'accept_ra_pinfo', 'accept_ra_rt_info_max_plen',
  'accept_ra_rt_info_min_plen', 'accept_ra_rtr_pref', 'accept_redirects', 'accept_source_route',
  'accept_untracked_na', 'addr_gen_mode', 'autoconf', 'dad_transmits', 'disable_ipv6', 'disable_policy',
  'drop_unicast_in_l2_multicast', 'drop_unsolicited_na', 'enhanced_dad', 'force_forwarding', 'force_mld_version',
  'force_tllao', 'forwarding', 'hop_limit', 'ignore_routes_with_linkdown', 'ioam6_enabled', 'ioam6_id',
  'ioam6_id_wide', 'keep_addr_on_down', 'max_addresses', 'max_desync_factor', 'mc_forwarding',
  'mldv1_unsolicited_report_interval', 'mldv2_unsolicited_report_interval', 'mtu', 'ndisc_evict_nocarrier',
  'ndisc_notify', 'ndisc_tclass', 'optimistic_dad', 'proxy_ndp', 'ra_defrtr_metric', 'ra_honor_pio_life',
  'ra_honor_pio_pflag', 'regen_max_retry', 'regen_min_advance', 'router_probe_interval',
  'router_solicitation_delay', 'router_solicitation_interval', 'router_solicitation_max_interval',
  'router_solicitations', 'rpl_seg_enabled', 'seg6_enabled', 'seg6_require_hmac', 'stable_secret',
  'suppress_frag_ndisc', 'temp_prefered_lft', 'temp_valid_lft', 'use_oif_addrs_only', 'use_optimistic',
  'use_tempaddr',
];

/** IPV6_CONF_RULES maps every key of net/ipv6/conf/<iface>/ to its rule. */
export const IPV6_CONF_RULES: ReadonlyMap<string, CombineRule> = new Map(
  IPV6_CONF_NAMES.map((name) => [name, IPV6_COMBINED.get(name) ?? 'interface']),
);

/**
 * Keys whose `all` value the kernel copies into `default` and every
 * interface when it is written (devinet_sysctl_forward, addrconf_fixup_*):
 * writing them changes more than one file.
 */
const PROPAGATING: Readonly<Record<Family, ReadonlySet<string>>> = {
  4: new Set(['forwarding']),
  6: new Set(['forwarding', 'disable_ipv6', 'disable_policy', 'ignore_routes_with_linkdown']),
};

/** confRules is the rule table of one address family. */
export function confRules(family: Family): ReadonlyMap<string, CombineRule> {
  return family === 4 ? IPV4_CONF_RULES : IPV6_CONF_RULES;
}

/** combineRule is the rule of a per-interface key, or undefined when the kernel has no such key. */
export function combineRule(family: Family, name: string): CombineRule | undefined {
  return confRules(family).get(name);
}

/** propagatesFromAll says whether writing `conf/all/<name>` also rewrites every interface. */
export function propagatesFromAll(family: Family, name: string): boolean {
  return PROPAGATING[family].has(name);
}

/** dependsOnAll says whether the rule reads `all` at all. */
export function dependsOnAll(rule: CombineRule): boolean {
  return rule !== 'interface';
}

/**
 * effective computes the value the kernel uses on an interface.
 * `forwarding` is the interface's own forwarding value; only `redirects` reads it.
 */
export function effective(rule: CombineRule, all: number, iface: number, forwarding = 0): number {
  switch (rule) {
    case 'max':
      return Math.max(all, iface);
    case 'min':
      return Math.min(all, iface);
    case 'or':
      return all !== 0 || iface !== 0 ? 1 : 0;
    case 'and':
      return all !== 0 && iface !== 0 ? 1 : 0;
    case 'interface':
      return iface;
    case 'redirects':
      return effective(forwarding !== 0 ? 'and' : 'or', all, iface);
  }
}

/** rulePhrase says in a few words how the rule combines the two values, for messages. */
export function rulePhrase(rule: CombineRule, forwarding = 0): string {
  switch (rule) {
    case 'max':
      return 'the larger of the two';
    case 'min':
      return 'the smaller of the two';
    case 'or':
      return 'on when either is non-zero';
    case 'and':
      return 'on only when both are non-zero';
    case 'interface':
      return "the interface's own value alone";
    case 'redirects':
      return forwarding !== 0 ? 'on a forwarding interface, on only when both are non-zero' : 'on when either is non-zero';
  }
}
