/**
 * Named faults of the DR lab: the mistakes that break Direct Routing in
 * production, each reproducible in the lab with real traffic. A fault knows
 * the doctor check that must report it, how VIP traffic fails with it and
 * the fix in words. The fix the lab runs is the doctor's own (its --json
 * fixSteps, run-fix.ts); where that fix asks for an edit by hand, the fault
 * says how the lab makes it.
 */
import { UsageError } from '../errors.js';
import { restartHttpService } from './http-service.js';
import type { Symptom } from './probe.js';
import { DIRECTORS, keepalivedNode, LAB, LAB_REAL_SERVERS, reloadKeepalived, waitForVipHolders, writeKeepalived, type Lab, type LbfwNodeName } from './topology.js';
import { stopKeepalived } from './keepalived.js';

/** The doctor check ids the lab's faults are reported under. */
export type DoctorCheckId =
  | 'rs-arp-ignore'
  | 'rs-arp-announce'
  | 'rs-vip-not-on-lo'
  | 'rs-vip-wide-prefix'
  | 'rs-vip-on-arp-iface'
  | 'rs-rp-filter-strict'
  | 'rs-not-listening'
  | 'rs-fw-blocks-vip'
  | 'rp-filter-vip'
  | 'fw-blocks-vip'
  | 'output-chain-drop'
  | 'dr-port-remap'
  | 'rs-not-connected'
  | 'vip-absent'
  | 'rs-no-route-back'
  | 'conntrack-tcp-loose';

/** Fault: one mistake, injected into a lab that lbfw made healthy. */
export interface Fault {
  readonly id: string;
  readonly description: string;
  /** The node whose `lbfw doctor` reports it. */
  readonly node: LbfwNodeName;
  readonly doctorId: DoctorCheckId;
  /**
   * The severity the doctor reports it with: `error` when the host's own
   * facts prove DR broken, `warning` when breaking also needs something the
   * doctor cannot see from the host (e.g. the route back to each client).
   */
  readonly severity: 'error' | 'warning';
  /** How real requests through the VIP fail. */
  readonly symptom: Symptom;
  /** Extra arguments of the node's `lbfw doctor` (e.g. `--client ADDR`). */
  readonly doctorArgs?: readonly string[];
  /** The fix in words, for `lbfw lab faults` (the doctor prints the exact one). */
  readonly fix: string;
  readonly inject: (lab: Lab) => Promise<void>;
  /**
   * The edit by hand that the doctor's fix asks for first (its
   * fixSteps.edit: a service's configuration, keepalived.conf), as the lab
   * makes it; absent when the doctor's fix is command lines only.
   */
  readonly edit?: (lab: Lab) => Promise<void>;
}

/** sh runs command lines in a node and throws with their output when one fails. */
async function sh(lab: Lab, node: LbfwNodeName, ...commands: string[]): Promise<void> {
  for (const command of commands) {
    const result = await lab.sh(node, command);
    if (result.code !== 0) throw new Error(`${node}: \`${command}\` failed (exit ${result.code}): ${`${result.stdout}${result.stderr}`.trim()}`);
  }
}

/** sysctls writes kernel settings in a node. */
async function sysctls(lab: Lab, node: LbfwNodeName, values: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(values)) await lab[node].ns.sysctl(key, value);
}

/** Strict reverse-path filtering on the LAN interface (the larger of all and eth0 counts). */
const STRICT_RP_FILTER = { 'net.ipv4.conf.all.rp_filter': '1', 'net.ipv4.conf.eth0.rp_filter': '1' } as const;

/** A fix that is one command line typed on the fault's node: the doctor prints it. */
function commandFix(command: string): Pick<Fault, 'fix'> {
  return { fix: command };
}

const VIP = LAB.vip;

/**
 * A distribution's default firewall in its own table: input policy drop,
 * SSH and established traffic only. The SYN of every VIP connection is
 * `ct state new`, so no client ever gets through.
 */
const DISTRO_INPUT_FIREWALL = `nft -f - <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 22 accept
	}
}
EOF`;

/**
 * A hardened host's output chain: only replies, loopback and VRRP (the
 * operator allowed keepalived) may leave. VRRP is allowed so that the fault
 * is the DR forwarding alone, not also a failover to director2.
 */
const DISTRO_OUTPUT_FIREWALL = `nft -f - <<'EOF'
table inet filter {
	chain output {
		type filter hook output priority filter; policy drop;
		ct state established,related accept
		oif "lo" accept
		meta l4proto vrrp accept
	}
}
EOF`;

