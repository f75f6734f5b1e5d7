/**
 * The list of every check, in the order the doctor runs and lists them.
 * Building the list is apart from running it (run.ts).
 */
import { BAN_CHECKS } from './checks/ban.js';
import { BLACKLIST_CHECKS } from './checks/blacklist.js';
import { FIREWALL_CHECKS } from './checks/firewall.js';
import { HARDENING_CHECKS } from './checks/hardening.js';
import { IPVS_CHECKS } from './checks/ipvs.js';
import { KEEPALIVED_CHECKS } from './checks/keepalived.js';
import { LBFW_CHECKS } from './checks/lbfw.js';
import { LISTEN_CHECKS } from './checks/listen.js';
import { PROBE_CHECKS } from './checks/probe.js';
import { ROUTING_CHECKS } from './checks/routing.js';
import { SYSCTL_CHECKS } from './checks/sysctl.js';
import { VIP_CHECKS } from './checks/vip.js';
import type { Check } from './types.js';

/** CHECKS: every check of the doctor. Ids are unique and stable. */
export const CHECKS: readonly Check[] = [
  ...VIP_CHECKS,
  ...ROUTING_CHECKS,
  ...SYSCTL_CHECKS,
  ...IPVS_CHECKS,
  ...FIREWALL_CHECKS,
  ...HARDENING_CHECKS,
  ...KEEPALIVED_CHECKS,
  ...LISTEN_CHECKS,
  ...BLACKLIST_CHECKS,
  ...BAN_CHECKS,
  ...LBFW_CHECKS,
  ...PROBE_CHECKS,
];

/** checkIds lists the ids of the checks, in order. */
export function checkIds(checks: readonly Check[] = CHECKS): string[] {
  return checks.map((c) => c.id);
}
