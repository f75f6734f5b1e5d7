/**
 * Names of sysctl keys lbfw knows, so that a typo in a profile is caught
 * when the profile is read rather than reported as "absent on this kernel"
 * forever after. Per-interface keys and net.ipv4.vs.* are checked against
 * complete lists (an unknown name there is refused); for the rest of
 * net.ipv4 / net.ipv6 only a near miss of a known name is refused, so a key
 * added by a newer kernel is still accepted. Other trees are not checked.
 */
import { type Checked, fail, ok, suggest } from '../config/values.js';
import { confRules } from './combine.js';

/** IPVS_KEYS lists net/ipv4/vs/* (Documentation/networking/ipvs-sysctl.rst, net/netfilter/ipvs/ip_vs_ctl.c). */
export const IPVS_KEYS: readonly string[] = [
  'am_droprate', 'amemthresh', 'backup_only', 'cache_bypass', 'conn_lfactor', 'conn_reuse_mode', 'conntrack',
  'debug_level', 'drop_entry', 'drop_packet', 'est_cpulist', 'est_nice', 'expire_nodest_conn',
  'expire_quiescent_template', 'ignore_tunneled', 'lblc_expiration', 'lblcr_expiration', 'nat_icmp_send',
  'pmtu_disc', 'run_estimation', 'schedule_icmp', 'secure_tcp', 'sloppy_sctp', 'sloppy_tcp', 'snat_reroute',
  'svc_lfactor', 'sync_persist_mode', 'sync_ports', 'sync_qlen_max', 'sync_refresh_period', 'sync_retries',
  'sync_sock_size', 'sync_threshold', 'sync_version',
];

/** Keys directly under net/ipv4 on a 6.x kernel. */
const IPV4_KEYS: readonly string[] = [
  'cipso_cache_bucket_size', 'cipso_cache_enable', 'cipso_rbm_optfmt', 'cipso_rbm_strictvalid',
  'fib_multipath_hash_fields', 'fib_multipath_hash_policy', 'fib_multipath_hash_seed', 'fib_multipath_use_neigh',
  'fib_notify_on_flag_change', 'fib_sync_mem', 'fwmark_reflect', 'icmp_echo_enable_probe', 'icmp_echo_ignore_all',
  'icmp_echo_ignore_broadcasts', 'icmp_errors_use_inbound_ifaddr', 'icmp_ignore_bogus_error_responses',
  'icmp_msgs_burst', 'icmp_msgs_per_sec', 'icmp_ratelimit', 'icmp_ratemask', 'igmp_link_local_mcast_reports',
  'igmp_max_memberships', 'igmp_max_msf', 'igmp_qrv', 'inet_peer_maxttl', 'inet_peer_minttl',
  'inet_peer_threshold', 'ip_autobind_reuse', 'ip_default_ttl', 'ip_dynaddr', 'ip_early_demux', 'ip_forward',
  'ip_forward_update_priority', 'ip_forward_use_pmtu', 'ip_local_port_range', 'ip_local_reserved_ports',
  'ip_no_pmtu_disc', 'ip_nonlocal_bind', 'ip_unprivileged_port_start', 'ipfrag_high_thresh', 'ipfrag_low_thresh',
  'ipfrag_max_dist', 'ipfrag_secret_interval', 'ipfrag_time', 'nexthop_compat_mode', 'ping_group_range',
  'raw_l3mdev_accept', 'tcp_abort_on_overflow', 'tcp_adv_win_scale', 'tcp_allowed_congestion_control',
  'tcp_app_win', 'tcp_autocorking', 'tcp_available_congestion_control', 'tcp_available_ulp',
  'tcp_backlog_ack_defer', 'tcp_base_mss', 'tcp_challenge_ack_limit', 'tcp_child_ehash_entries',
  'tcp_comp_sack_delay_ns', 'tcp_comp_sack_nr', 'tcp_comp_sack_slack_ns', 'tcp_congestion_control', 'tcp_dsack',
  'tcp_early_demux', 'tcp_early_retrans', 'tcp_ecn', 'tcp_ecn_fallback', 'tcp_ehash_entries', 'tcp_fack',
  'tcp_fastopen', 'tcp_fastopen_blackhole_timeout_sec', 'tcp_fastopen_key', 'tcp_fin_timeout', 'tcp_frto',
  'tcp_fwmark_accept', 'tcp_invalid_ratelimit', 'tcp_keepalive_intvl', 'tcp_keepalive_probes',
  'tcp_keepalive_time', 'tcp_l3mdev_accept', 'tcp_limit_output_bytes', 'tcp_low_latency', 'tcp_max_orphans',
  'tcp_max_reordering', 'tcp_max_syn_backlog', 'tcp_max_tw_buckets', 'tcp_mem', 'tcp_migrate_req',
  'tcp_min_rtt_wlen', 'tcp_min_snd_mss', 'tcp_min_tso_segs', 'tcp_moderate_rcvbuf', 'tcp_mtu_probe_floor',
  'tcp_mtu_probing', 'tcp_no_metrics_save', 'tcp_no_ssthresh_metrics_save', 'tcp_notsent_lowat',
  'tcp_orphan_retries', 'tcp_pacing_ca_ratio', 'tcp_pacing_ss_ratio', 'tcp_pingpong_thresh', 'tcp_probe_interval',
  'tcp_probe_threshold', 'tcp_recovery', 'tcp_reflect_tos', 'tcp_reordering', 'tcp_retrans_collapse',
  'tcp_retries1', 'tcp_retries2', 'tcp_rfc1337', 'tcp_rmem', 'tcp_rto_max_ms', 'tcp_rto_min_us', 'tcp_sack',
  'tcp_shrink_window', 'tcp_slow_start_after_idle', 'tcp_stdurg', 'tcp_syn_linear_timeouts', 'tcp_syn_retries',
  'tcp_synack_retries', 'tcp_syncookies', 'tcp_thin_linear_timeouts', 'tcp_timestamps', 'tcp_tso_rtt_log',
  'tcp_tso_win_divisor', 'tcp_tw_reuse', 'tcp_tw_reuse_delay', 'tcp_window_scaling', 'tcp_wmem',
  'tcp_workaround_signed_windows', 'udp_child_hash_entries', 'udp_early_demux', 'udp_hash_entries',
  'udp_l3mdev_accept', 'udp_mem', 'udp_rmem_min', 'udp_wmem_min', 'xfrm4_gc_thresh',
];

