/**
 * IPVS itself: the module, the virtual services keepalived should have
 * created, Direct Routing's port rule, the expiry settings, and the
 * connection tracking table.
 */
import { formatEndpoint } from '../../config/merge.js';
import { forwardingMethod } from '../../keepalived/model.js';
import type { Facts } from '../facts.js';
import { parseIpvs, type IpvsService } from '../proc-net.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding } from '../types.js';
import { applyFix, hasTable, lbfwCommand, sysctlNumber, where } from '../view.js';

/** The table the lbfw lab uses to emulate IPVS DR forwarding with nftables (DESIGN.md section 5). */
export const LAB_DR_TABLE = { family: 'ip', name: 'lbfw_lab_dr' } as const;

/** isLabDrTable: a chain of the lab's DR emulation, its IPv4 table or its IPv6 twin (`ip6 lbfw_lab_dr`). */
export function isLabDrTable(chain: { readonly family: string; readonly table: string }): boolean {
  return (chain.family === LAB_DR_TABLE.family || chain.family === 'ip6') && chain.table === LAB_DR_TABLE.name;
}

/** Loads IPVS now; the modules-load.d file loads it at every boot. */
const MODPROBE = ['modprobe ip_vs', 'echo ip_vs > /etc/modules-load.d/ip_vs.conf'];

/** ipvs-missing: the IPVS module is not loaded. */
export const ipvsMissing: Check = {
  id: 'ipvs-missing',
  title: 'the IPVS module is loaded (/proc/net/ip_vs exists)',
  roles: ['director'],
  run: (facts) => {
    if (facts.ipvs.present) return [];
    if (hasTable(facts, LAB_DR_TABLE.family, LAB_DR_TABLE.name)) {
      return [
        {
          id: 'ipvs-missing',
          severity: 'info',
          subject: `table ${LAB_DR_TABLE.family} ${LAB_DR_TABLE.name}`,
          what: `IPVS emulated by the lbfw lab: /proc/net/ip_vs does not exist, and table ${LAB_DR_TABLE.family} ${LAB_DR_TABLE.name} forwards the VIP traffic like DR with nftables`,
          breaks: 'nothing in the lab; on a real director keepalived needs the ip_vs module',
        },
      ];
    }
    return [
      {
        id: 'ipvs-missing',
        severity: 'error',
        subject: '/proc/net/ip_vs',
        what: 'the IPVS module is not loaded: /proc/net/ip_vs does not exist in this kernel',
        breaks: 'keepalived cannot create the virtual services, so no VIP traffic is forwarded to the real servers',
        ...runFix(MODPROBE),
      },
    ];
  },
};

function ipvsServices(facts: Facts): IpvsService[] | undefined {
  return facts.ipvs.present && facts.ipvs.services !== undefined ? parseIpvs(facts.ipvs.services) : undefined;
}

/** ipvs-service-missing: a VIP service of the config has no IPVS virtual service. */
export const ipvsServiceMissing: Check = {
  id: 'ipvs-service-missing',
  title: 'every VIP service has an IPVS virtual service',
  roles: ['director'],
  run: (facts) => {
    const services = ipvsServices(facts);
    if (services === undefined) return [];
    return facts.config.services
      .filter((s) => !services.some((v) => v.address === s.address && v.port === s.port && v.protocol === s.protocol.toUpperCase()))
      .map((s) => ({
        id: 'ipvs-service-missing',
        severity: 'warning' as const,
        subject: `${formatEndpoint(s)}/${s.protocol}`,
        what: `IPVS has no virtual service ${s.protocol.toUpperCase()} ${formatEndpoint(s)} (/proc/net/ip_vs lists ${services.length} service${services.length === 1 ? '' : 's'})`,
        breaks: `connections to ${formatEndpoint(s)} reach the director and are not forwarded to any real server`,
        ...(facts.keepalived?.model === undefined
          ? runFix(`ipvsadm -A -${s.protocol === 'tcp' ? 't' : 'u'} ${formatEndpoint(s)} -s wlc`, 'then add real servers with ipvsadm -a ... -g')
          : runFix('systemctl reload keepalived', 'then journalctl -u keepalived for why the virtual_server was not created')),
      }));
  },
};

