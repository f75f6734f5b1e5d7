/**
 * keepalived.conf of this director (and of its peer, with
 * `--peer-keepalived`): mistakes keepalived accepts silently or only logs.
 */
import type { KeepalivedModel, VrrpInstance } from '../../keepalived/model.js';
import type { Facts, KeepalivedFacts } from '../facts.js';
import { editFix, runFix } from '../fix.js';
import type { Check, Finding } from '../types.js';
import { holders, linkNamed, nftModel, where } from '../view.js';
import { formatEndpoint } from '../../config/merge.js';

/** keepalived uses at most this many characters of auth_pass (vrrp.h VRRP_AUTH_LEN). */
export const AUTH_PASS_MAX = 8;
/** keepalived's default priority (vrrp.h VRRP_PRIO_DFL). */
const DEFAULT_PRIORITY = 100;
const RELOAD = 'systemctl reload keepalived';

function instances(facts: Facts): readonly VrrpInstance[] {
  return facts.keepalived?.model?.vrrpInstances ?? [];
}

function familyOf(instance: VrrpInstance): 4 | 6 {
  return instance.virtualIpaddress[0]?.family ?? 4;
}

/** keepalived-config-error: keepalived.conf (or the peer's) could not be read. */
export const keepalivedConfigError: Check = {
  id: 'keepalived-config-error',
  title: "keepalived.conf (and the peer's, when given) can be read",
  roles: ['director'],
  run: (facts) =>
    ([
      [facts.keepalived, 'error'],
      [facts.peerKeepalived, 'warning'],
    ] as const).flatMap(([k, severity]): Finding[] =>
      k?.error === undefined
        ? []
        : [
            {
              id: 'keepalived-config-error',
              severity,
              subject: k.file,
              what: `${k.file} cannot be read as a keepalived configuration: ${k.error}`,
              breaks:
                severity === 'error'
                  ? 'keepalived ignores or refuses what it cannot parse, and the doctor cannot check the VRRP and virtual_server settings'
                  : "the peer's VRRP settings cannot be compared with this director's",
              // Validating is no fix: the command that shows the problems belongs in the edit, not in `run`.
              ...editFix(`fix what \`keepalived --config-test${k.configId === undefined ? '' : ` --config-id ${k.configId}`} --use-file ${k.file}\` reports`),
            },
          ],
    ),
};

/** keepalived-auth-pass-long: auth_pass is cut to 8 characters. */
export const keepalivedAuthPassLong: Check = {
  id: 'keepalived-auth-pass-long',
  title: 'auth_pass is at most 8 characters (keepalived cuts it silently)',
  roles: ['director'],
  run: (facts) =>
    instances(facts).flatMap((instance): Finding[] => {
      const auth = instance.authentication;
      const length = auth?.authPass?.length ?? 0;
      if (auth === undefined || length <= AUTH_PASS_MAX) return [];
      return [
        {
          id: 'keepalived-auth-pass-long',
          severity: 'warning',
          subject: where(auth),
          what: `vrrp_instance ${instance.name}: auth_pass is ${length} characters; keepalived silently uses only the first ${AUTH_PASS_MAX}`,
          breaks: 'two passwords that differ only after the 8th character authenticate each other, and a peer or VRRP implementation that uses the whole password rejects the adverts (both directors become MASTER)',
          ...editFix(`shorten auth_pass to ${AUTH_PASS_MAX} characters at ${where(auth)} and on the peer director`, RELOAD),
        },
      ];
    }),
};

