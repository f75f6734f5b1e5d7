/**
 * The keywords keepalived knows in the blocks lbfw reads, and the ones it has
 * replaced. Both are data taken from keepalived's own parser, so that a typo
 * (`lvs_shed`) is reported as unknown while a legal keyword lbfw does not
 * model (`notify_master`) is not.
 *
 * Source: acassen/keepalived at commit 9cbce3e2117f (2026-08): the
 * install_keyword_root()/install_keyword() calls of
 * keepalived/core/global_parser.c, keepalived/vrrp/vrrp_parser.c,
 * keepalived/check/check_parser.c, keepalived/trackers/track_file.c,
 * keepalived/bfd/bfd_parser.c and install_checkers_keyword() in
 * keepalived/check/check_api.c. Keywords behind build options (#ifdef) are
 * included: some keepalived build accepts them.
 */

/** Keywords keepalived accepts at the top level (every install_keyword_root call). */
export const ROOT_KEYWORDS: ReadonlySet<string> = new Set([
  'SSL', 'bfd_instance', 'child_wait_time', 'garp_group', 'global_defs', 'instance',
  'interface_up_down_delays', 'linkbeat_interfaces', 'linkbeat_use_polling', 'namespace_with_ipsets',
  'net_namespace', 'net_namespace_ipvs', 'static_ipaddress', 'static_routes', 'static_rules', 'track_file',
  'track_group', 'use_pid_dir', 'virtual_server', 'virtual_server_group', 'vrrp_instance', 'vrrp_script',
  'vrrp_sync_group', 'vrrp_track_file', 'vrrp_track_process',
]);

/** Keywords of `global_defs` (keepalived/core/global_parser.c). */
export const GLOBAL_DEFS_KEYWORDS: ReadonlySet<string> = new Set([
  'bfd_cpu_affinity', 'bfd_no_swap', 'bfd_priority', 'bfd_process_name', 'bfd_rlimit_rtime',
  'bfd_rlimit_rttime', 'bfd_rt_priority', 'checker_cpu_affinity', 'checker_log_all_failures',
  'checker_no_swap', 'checker_priority', 'checker_process_name', 'checker_rlimit_rtime',
  'checker_rlimit_rttime', 'checker_rt_priority', 'config_save_dir', 'data_use_instance',
  'dbus_no_interface_name', 'dbus_service_name', 'default_interface', 'disable_local_igmp',
  'dynamic_interfaces', 'enable_dbus', 'enable_script_security', 'enable_snmp_checker',
  'enable_snmp_keepalived', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_snmp_vrrp',
  'enable_traps', 'fifo_write_vrrp_states_on_reload', 'include_check', 'iproute_etc_dir', 'iproute_usr_dir',
  'json_dump_file', 'json_version', 'log_unknown_vrids', 'lvs_flush', 'lvs_flush_on_stop',
  'lvs_flush_onstop', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'lvs_notify_fifo',
  'lvs_notify_fifo_script', 'lvs_process_name', 'lvs_sync_daemon', 'lvs_timeouts', 'max_auto_priority',
  'min_auto_priority_delay', 'nftables', 'nftables_counters', 'nftables_ifindex', 'nftables_ipvs',
  'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark', 'nftables_priority', 'no_checker_emails',
  'no_email_faults', 'notification_email', 'notification_email_from', 'notify_fifo', 'notify_fifo_script',
  'process_monitor_rcv_bufs', 'process_monitor_rcv_bufs_force', 'process_name', 'process_names',
  'random_seed', 'reload_check_config', 'reload_file', 'reload_repeat', 'reload_time_file', 'router_id',
  'rs_init_notifies', 'script_user', 'set_supplementary_groups', 'shutdown_script',
  'shutdown_script_timeout', 'smtp_alert', 'smtp_alert_checker', 'smtp_alert_vrrp', 'smtp_connect_timeout',
  'smtp_helo_name', 'smtp_server', 'snmp_rs_stats_update_interval', 'snmp_socket',
  'snmp_vs_stats_update_interval', 'startup_script', 'startup_script_timeout', 'state_dump_file',
  'stats_dump_file', 'tmp_config_directory', 'umask', 'use_symlink_paths', 'v3_checksum_as_v2',
  'vmac_addr_prefix', 'vmac_prefix', 'vrrp_check_unicast_src', 'vrrp_cpu_affinity', 'vrrp_delay_after_boot',
  'vrrp_down_timer_adverts', 'vrrp_garp_extra_if', 'vrrp_garp_interval', 'vrrp_garp_lower_prio_delay',
  'vrrp_garp_lower_prio_repeat', 'vrrp_garp_master_delay', 'vrrp_garp_master_refresh',
  'vrrp_garp_master_refresh_repeat', 'vrrp_garp_master_repeat', 'vrrp_gna_interval',
  'vrrp_higher_prio_send_advert', 'vrrp_ipsets', 'vrrp_iptables', 'vrrp_lower_prio_no_advert',
  'vrrp_mcast_group4', 'vrrp_mcast_group6', 'vrrp_min_garp', 'vrrp_netlink_cmd_rcv_bufs',
  'vrrp_netlink_cmd_rcv_bufs_force', 'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force',
  'vrrp_no_swap', 'vrrp_notify_fifo', 'vrrp_notify_fifo_script', 'vrrp_notify_priority_changes',
  'vrrp_owner_ignore_adverts', 'vrrp_priority', 'vrrp_process_name', 'vrrp_rlimit_rtime',
  'vrrp_rlimit_rttime', 'vrrp_rt_priority', 'vrrp_rx_bufs_multiplier', 'vrrp_rx_bufs_policy',
  'vrrp_skip_check_adv_addr', 'vrrp_startup_delay', 'vrrp_strict', 'vrrp_version', 'vrrp_vmac_garp_intvl',
]);