/** dr-port-remap: DR forwards to the real server's port unchanged. */
export const drPortRemap: Check = {
  id: 'dr-port-remap',
  title: 'Direct Routing real servers use the virtual service port',
  roles: ['director'],
  run: (facts) => {
    const findings: Finding[] = [];
    const breaks = (vport: number, rport: number) =>
      `DR rewrites only the MAC address, never the port: packets arrive at the real server on port ${vport}, where nothing answers for ${rport}`;
    for (const vs of facts.keepalived?.model?.virtualServers ?? []) {
      if (vs.target.kind !== 'address' || vs.target.port === undefined) continue;
      for (const rs of vs.realServers) {
        const method = forwardingMethod(vs, rs);
        if (method !== 'DR' || rs.port === undefined || rs.port === vs.target.port) continue;
        findings.push({
          id: 'dr-port-remap',
          severity: 'error',
          subject: where(rs),
          what: `virtual_server ${formatEndpoint(vs.target)} (${where(vs)}) uses lvs_method DR but real_server ${rs.address} port ${rs.port} differs from ${vs.target.port}`,
          breaks: breaks(vs.target.port, rs.port),
          ...editFix(`change real_server ${rs.address} ${rs.port} to ${rs.address} ${vs.target.port} at ${where(rs)} (or use lvs_method NAT)`, 'systemctl reload keepalived'),
        });
      }
    }
    for (const vs of ipvsServices(facts) ?? []) {
      if (vs.port === undefined || vs.address === undefined) continue;
      for (const dest of vs.destinations) {
        if (dest.forward !== 'Route' || dest.port === vs.port) continue;
        const service = formatEndpoint({ family: vs.family ?? 4, address: vs.address, port: vs.port });
        const real = formatEndpoint(dest);
        findings.push({
          id: 'dr-port-remap',
          severity: 'error',
          subject: `${service} -> ${real}`,
          what: `IPVS forwards ${vs.protocol} ${service} to ${real} by Direct Routing (Route) with a different port`,
          breaks: breaks(vs.port, dest.port),
          ...runFix(`ipvsadm -e -${vs.protocol === 'UDP' ? 'u' : 't'} ${service} -r ${formatEndpoint({ ...dest, port: vs.port })} -g`, 'and fix the source of this entry, usually keepalived.conf'),
        });
      }
    }
    const ports = new Set(facts.config.services.map((s) => s.port));
    if (facts.config.services.length > 0) {
      for (const rs of facts.config.realServers) {
        if (rs.port === undefined || ports.has(rs.port) || rs.origin.kind === 'keepalived') continue;
        const at = rs.origin.kind === 'config' ? where(rs.origin) : rs.origin.kind === 'flag' ? rs.origin.flag : 'config';
        findings.push({
          id: 'dr-port-remap',
          severity: 'error',
          subject: formatEndpoint(rs),
          what: `real server ${formatEndpoint(rs)} (${at}) has port ${rs.port}, which no VIP service uses (${[...ports].join(', ')})`,
          breaks: breaks([...ports][0] ?? 0, rs.port),
          ...editFix(`make the real server listen on the VIP service port and set its port to it in ${facts.config.file ?? 'the --realserver flag'}`, lbfwCommand(facts, 'apply')),
        });
      }
    }
    return findings;
  },
};

/** expire-nodest-conn: connections to a removed real server are expired. */
export const expireNodestConn: Check = {
  id: 'expire-nodest-conn',
  title: 'net.ipv4.vs.expire_nodest_conn is 1',
  roles: ['director'],
  run: (facts) => {
    if (sysctlNumber(facts, 'net.ipv4.vs.expire_nodest_conn') !== 0) return [];
    return [
      {
        id: 'expire-nodest-conn',
        severity: 'warning',
        subject: 'net.ipv4.vs.expire_nodest_conn',
        what: 'net.ipv4.vs.expire_nodest_conn is 0: IPVS keeps connections to a real server that keepalived removed',
        breaks: 'when a real server fails, its clients hang until their connections time out instead of getting a reset and reconnecting to a healthy server',
        ...applyFix(facts, 'sysctl -w net.ipv4.vs.expire_nodest_conn=1'),
      },
    ];
  },
};