/** keepalived-duplicate-vrid: two instances share a virtual_router_id on one interface. */
export const keepalivedDuplicateVrid: Check = {
  id: 'keepalived-duplicate-vrid',
  title: 'virtual_router_id is unique per interface',
  roles: ['director'],
  run: (facts) => {
    const groups = new Map<string, VrrpInstance[]>();
    for (const instance of instances(facts)) {
      if (instance.interface === undefined || instance.virtualRouterId === undefined) continue;
      const key = `${instance.interface}|${instance.virtualRouterId}|${familyOf(instance)}`;
      groups.set(key, [...(groups.get(key) ?? []), instance]);
    }
    return [...groups.values()]
      .filter((group) => group.length > 1)
      .map((group) => {
        const [first] = group;
        const names = group.map((i) => `${i.name} (${where(i)})`).join(', ');
        return {
          id: 'keepalived-duplicate-vrid',
          severity: 'error' as const,
          subject: `${first?.interface ?? ''} vrid ${first?.virtualRouterId ?? ''}`,
          what: `vrrp_instances ${names} all use virtual_router_id ${first?.virtualRouterId ?? ''} on ${first?.interface ?? ''}`,
          // Seen with keepalived 2.2.7 in the lab: "(VI_1) duplicate VRID conflict with VI_2 VRID 51", then it exits.
          breaks: 'keepalived refuses the whole configuration ("duplicate VRID conflict", exit with a permanent CONFIG error): it does not start, so this director holds none of its VIPs and sends no adverts (with the file shared, neither director does)',
          ...editFix(`give each vrrp_instance on ${first?.interface ?? 'the interface'} its own virtual_router_id (1-255) on both directors`, RELOAD),
        };
      });
  },
};

function priorityOf(instance: VrrpInstance): number {
  return instance.priority ?? DEFAULT_PRIORITY;
}

function bothMaster(a: VrrpInstance, b: VrrpInstance): boolean {
  return a.state === 'MASTER' && b.state === 'MASTER' && priorityOf(a) === priorityOf(b) && familyOf(a) === familyOf(b);
}

/** keepalived-both-master: two instances of one VRRP router both start as MASTER with equal priority. */
export const keepalivedBothMaster: Check = {
  id: 'keepalived-both-master',
  title: 'no two instances of one VRRP router are both MASTER with equal priority (incl. the peer)',
  roles: ['director'],
  run: (facts) => {
    const own = instances(facts);
    const findings: Finding[] = [];
    const finding = (a: VrrpInstance, b: VrrpInstance, peer: KeepalivedFacts | undefined): Finding => ({
      id: 'keepalived-both-master',
      severity: 'error',
      subject: `vrid ${a.virtualRouterId ?? '?'}`,
      what:
        `vrrp_instance ${a.name} (${where(a)}) and ${peer === undefined ? '' : "the peer's "}vrrp_instance ${b.name} (${where(b)}) ` +
        `both have state MASTER and priority ${priorityOf(a)} for virtual_router_id ${a.virtualRouterId ?? '?'}`,
      // Seen with keepalived 2.2.7 in the lab: a BACKUP keeps its role on an advert of
      // equal priority, so after the MASTER restarts it never gets the VIPs back.
      breaks:
        "neither is the real MASTER: at equal priority keepalived's BACKUP never takes the VIPs over from the other, so after a restart or failover of the director meant to be MASTER the VIPs stay on the peer (and when both start at once, whichever times out first keeps them)",
      ...editFix(`set state BACKUP and a lower priority on one of them (e.g. priority ${Math.max(1, priorityOf(a) - 50)} at ${where(b)})`, RELOAD),
    });
    // Two instances of THIS file with one virtual_router_id on one interface are
    // keepalived-duplicate-vrid (one VRRP router cannot be configured twice);
    // changing state or priority would not fix them, so they are not repeated here.
    const peer = facts.peerKeepalived;
    for (const a of own) {
      for (const b of peer?.model?.vrrpInstances ?? []) {
        if (a.virtualRouterId !== undefined && a.virtualRouterId === b.virtualRouterId && bothMaster(a, b)) findings.push(finding(a, b, peer));
      }
    }
    return findings;
  },
};