/** Keywords of `vrrp_instance` (keepalived/vrrp/vrrp_parser.c). */
export const VRRP_INSTANCE_KEYWORDS: ReadonlySet<string> = new Set([
  'accept', 'advert_int', 'auth_hmac', 'authentication', 'check_unicast_src', 'debug', 'dont_track_primary',
  'down_timer_adverts', 'garp_extra_if', 'garp_lower_prio_delay', 'garp_lower_prio_repeat',
  'garp_master_delay', 'garp_master_refresh', 'garp_master_refresh_repeat', 'garp_master_repeat',
  'higher_prio_send_advert', 'interface', 'kernel_rx_buf_size', 'linkbeat_use_polling',
  'lower_prio_no_advert', 'lvs_sync_daemon_interface', 'mcast_dst_ip', 'mcast_src_ip', 'native_ipv6',
  'no_accept', 'no_virtual_ipaddress', 'nopreempt', 'notify', 'notify_backup', 'notify_deleted',
  'notify_fault', 'notify_master', 'notify_master_rx_lower_pri', 'notify_priority_changes', 'notify_stop',
  'old_unicast_checksum', 'owner_ignore_adverts', 'preempt', 'preempt_delay', 'priority',
  'promote_secondaries', 'skip_check_adv_addr', 'smtp_alert', 'state', 'strict_mode', 'thread_timer_expired',
  'timer_expired_backup', 'track_bfd', 'track_file', 'track_interface', 'track_process', 'track_script',
  'track_src_ip', 'unicast_fault_no_peer', 'unicast_peer', 'unicast_src_ip', 'unicast_ttl', 'use_ipvlan',
  'use_vmac', 'use_vmac_addr', 'v3_checksum_as_v2', 'version', 'virtual_ipaddress',
  'virtual_ipaddress_excluded', 'virtual_router_id', 'virtual_routes', 'virtual_rules', 'vmac_garp_intvl',
  'vmac_xmit_base', 'vrf',
]);

/** Keywords of `vrrp_instance { authentication { } }`. */
export const AUTHENTICATION_KEYWORDS: ReadonlySet<string> = new Set([
  'auth_pass', 'auth_type',
]);

/** Keywords of `virtual_server` (keepalived/check/check_parser.c). */
export const VIRTUAL_SERVER_KEYWORDS: ReadonlySet<string> = new Set([
  'alpha', 'connect_timeout', 'delay_before_retry', 'delay_loop', 'flag-1', 'flag-2', 'flag-3', 'ha_suspend',
  'hashed', 'hysteresis', 'inhibit_on_failure', 'ip_family', 'lb_algo', 'lb_kind', 'lvs_method', 'lvs_sched',
  'mh-fallback', 'mh-port', 'omega', 'ops', 'persistence_engine', 'persistence_granularity',
  'persistence_timeout', 'protocol', 'quorum', 'quorum_down', 'quorum_up', 'real_server', 'retry',
  'sh-fallback', 'sh-port', 'smtp_alert', 'snmp_name', 'sorry_server', 'sorry_server_inhibit',
  'sorry_server_lvs_method', 'virtualhost', 'warmup', 'weight',
]);