/** Keys directly under net/ipv6 on a 6.x kernel. */
const IPV6_KEYS: readonly string[] = [
  'anycast_src_echo_reply', 'auto_flowlabels', 'bindv6only', 'calipso_cache_bucket_size', 'calipso_cache_enable',
  'fib_multipath_hash_fields', 'fib_multipath_hash_policy', 'fib_notify_on_flag_change', 'flowlabel_consistency',
  'flowlabel_reflect', 'flowlabel_state_ranges', 'fwmark_reflect', 'idgen_delay', 'idgen_retries', 'ioam6_id',
  'ioam6_id_wide', 'ip6frag_high_thresh', 'ip6frag_low_thresh', 'ip6frag_secret_interval', 'ip6frag_time',
  'ip_nonlocal_bind', 'max_dst_opts_length', 'max_dst_opts_number', 'max_hbh_length', 'max_hbh_opts_number',
  'mld_max_msf', 'mld_qrv', 'seg6_flowlabel', 'xfrm6_gc_thresh',
];

/**
 * checkKnownKey refuses a key name that lbfw knows to be wrong. `levels` is
 * the key split on dots; the interface level of a conf key may be a placeholder.
 */
export function checkKnownKey(levels: readonly string[]): Checked<true> {
  const [net, proto, third, fourth, fifth] = levels;
  if (net !== 'net' || (proto !== 'ipv4' && proto !== 'ipv6')) return ok(true);
  const family = proto === 'ipv4' ? 4 : 6;
  if (third === 'conf') {
    if (levels.length !== 5 || fifth === undefined) {
      return fail(`net.${proto}.conf keys have the form net.${proto}.conf.<interface>.<name>`);
    }
    const names = [...confRules(family).keys()];
    return names.includes(fifth) ? ok(true) : unknown(`${proto}.conf.<interface>`, fifth, names);
  }
  if (family === 4 && third === 'vs') {
    if (levels.length !== 4 || fourth === undefined) return fail('net.ipv4.vs keys have the form net.ipv4.vs.<name>');
    return IPVS_KEYS.includes(fourth) ? ok(true) : unknown('ipv4.vs', fourth, IPVS_KEYS);
  }
  if (levels.length === 3 && third !== undefined) {
    const names = family === 4 ? IPV4_KEYS : IPV6_KEYS;
    const hint = names.includes(third) ? undefined : suggest(third, names);
    if (hint !== undefined) return fail(`unknown key net.${proto}.${third} (did you mean net.${proto}.${hint}?)`);
  }
  return ok(true);
}

function unknown(tree: string, name: string, names: readonly string[]): Checked<true> {
  const hint = suggest(name, names);
  return fail(`unknown key "${name}" in net.${tree}${hint === undefined ? '' : ` (did you mean ${hint}?)`}`);
}