/** keepalived-deprecated: deprecated keywords. */
export const keepalivedDeprecated: Check = {
  id: 'keepalived-deprecated',
  title: 'keepalived.conf uses no deprecated keywords',
  roles: ['director'],
  run: (facts) =>
    (facts.keepalived?.model?.deprecated ?? []).map((d) => ({
      id: 'keepalived-deprecated',
      severity: 'info' as const,
      subject: where(d),
      what: `${where(d)}: ${d.keyword}${d.block === '' ? '' : ` in ${d.block}`} is deprecated`,
      breaks: 'nothing yet; a later keepalived release may drop the keyword, and the configuration then silently loses that setting',
      ...editFix(`replace ${d.keyword} with ${d.replacement} at ${where(d)}`),
    })),
};

/** keepalived-unicast-peer-self: a unicast_peer is an address of this host. */
export const keepalivedUnicastPeerSelf: Check = {
  id: 'keepalived-unicast-peer-self',
  title: "unicast_peer lists the other director, not this host's own address",
  roles: ['director'],
  run: (facts) =>
    instances(facts).flatMap((instance) =>
      instance.unicastPeer
        .filter((peer) => holders(facts, peer.address).length > 0)
        .map((peer) => ({
          id: 'keepalived-unicast-peer-self',
          severity: 'error' as const,
          subject: where(peer),
          what: `vrrp_instance ${instance.name}: unicast_peer ${peer.address} (${where(peer)}) is an address of this host (${holders(facts, peer.address).map((a) => a.ifname).join(', ')})`,
          breaks: 'this director sends its VRRP adverts to itself and the other director never hears them: both become MASTER (usually a keepalived.conf copied from the peer without swapping unicast_src_ip and unicast_peer)',
          ...editFix(`replace ${peer.address} with the other director's address at ${where(peer)}`, RELOAD),
        })),
    ),
};

/** keepalived-unicast-src-missing: unicast_src_ip is not an address of this host. */
export const keepalivedUnicastSrcMissing: Check = {
  id: 'keepalived-unicast-src-missing',
  title: 'unicast_src_ip is an address of this host',
  roles: ['director'],
  run: (facts) =>
    facts.links.length === 0
      ? []
      : instances(facts).flatMap((instance): Finding[] => {
          const src = instance.unicastSrcIp;
          if (src === undefined || holders(facts, src.address).length > 0) return [];
          return [
            {
              id: 'keepalived-unicast-src-missing',
              severity: 'error',
              subject: where(src),
              what: `vrrp_instance ${instance.name}: unicast_src_ip ${src.address} (${where(src)}) is not an address of this host`,
              breaks: 'keepalived cannot send VRRP adverts from it; the peer hears nothing and both directors become MASTER',
              ...editFix(`set unicast_src_ip to an address of ${instance.interface ?? 'the VRRP interface'} at ${where(src)}`, RELOAD),
            },
          ];
        }),
};

/** sync-daemon-iface: lvs_sync_daemon names a missing interface. */
export const syncDaemonIface: Check = {
  id: 'sync-daemon-iface',
  title: 'the lvs_sync_daemon interface exists',
  roles: ['director'],
  run: (facts) => {
    const model = facts.keepalived?.model;
    if (model === undefined || facts.links.length === 0) return [];
    const named: { iface: string; at: { file: string; line: number }; keyword: string }[] = [];
    const daemon = model.globalDefs?.lvsSyncDaemon;
    if (daemon !== undefined) named.push({ iface: daemon.interface, at: daemon, keyword: 'lvs_sync_daemon' });
    for (const i of model.vrrpInstances) {
      if (i.lvsSyncDaemonInterface !== undefined) named.push({ iface: i.lvsSyncDaemonInterface, at: i, keyword: `lvs_sync_daemon_interface of vrrp_instance ${i.name}` });
    }
    return named
      .filter((n) => linkNamed(facts, n.iface) === undefined)
      .map((n) => ({
        id: 'sync-daemon-iface',
        severity: 'warning' as const,
        subject: n.iface,
        what: `${n.keyword} (${where(n.at)}) names interface ${n.iface}, which does not exist here (interfaces: ${facts.links.map((l) => l.ifname).join(', ')})`,
        breaks: 'the IPVS sync daemon does not start, so the backup director does not know the connections of the master and they break on failover',
        ...editFix(`set the interface facing the peer director in ${n.keyword} at ${where(n.at)}`, RELOAD),
      }));
  },
};