/** The same hardening written as policy accept with a final drop rule: DR breaks just the same. */
const LAST_RULE_DROP_OUTPUT_FIREWALL = `nft -f - <<'EOF'
table inet filter {
	chain output {
		type filter hook output priority filter; policy accept;
		ct state established,related accept
		oif "lo" accept
		meta l4proto vrrp accept
		counter drop
	}
}
EOF`;

/** A firewall that drops what conntrack calls invalid, before IPVS (priority -10). */
const INVALID_DROP_FIREWALL = `nft -f - <<'EOF'
table inet filter {
	chain input {
		type filter hook input priority -10; policy accept;
		ct state invalid counter drop
	}
}
EOF`;

/** A gateway address on the LAN that nobody has. */
const DEAD_GATEWAY = '203.0.113.99';

const APPLY = 'lbfw apply';

/** FAULTS: every fault the lab can inject, by id. */
export const FAULTS: readonly Fault[] = [
  {
    id: 'rs-answers-arp',
    description: 'rs1 answers ARP requests for the VIP (arp_ignore 0, the kernel default)',
    node: 'rs1',
    doctorId: 'rs-arp-ignore',
    severity: 'error',
    symptom: 'bypass',
    inject: (lab) => sysctls(lab, 'rs1', { 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.eth0.arp_ignore': '0' }),
    ...commandFix(APPLY),
  },
  {
    id: 'rs-announces-vip',
    description: 'rs1 uses the VIP as sender of its own ARP requests (arp_announce 0, the kernel default)',
    node: 'rs1',
    doctorId: 'rs-arp-announce',
    severity: 'error',
    symptom: 'bypass',
    inject: (lab) => sysctls(lab, 'rs1', { 'net.ipv4.conf.all.arp_announce': '0', 'net.ipv4.conf.eth0.arp_announce': '0' }),
    ...commandFix(APPLY),
  },
  {
    id: 'rs-vip-missing',
    description: 'rs1 does not have the VIP on lo, so it drops the packets the director sends it',
    node: 'rs1',
    doctorId: 'rs-vip-not-on-lo',
    severity: 'error',
    symptom: 'dropped',
    inject: (lab) => sh(lab, 'rs1', `ip addr del ${VIP}/32 dev lo`),
    ...commandFix(APPLY),
  },
  {
    id: 'rs-vip-slash24',
    description: 'rs2 has the VIP on lo as /24: the whole LAN is local to it, so its replies to the client never leave',
    node: 'rs2',
    doctorId: 'rs-vip-wide-prefix',
    severity: 'error',
    symptom: 'dropped',
    inject: (lab) => sh(lab, 'rs2', `ip addr del ${VIP}/32 dev lo`, `ip addr add ${VIP}/24 dev lo`),
    ...commandFix(APPLY),
  },
  {
    id: 'rs-vip-on-eth0',
    description: 'rs1 also has the VIP on eth0, where it answers ARP for it whatever arp_ignore says',
    node: 'rs1',
    doctorId: 'rs-vip-on-arp-iface',
    severity: 'error',
    symptom: 'bypass',
    inject: (lab) => sh(lab, 'rs1', `ip addr add ${VIP}/32 dev eth0`),
    ...commandFix(`ip addr del ${VIP}/32 dev eth0`),
  },
  {
    id: 'rs-strict-rp-filter',
    description: `rs1 is multi-homed, routes its replies to the client out of eth1 (backend network) and has strict rp_filter`,
    node: 'rs1',
    doctorId: 'rs-rp-filter-strict',
    // The doctor sees strict rp_filter on a multi-homed server, not the asymmetric route back to the client.
    severity: 'warning',
    symptom: 'dropped',
    inject: async (lab) => {
      await sh(lab, 'rs1', `ip route add ${LAB.lan.client}/32 via ${LAB.backend.client} dev eth1`);
      await sysctls(lab, 'rs1', STRICT_RP_FILTER);
    },
    ...commandFix(APPLY),
  },
  {
    id: 'rs-service-on-rip',
    description: `rs1's web service listens on its own address ${LAB.lan.rs1}:${LAB.port} only, not on the VIP`,
    node: 'rs1',
    doctorId: 'rs-not-listening',
    severity: 'error',
    symptom: 'refused',
    inject: (lab) => restartHttpService(lab.rs1.ns, { name: 'rs1', host: LAB.lan.rs1, port: LAB.port }),
    fix: `make the service listen on 0.0.0.0:${LAB.port} (or ${VIP}:${LAB.port}) and restart it`,
    edit: (lab) => restartHttpService(lab.rs1.ns, { name: 'rs1', host: '0.0.0.0', port: LAB.port }),
  },
  {
    id: 'rs-distro-firewall',
    description: 'rs1 has another firewall table (inet filter) whose input chain drops everything but SSH and replies',
    node: 'rs1',
    doctorId: 'rs-fw-blocks-vip',
    severity: 'error',
    symptom: 'dropped',
    inject: (lab) => sh(lab, 'rs1', DISTRO_INPUT_FIREWALL),
    ...commandFix(`nft insert rule inet filter input ip daddr ${VIP} tcp dport ${LAB.port} accept`),
  },
  {
    id: 'director-strict-rp-filter',
    description: `the director's route back to the client leaves by eth1 (uplink) and rp_filter is strict`,
    node: 'director',
    doctorId: 'rp-filter-vip',
    severity: 'error',
    symptom: 'dropped',
    inject: async (lab) => {
      await sh(lab, 'director', `ip route add ${LAB.lan.client}/32 via ${LAB.uplink.client} dev eth1`);
      await sysctls(lab, 'director', STRICT_RP_FILTER);
    },
    ...commandFix(APPLY),
  },
  {
    id: 'director-distro-firewall',
    description: `the director has another firewall table (inet filter) whose input chain drops VIP traffic before IPVS sees it`,
    node: 'director',
    doctorId: 'fw-blocks-vip',
    severity: 'error',
    symptom: 'dropped',
    inject: (lab) => sh(lab, 'director', DISTRO_INPUT_FIREWALL),
    ...commandFix(`nft insert rule inet filter input ip daddr ${VIP} tcp dport ${LAB.port} accept`),
  },
  {
    id: 'director-output-drop',
    description: `the director's output chain (table inet filter) drops what it did not receive: the packets DR sends to the real servers`,
    node: 'director',
    doctorId: 'output-chain-drop',
    severity: 'error',
    symptom: 'dropped',
    inject: (lab) => sh(lab, 'director', DISTRO_OUTPUT_FIREWALL),
    // Accepting only VIP traffic would do for this service, but every other DR
    // service and health check would hit the same wall: the policy is the mistake.
    ...commandFix(`nft 'chain inet filter output { type filter hook output priority 0; policy accept; }'`),
  },
  {
    id: 'real-server-port-8080',
    description: `keepalived.conf sends VIP:${LAB.port} to rs1 port 8080, where rs1's service now listens; DR cannot change the port`,
    node: 'director',
    doctorId: 'dr-port-remap',
    severity: 'error',
    symptom: 'refused',
    inject: async (lab) => {
      await restartHttpService(lab.rs1.ns, { name: 'rs1', host: '0.0.0.0', port: 8080 });
      await writeKeepalived(lab, [{ address: LAB.lan.rs1, port: 8080 }, ...LAB_REAL_SERVERS.slice(1)]);
      await reloadKeepalived(lab);
    },
    fix: `in keepalived.conf write \`real_server ${LAB.lan.rs1} ${LAB.port}\` (the virtual server's port), make rs1's service listen on port ${LAB.port}, then \`systemctl reload keepalived\``,
    // The doctor's fix: change the real_server line, then `systemctl reload keepalived`.
    edit: async (lab) => {
      await restartHttpService(lab.rs1.ns, { name: 'rs1', host: '0.0.0.0', port: LAB.port });
      await writeKeepalived(lab, LAB_REAL_SERVERS);
    },
  },
  {
    id: 'rs-behind-router',
    description: `keepalived.conf names rs1 by its backend address ${LAB.backend.rs1}, which the director reaches only through its gateway`,
    node: 'director',
    doctorId: 'rs-not-connected',
    severity: 'error',
    symptom: 'dropped',
    inject: async (lab) => {
      await writeKeepalived(lab, [{ address: LAB.backend.rs1, port: LAB.port }, ...LAB_REAL_SERVERS.slice(1)]);
      await reloadKeepalived(lab);
    },
    fix: `in keepalived.conf name rs1 by its address on the director's own network: \`real_server ${LAB.lan.rs1} ${LAB.port}\`, then \`systemctl reload keepalived\``,
    // The doctor's fix: name rs1 by its LAN address at the real_server line, then `systemctl reload keepalived`.
    edit: (lab) => writeKeepalived(lab, LAB_REAL_SERVERS),
  },
  {
    id: 'director-without-vip',
    description: 'the director does not hold the VIP (keepalived stopped or never became MASTER): nobody answers ARP for it',
    node: 'director',
    doctorId: 'vip-absent',
    severity: 'error',
    symptom: 'dropped',
    // With real keepalived in the lab: keepalived stopped on both directors.
    inject: async (lab) => {
      if (!lab.keepalived) return sh(lab, 'director', `ip addr del ${VIP}/32 dev eth0`);
      for (const node of DIRECTORS) await stopKeepalived(keepalivedNode(lab, node));
      const holders = await waitForVipHolders(lab, []);
      if (holders.length > 0) throw new Error(`the VIP is still held by ${holders.join(', ')}`);
    },
    // The doctor's fix is `systemctl restart keepalived`, which the lab runs with its keepalived stand-in (run-fix.ts).
    fix: `start keepalived on the director (systemctl restart keepalived); without keepalived: ip addr add ${VIP}/32 dev eth0`,
  },
  {
    id: 'rs-arp-ignore-8',
    description: 'rs1 has arp_ignore 8: it answers no ARP request at all, so the director cannot reach it',
    node: 'rs1',
    doctorId: 'rs-arp-ignore',
    severity: 'error',
    symptom: 'dropped',
    inject: (lab) => sysctls(lab, 'rs1', { 'net.ipv4.conf.all.arp_ignore': '8' }),
    ...commandFix(APPLY),
  },
  {
    id: 'rs-service-v6only',
    description: `rs1's web service listens on [::]:${LAB.port} with IPV6_V6ONLY: it takes no IPv4 client`,
    node: 'rs1',
    doctorId: 'rs-not-listening',
    severity: 'error',
    symptom: 'refused',
    inject: (lab) => restartHttpService(lab.rs1.ns, { name: 'rs1', host: '::', port: LAB.port, ipv6Only: true }),
    fix: `make the service listen on 0.0.0.0:${LAB.port} too (or without IPV6_V6ONLY) and restart it`,
    edit: (lab) => restartHttpService(lab.rs1.ns, { name: 'rs1', host: '0.0.0.0', port: LAB.port }),
  },
  {
    id: 'rs-dead-gateway',
    description: `rs1 routes its replies to the client via ${DEAD_GATEWAY}, a gateway that does not answer`,
    node: 'rs1',
    doctorId: 'rs-no-route-back',
    severity: 'error',
    symptom: 'dropped',
    doctorArgs: ['--client', LAB.lan.client],
    inject: (lab) => sh(lab, 'rs1', `ip route add ${LAB.lan.client}/32 via ${DEAD_GATEWAY} dev eth0`),
    ...commandFix(`ip route del ${LAB.lan.client}/32 via ${DEAD_GATEWAY} dev eth0`),
  },
  {
    id: 'director-ct-invalid-drop',
    description: 'the director (firewalled by another tool than lbfw) drops `ct state invalid` before IPVS while net.netfilter.nf_conntrack_tcp_loose is 0',
    node: 'director',
    doctorId: 'conntrack-tcp-loose',
    severity: 'error',
    symptom: 'dropped',
    inject: async (lab) => {
      // lbfw's own table untracks VIP traffic (notrack), which this fault cannot
      // break: the fault is a director whose firewall is another one.
      await sh(lab, 'director', 'nft delete table inet lbfw');
      await sh(lab, 'director', INVALID_DROP_FIREWALL);
      await sysctls(lab, 'director', { 'net.netfilter.nf_conntrack_tcp_loose': '0' });
    },
    ...commandFix('sysctl -w net.netfilter.nf_conntrack_tcp_loose=1'),
  },
  {
    id: 'director-output-last-drop',
    description: `the director's output chain has policy accept but ends with a drop rule: the packets DR sends to the real servers hit it`,
    node: 'director',
    doctorId: 'output-chain-drop',
    severity: 'error',
    symptom: 'dropped',
    inject: (lab) => sh(lab, 'director', LAST_RULE_DROP_OUTPUT_FIREWALL),
    ...commandFix(`nft insert rule inet filter output ip daddr ${VIP} tcp dport ${LAB.port} accept`),
  },
];

/** faultById finds a fault; undefined when there is none of that id. */
export function faultById(id: string): Fault | undefined {
  return FAULTS.find((f) => f.id === id);
}

/**
 * faultsByIds looks up every id, in order; an unknown one is a UsageError
 * listing the known ones (so `lab up` can refuse before building anything).
 */
export function faultsByIds(ids: readonly string[]): Fault[] {
  return ids.map((id) => {
    const fault = faultById(id);
    if (fault === undefined) throw new UsageError(`unknown fault "${id}": use one of ${FAULTS.map((f) => f.id).join(', ')} (\`lbfw lab faults\` explains each)`);
    return fault;
  });
}

/** injectFaults injects the named faults in order; unknown ids are an error listing the known ones. */
export async function injectFaults(lab: Lab, ids: readonly string[]): Promise<Fault[]> {
  const faults = faultsByIds(ids);
  for (const fault of faults) await fault.inject(lab);
  return faults;
}