/** Keywords of `real_server`, with the checkers that install_checkers_keyword() adds (check_api.c). */
export const REAL_SERVER_KEYWORDS: ReadonlySet<string> = new Set([
  'BFD_CHECK', 'DNS_CHECK', 'FILE_CHECK', 'HTTP_GET', 'MISC_CHECK', 'PING_CHECK', 'SMTP_CHECK', 'SSL_GET',
  'TCP_CHECK', 'UDP_CHECK', 'alpha', 'connect_timeout', 'delay_before_retry', 'delay_loop',
  'inhibit_on_failure', 'lthreshold', 'lvs_method', 'notify_down', 'notify_up', 'retry', 'smtp_alert',
  'snmp_name', 'uthreshold', 'virtualhost', 'warmup', 'weight',
]);

/** Health checker blocks of a `real_server`. */
export const CHECKER_KINDS: ReadonlySet<string> = new Set([
  'BFD_CHECK', 'DNS_CHECK', 'FILE_CHECK', 'HTTP_GET', 'MISC_CHECK', 'PING_CHECK', 'SMTP_CHECK', 'SSL_GET',
  'TCP_CHECK', 'UDP_CHECK',
]);

/** A deprecated keyword, the block it is deprecated in (`undefined`: anywhere), and its replacement. */
export interface Deprecation {
  readonly keyword: string;
  readonly block?: string;
  readonly replacement: string;
}

/**
 * DEPRECATIONS lists the keywords keepalived still accepts but has renamed or
 * replaced, each with the place in keepalived that says so.
 */
export const DEPRECATIONS: readonly Deprecation[] = [
  // ChangeLog 1.1.5: "Renamed keywords lb_kind to lvs_method and lb_algo to lvs_sched. For
  // compatibility reasons, old keywords are still available." The man page lists only the new ones.
  { keyword: 'lb_algo', block: 'virtual_server', replacement: 'lvs_sched' },
  { keyword: 'lb_kind', block: 'virtual_server', replacement: 'lvs_method' },
  // vrrp_parser.c: "Specifying lvs_sync_daemon_interface against a vrrp is deprecated" (after v1.2.19).
  { keyword: 'lvs_sync_daemon_interface', block: 'vrrp_instance', replacement: 'lvs_sync_daemon in global_defs' },
  // vrrp_parser.c: "'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block".
  { keyword: 'linkbeat_use_polling', block: 'vrrp_instance', replacement: 'a linkbeat_interfaces block' },
  // keepalived.conf(5): native_ipv6 "is deprecated since the virtual ip addresses determine" the family.
  { keyword: 'native_ipv6', block: 'vrrp_instance', replacement: 'IPv6 virtual_ipaddress entries' },
  // vrrp_parser.c: "Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"" (after v2.2.2).
  { keyword: 'vmac_garp_intvl', block: 'vrrp_instance', replacement: 'garp_extra_if' },
  // vrrp_parser.c: "global_tracking is deprecated. Use track_interface/script/file on the sync group".
  { keyword: 'global_tracking', block: 'vrrp_sync_group', replacement: 'track_interface/track_script/track_file on the sync group' },
  // check_http.c: "nb_get_retry is deprecated - please use 'retry'".
  { keyword: 'nb_get_retry', block: 'HTTP_GET', replacement: 'retry' },
  { keyword: 'nb_get_retry', block: 'SSL_GET', replacement: 'retry' },
  // global_parser.c, each marked "Deprecated" where it is installed.
  { keyword: 'lvs_process_name', block: 'global_defs', replacement: 'checker_process_name' },
  { keyword: 'lvs_flush_onstop', block: 'global_defs', replacement: 'lvs_flush_on_stop' },
  { keyword: 'vrrp_vmac_garp_intvl', block: 'global_defs', replacement: 'vrrp_garp_extra_if' },
  { keyword: 'vrrp_rlimit_rtime', block: 'global_defs', replacement: 'vrrp_rlimit_rttime' },
  { keyword: 'checker_rlimit_rtime', block: 'global_defs', replacement: 'checker_rlimit_rttime' },
  { keyword: 'bfd_rlimit_rtime', block: 'global_defs', replacement: 'bfd_rlimit_rttime' },
  { keyword: 'enable_snmp_keepalived', block: 'global_defs', replacement: 'enable_snmp_vrrp' },
  // track_file.c: ""vrrp_track_file" is deprecated, please use "track_file"" (after v2.0.20).
  { keyword: 'vrrp_track_file', block: '', replacement: 'track_file' },
];