/** vrrp-iface-missing: a vrrp_instance interface does not exist. */
export const vrrpIfaceMissing: Check = {
  id: 'vrrp-iface-missing',
  title: 'every vrrp_instance interface and virtual_ipaddress dev exists',
  roles: ['director'],
  run: (facts) =>
    facts.links.length === 0
      ? []
      : instances(facts).flatMap((instance): Finding[] => [...vipDevMissing(facts, instance), ...instanceIfaceMissing(facts, instance)]),
};

/** A virtual_ipaddress `dev` that does not exist, named by its keepalived.conf line. */
function vipDevMissing(facts: Facts, instance: VrrpInstance): Finding[] {
  return instance.virtualIpaddress
    .filter((vip) => vip.dev !== undefined && vip.dev !== instance.interface && linkNamed(facts, vip.dev) === undefined)
    .map((vip) => ({
      id: 'vrrp-iface-missing',
      severity: 'error' as const,
      subject: vip.dev ?? '',
      what: `virtual_ipaddress ${vip.address} of vrrp_instance ${instance.name} (${where(vip)}) names dev ${vip.dev ?? ''}, which does not exist here (interfaces: ${facts.links.map((l) => l.ifname).join(', ')})`,
      // Seen with keepalived 2.2.7 in the lab: "Non-existent interface specified in configuration", then it exits.
      breaks: `keepalived refuses the whole configuration ("Non-existent interface specified in configuration", exit with a permanent CONFIG error): it does not start, so this director holds none of its VIPs, ${vip.address} included`,
      ...editFix(`set dev to the VIP interface at ${where(vip)}`, RELOAD),
    }));
}

function instanceIfaceMissing(facts: Facts, instance: VrrpInstance): Finding[] {
          if (instance.interface === undefined || linkNamed(facts, instance.interface) !== undefined) return [];
          return [
            {
              id: 'vrrp-iface-missing',
              severity: 'error',
              subject: instance.interface,
              what: `vrrp_instance ${instance.name} (${where(instance)}) uses interface ${instance.interface}, which does not exist here (interfaces: ${facts.links.map((l) => l.ifname).join(', ')})`,
              breaks: `keepalived disables vrrp_instance ${instance.name}: this director never holds its VIPs and sends no adverts`,
              ...editFix(`set interface to the VIP interface at ${where(instance)}`, RELOAD),
            },
          ];
}

/** keepalived-not-running: keepalived.conf exists but keepalived does not run. */
export const keepalivedNotRunning: Check = {
  id: 'keepalived-not-running',
  title: 'keepalived runs in this network namespace when keepalived.conf is used (pid file or /proc/PID/exe, same /proc/PID/ns/net)',
  roles: ['director'],
  run: (facts) => {
    const model: KeepalivedModel | undefined = facts.keepalived?.model;
    const service = facts.services.find((s) => s.name === 'keepalived');
    if (model === undefined || service === undefined || service.running) return [];
    return [
      {
        id: 'keepalived-not-running',
        severity: 'warning',
        subject: 'keepalived',
        what:
          `keepalived is not running in this network namespace, although ${facts.keepalived?.file ?? 'keepalived.conf'} defines ${model.vrrpInstances.length} vrrp_instance(s) and ${model.virtualServers.length} virtual_server(s)` +
          ((service.elsewhere ?? []).length === 0 ? '' : ` (keepalived runs in another network namespace: pid ${(service.elsewhere ?? []).join(', ')})`),
        breaks: 'nobody holds the VIPs by VRRP or manages the IPVS virtual services on this director',
        ...runFix('systemctl enable --now keepalived'),
      },
    ];
  },
};