function persistent(facts: Facts): string[] {
  const fromKeepalived = (facts.keepalived?.model?.virtualServers ?? [])
    .filter((vs) => vs.persistenceTimeout !== undefined)
    .map((vs) => `virtual_server at ${where(vs)} (persistence_timeout ${vs.persistenceTimeout ?? ''})`);
  const fromIpvs = (ipvsServices(facts) ?? [])
    .filter((vs) => /\bpersistent\b/.test(vs.flags))
    .map((vs) => `IPVS ${vs.protocol} ${vs.address === undefined ? `fwmark ${vs.fwmark ?? ''}` : formatEndpoint({ family: vs.family ?? 4, address: vs.address, port: vs.port ?? 0 })} (${vs.flags})`);
  return [...fromKeepalived, ...fromIpvs];
}

/** expire-quiescent-template: persistent clients leave a quiesced real server. */
export const expireQuiescentTemplate: Check = {
  id: 'expire-quiescent-template',
  title: 'net.ipv4.vs.expire_quiescent_template is 1 when services are persistent',
  roles: ['director'],
  run: (facts) => {
    if (sysctlNumber(facts, 'net.ipv4.vs.expire_quiescent_template') !== 0) return [];
    const services = persistent(facts);
    if (services.length === 0) return [];
    return [
      {
        id: 'expire-quiescent-template',
        severity: 'warning',
        subject: 'net.ipv4.vs.expire_quiescent_template',
        what: `net.ipv4.vs.expire_quiescent_template is 0 while ${services.length} service${services.length === 1 ? ' uses' : 's use'} persistence: ${services.join('; ')}`,
        breaks: 'persistent clients keep being sent to a real server that keepalived quiesced (weight 0, inhibit_on_failure) until their persistence timeout ends',
        ...applyFix(facts, 'sysctl -w net.ipv4.vs.expire_quiescent_template=1'),
      },
    ];
  },
};

/** conntrack-full: the connection tracking table is (nearly) full. */
export const conntrackFull: Check = {
  id: 'conntrack-full',
  title: 'the conntrack table is below 90% of nf_conntrack_max',
  roles: ['director', 'realserver'],
  run: (facts) => {
    const ct = facts.conntrack;
    if (ct === undefined || ct.max <= 0 || ct.count < ct.max * 0.9) return [];
    const full = ct.count >= ct.max;
    const ipvsTracking = facts.role === 'director' ? `IPVS's own tracking is off with net.ipv4.vs.conntrack=0: ${lbfwCommand(facts, 'apply')}` : undefined;
    const percent = Math.floor((ct.count / ct.max) * 100);
    return [
      {
        id: 'conntrack-full',
        severity: full ? 'error' : 'warning',
        subject: 'net.netfilter.nf_conntrack_count',
        what: `the conntrack table holds ${ct.count} of ${ct.max} entries (${percent}%)${full ? ': it is full' : ''}`,
        breaks: `${full ? 'the kernel drops' : 'once full, the kernel drops'} every packet that would start a new tracked connection ("nf_conntrack: table full, dropping packet")`,
        // nf_conntrack_max is one value for the whole machine: outside the initial
        // network namespace it is read-only (measured: Permission denied).
        ...(facts.netns?.initial === false
          ? editFix(
              `net.netfilter.nf_conntrack_max is global (one table size for every namespace of the machine) and read-only inside this network namespace: on the host itself, sysctl -w net.netfilter.nf_conntrack_max=${ct.max * 2} (and persist it in /etc/sysctl.d there)`,
              [],
              ipvsTracking,
            )
          : runFix(`sysctl -w net.netfilter.nf_conntrack_max=${ct.max * 2}`, `global: it sizes the table for every network namespace of the machine; persist it in /etc/sysctl.d${ipvsTracking === undefined ? '' : `; ${ipvsTracking}`}`)),
      },
    ];
  },
};

/** The IPVS and conntrack checks. */
export const IPVS_CHECKS: readonly Check[] = [ipvsMissing, ipvsServiceMissing, drPortRemap, expireNodestConn, expireQuiescentTemplate, conntrackFull];
