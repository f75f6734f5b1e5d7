/**
 * Protocol facts of an IPVS/keepalived Direct Routing pair, in one place for
 * the firewall builder, the doctor and the lab. Each names its source.
 */

/** VRRP is IP protocol 112 (RFC 5798 section 5.1.1.4; IANA protocol numbers). */
export const VRRP_PROTOCOL = 112;
/** VRRP's IPv4 multicast group (RFC 5798 section 5.1.1.2); keepalived's vrrp_mcast_group4 may change it. */
export const VRRP_GROUP4 = '224.0.0.18';
/** VRRP's IPv6 multicast group (RFC 5798 section 5.1.2.2); keepalived's vrrp_mcast_group6 may change it. */
export const VRRP_GROUP6 = 'ff02::12';
/** VRRP packets are sent with TTL / hop limit 255 (RFC 5798 section 5.1.1.3): a receiver checks it. */
export const VRRP_TTL = 255;

/** UDP port of the IPVS connection sync daemon by default (kernel ip_vs_sync.c IP_VS_SYNC_PORT). */
export const IPVS_SYNC_PORT = 8848;
/** IPv4 multicast group of the IPVS sync daemon by default (kernel ip_vs_sync.c IP_VS_SYNC_GROUP). */
export const IPVS_SYNC_GROUP4 = '224.0.0.81';