/** keepalived-family-mismatch: a virtual_server and its real or sorry servers are of different address families. */
export const keepalivedFamilyMismatch: Check = {
  id: 'keepalived-family-mismatch',
  title: 'every virtual_server and its real servers are of one address family',
  roles: ['director'],
  run: (facts) =>
    (facts.keepalived?.model?.virtualServers ?? []).flatMap((vs): Finding[] => {
      const target = vs.target;
      if (target.kind !== 'address') return [];
      const family = target.family;
      // keepalived drops a server of the other family (the model keeps it apart); one that slipped in is judged too.
      const others = [...(vs.skippedServers ?? []), ...vs.realServers, ...(vs.sorryServer === undefined ? [] : [vs.sorryServer])].filter((rs) => rs.family !== family);
      // keepalived 2.2.7, measured with -t: a virtual_server left with no real server is ignored whole, sorry_server or not.
      const ownFamily = vs.realServers.filter((rs) => rs.family === family).length;
      const service = target.port === undefined ? target.address : formatEndpoint({ family, address: target.address, port: target.port });
      return others.map((rs) => {
        const kind = 'healthCheckers' in rs ? 'real_server' : 'sorry_server';
        const skipped = (vs.skippedServers ?? []).includes(rs);
        const outcome = skipped
          ? `keepalived skips ${kind} ${rs.address} ("Address family of virtual server and ${kind.replace('_', ' ')} ${rs.address} don't match - skipping ${kind.replace('_', ' ')}"), so it never gets traffic`
          : `keepalived refuses the entry or the kernel rejects it, so ${rs.address} never gets traffic`;
        const empty =
          ownFamily === 0
            ? `; with no real server left, keepalived ignores the whole virtual_server ("has no real servers - ignoring"): IPVS has no service for ${service}, and its clients' requests reach this director's own stack (refused where nothing listens)`
            : '';
        return {
          id: 'keepalived-family-mismatch',
          severity: 'error' as const,
          subject: where(rs),
          what: `virtual_server ${target.address} (${where(vs)}) is IPv${family} but ${kind} ${rs.address} (${where(rs)}) is IPv${rs.family}`,
          breaks: `IPVS cannot send an IPv${family} packet to an IPv${rs.family} server (Direct Routing only rewrites the MAC): ${outcome}${empty}`,
          ...editFix(`name ${rs.address}'s IPv${family} address at ${where(rs)} (or put it under a virtual_server of its own family)`, RELOAD),
        };
      });
    }),
};

/** markSetIn says whether a rule's statements set meta mark to `mark` (nft `meta mark set N`, iptables `-j MARK --set-mark N`). */
function setsMark(expr: readonly unknown[], mark: number): boolean | 'unknown' {
  let unknown = false;
  for (const statement of expr) {
    const object = statement as Record<string, unknown> | null;
    if (typeof object !== 'object' || object === null) continue;
    const mangle = object['mangle'] as { key?: { meta?: { key?: string } }; value?: unknown } | undefined;
    if (mangle?.key?.meta?.key === 'mark') {
      const value = typeof mangle.value === 'number' ? mangle.value : typeof mangle.value === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(mangle.value) ? Number(mangle.value) : undefined;
      if (value === undefined) unknown = true;
      else if (value === mark) return true;
    }
    const xt = object['xt'] as { type?: string; name?: string } | undefined;
    if (xt?.type === 'target' && xt.name === 'MARK') unknown = true;
  }
  return unknown ? 'unknown' : false;
}

/** nftSet writes one value as is and several as an anonymous set. */
function nftSet(values: readonly (string | number)[]): string {
  return values.length === 1 ? String(values[0]) : `{ ${values.join(', ')} }`;
}

/**
 * markRuleFix is a command that marks the service's traffic before IPVS sees
 * it: the VRRP VIPs of the real servers' family, the protocol of the
 * virtual_server and its real servers' ports (every port when they name
 * none, as a port-less fwmark service takes them all). Without VIPs to name
 * it says what to write instead.
 */
function markRuleFix(facts: Facts, mark: number, vs: KeepalivedModel['virtualServers'][number] | undefined): Pick<Finding, 'fix' | 'fixSteps'> {
  const family = vs?.realServers[0]?.family ?? 4;
  const vips = [...new Set((facts.keepalived?.model?.vrrpInstances ?? []).flatMap((i) => i.virtualIpaddress.filter((v) => v.family === family).map((v) => v.address)))];
  const generic = `mark the service's traffic before IPVS sees it, e.g. nft add rule inet lbfw_mark prerouting ip daddr VIP tcp dport { PORTS } meta mark set ${mark} (in a table with a chain of type filter hook prerouting priority mangle)`;
  if (vs === undefined || vips.length === 0) return editFix(generic);
  const protocol = (vs.protocol ?? 'TCP').toLowerCase();
  const ports = [...new Set(vs.realServers.map((r) => r.port ?? 0).filter((p) => p > 0))].sort((a, b) => a - b);
  const match = `${family === 4 ? 'ip' : 'ip6'} daddr ${nftSet(vips)} ${ports.length === 0 ? `meta l4proto ${protocol}` : `${protocol} dport ${nftSet(ports)}`}`;
  return runFix(`nft 'add table inet lbfw_mark; add chain inet lbfw_mark prerouting { type filter hook prerouting priority mangle; policy accept; }; add rule inet lbfw_mark prerouting ${match} meta mark set ${mark}'`);
}

/** keepalived-fwmark-unset: a fwmark virtual_server whose mark no firewall rule sets. */
export const keepalivedFwmarkUnset: Check = {
  id: 'keepalived-fwmark-unset',
  title: 'every fwmark virtual_server has a firewall rule that sets its mark',
  roles: ['director'],
  run: (facts) => {
    const model = nftModel(facts);
    if (model === undefined) return [];
    const marks = new Map<number, { file: string; line: number }>();
    const servers = new Map<number, KeepalivedModel['virtualServers'][number]>();
    for (const vs of facts.keepalived?.model?.virtualServers ?? []) {
      if (vs.target.kind !== 'fwmark' || marks.has(vs.target.fwmark)) continue;
      marks.set(vs.target.fwmark, vs);
      servers.set(vs.target.fwmark, vs);
    }
    for (const group of facts.keepalived?.model?.virtualServerGroups ?? []) for (const e of group.entries) if (e.kind === 'fwmark' && !marks.has(e.fwmark)) marks.set(e.fwmark, e);
    return [...marks].flatMap(([mark, at]): Finding[] => {
      const verdicts = model.rules.map((r) => setsMark(r.expr, mark));
      if (verdicts.includes(true)) return [];
      const unsure = verdicts.includes('unknown');
      return [
        {
          id: 'keepalived-fwmark-unset',
          severity: unsure ? 'warning' : 'error',
          subject: `fwmark ${mark}`,
          what: `virtual_server fwmark ${mark} (${where(at)}) matches packets carrying mark ${mark}, and ${unsure ? 'no rule the doctor could read sets it (a MARK rule of iptables-nft could not be read)' : 'no rule of the nftables ruleset sets that mark'}`,
          breaks: `IPVS gives the service only packets marked ${mark}: without a rule marking the VIP traffic nothing reaches it, and clients of those VIPs get no answer`,
          ...markRuleFix(facts, mark, servers.get(mark)),
        },
      ];
    });
  },
};

/** The keepalived checks. */
export const KEEPALIVED_CHECKS: readonly Check[] = [
  keepalivedConfigError,
  keepalivedAuthPassLong,
  keepalivedDuplicateVrid,
  keepalivedBothMaster,
  keepalivedDeprecated,
  keepalivedUnicastPeerSelf,
  keepalivedUnicastSrcMissing,
  syncDaemonIface,
  vrrpIfaceMissing,
  keepalivedFamilyMismatch,
  keepalivedFwmarkUnset,
  keepalivedNotRunning,
];
