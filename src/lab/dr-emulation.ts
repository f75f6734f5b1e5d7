/**
 * The lab's stand-in for IPVS Direct Routing (this kernel has no IPVS
 * module). A rule in its own table duplicates each packet for VIP:PORT to a
 * real server picked by a hash of the client's address and port, and drops
 * the original:
 *
 *   ip daddr VIP tcp dport 80 dup to jhash ip saddr . tcp sport mod 2 map { 0 : RIP1, 1 : RIP2 } device eth0
 *
 * nf_dup_ipv4 routes the copy with the real server's address as the next hop
 * (FLOWI_FLAG_KNOWN_NH) and leaves the IP header alone, so the frame reaches
 * the real server's MAC still addressed to the VIP: DR's MAC rewrite. The copy
 * is sent with ip_local_out, through the output hook, like IPVS DR's
 * LOCAL_OUT transmit; a dropping output chain breaks both.
 *
 * Hook: input at priority 100, after the filter chains (priority 0), where
 * IPVS hooks LOCAL_IN: a firewall that drops VIP traffic in its input chain
 * stops the emulation as it stops IPVS, and strict rp_filter drops the packet
 * before either sees it. `dup` works at input (measured here, kernel 6.18),
 * so no prerouting fallback is needed.
 *
 * IPv6 services live in a table of their own, `ip6 lbfw_lab_dr`, made the
 * same way: nf_dup_ipv6 also routes the copy with the real server as the
 * known next hop (FLOWI_FLAG_KNOWN_NH), so the frame goes to the real
 * server's MAC (found by ND) still addressed to the IPv6 VIP, as IPVS DR does
 * for IPv6. That table exists only while an IPv6 service does.
 *
 * NAT (`lvs_method NAT`, IPv4 address services) is emulated as IPVS NAT
 * moves packets: the request's destination is rewritten to the real server in
 * the input hook and the packet sent again with `dup to ip daddr` (LOCAL_OUT,
 * as IPVS's NAT transmit), so requests never traverse the forward hook; the
 * real servers' replies (their default route is the director) do, and a
 * forward chain at priority 100, after the filter chains (0), rewrites their
 * source back to the VIP, where IPVS's ip_vs_reply4 hooks FORWARD. So
 * ip_forward=0 or a forward chain dropping the replies breaks it as it
 * breaks IPVS NAT. Stateless: ports are not remapped (real servers listen on
 * the service's port).
 *
 * `lbfw doctor` recognises the table name `lbfw_lab_dr` (ip or ip6) as "IPVS
 * emulated by the lbfw lab".
 */
import type { KeepalivedModel } from '../keepalived/index.js';
import { forwardingMethod } from '../keepalived/model.js';
import type { Netns } from './netns.js';
import { drBucket } from './jhash.js';
import { systemNft } from '../nft/cli-backend.js';

/** The family and name of the emulation's table (IPv4 services, fwmark services). */
export const DR_EMULATION_TABLE = 'ip lbfw_lab_dr';

/** The family and name of the emulation's table of IPv6 services. */
export const DR_EMULATION_TABLE6 = 'ip6 lbfw_lab_dr';

/** Priority of the emulation's input chain: after the filter chains (0), as IPVS's LOCAL_IN hook. */
export const DR_EMULATION_PRIORITY = 100;

/** DrService: one virtual service and the real servers the emulation spreads it over. */
export interface DrService {
  /** VIP:PORT of an address service (`virtual_server VIP PORT`); absent for a firewall-mark service. */
  readonly vip?: string;
  readonly port?: number;
  /** `virtual_server fwmark N`: IPVS takes the TCP packets carrying mark N, whatever their address. */
  readonly fwmark?: number;
  /** Real server addresses in keepalived.conf order: bucket i of the hash goes to realServers[i]. */
  readonly realServers: readonly string[];
  /** Forwarded by NAT (IPv4 address services only); absent for Direct Routing. */
  readonly nat?: true;
}

/** DrEmulation: what the director's table holds. */
export interface DrEmulation {
  readonly services: readonly DrService[];
  /** jhash seed, fixed so that the lab can predict which real server a connection reaches. */
  readonly seed: number;
  /** `device` of the dup: the director's interface towards the real servers. */
  readonly device: string;
}

/** isIpv6Service: an address service whose VIP is IPv6 (fwmark services are IPv4 here). */
function isIpv6Service(service: DrService): boolean {
  return service.fwmark === undefined && (service.vip ?? '').includes(':');
}

function serviceRules(service: DrService, emulation: DrEmulation): string[] {
  const ip = isIpv6Service(service) ? 'ip6' : 'ip';
  const match = service.fwmark === undefined ? `${ip} daddr ${service.vip ?? ''} tcp dport ${service.port ?? 0}` : `meta mark ${service.fwmark} meta l4proto tcp`;
  if (service.realServers.length === 0) return [`${match} counter drop`];
  const map = service.realServers.map((address, i) => `${i} : ${address}`).join(', ');
  const hash = `jhash ${ip} saddr . tcp sport mod ${service.realServers.length} seed 0x${emulation.seed.toString(16)}`;
  // NAT: once rewritten the packet no longer matches VIP:PORT, so the drop is in the same rule.
  if (service.nat === true) return [`${match} counter ip daddr set ${hash} map { ${map} } dup to ip daddr device "${emulation.device}" drop`];
  return [`${match} counter dup to ${hash} map { ${map} } device "${emulation.device}"`, `${match} counter drop`];
}

/** natReplyRules give the NAT real servers' replies the VIP back as their source. */
function natReplyRules(service: DrService): string[] {
  if (service.nat !== true || service.vip === undefined) return [];
  return service.realServers.map((address) => `ip saddr ${address} tcp sport ${service.port ?? 0} counter ip saddr set ${service.vip ?? ''}`);
}

function chainLines(name: string, hook: string, rules: readonly string[]): string[] {
  return [`\tchain ${name} {`, `\t\ttype filter hook ${hook} priority ${DR_EMULATION_PRIORITY}; policy accept;`, ...rules.map((r) => `\t\t${r}`), '\t}'];
}

function tableLines(table: string, rules: readonly string[], replies: readonly string[] = []): string[] {
  return [`table ${table} {`, ...chainLines('input', 'input', rules), ...(replies.length === 0 ? [] : chainLines('forward', 'forward', replies)), '}'];
}

/**
 * drEmulationScript renders the tables as one nft transaction that replaces
 * any previous ones (`table {}` + `delete table` + the table: nft 1.0.6 has
 * no `destroy`); the IPv6 table only when there is an IPv6 service.
 */
export function drEmulationScript(emulation: DrEmulation): string {
  const rules4 = emulation.services.filter((s) => !isIpv6Service(s)).flatMap((s) => serviceRules(s, emulation));
  const rules6 = emulation.services.filter(isIpv6Service).flatMap((s) => serviceRules(s, emulation));
  return [
    `table ${DR_EMULATION_TABLE} {}`,
    `delete table ${DR_EMULATION_TABLE}`,
    `table ${DR_EMULATION_TABLE6} {}`,
    `delete table ${DR_EMULATION_TABLE6}`,
    ...tableLines(DR_EMULATION_TABLE, rules4, emulation.services.flatMap(natReplyRules)),
    ...(rules6.length === 0 ? [] : tableLines(DR_EMULATION_TABLE6, rules6)),
    '',
  ].join('\n');
}

/**
 * drServicesFromKeepalived reads the DR virtual services of a keepalived
 * model, as keepalived would configure IPVS: TCP address:port services of
 * either family, IPv4 fwmark services, and their real servers' addresses.
 * Real server ports are ignored, as IPVS DR ignores them: DR cannot remap
 * ports. An IPv4 address service whose real servers all forward by NAT is
 * a NAT service. Real servers of the other family are not there (keepalived skips
 * them: the model holds them in skippedServers), and a service left without
 * real servers is left out, as keepalived ignores it ("has no real servers -
 * ignoring"): its packets reach the director's own stack.
 */
export function drServicesFromKeepalived(model: KeepalivedModel): DrService[] {
  const services: DrService[] = [];
  for (const server of model.virtualServers) {
    const target = server.target;
    if (target.kind === 'group') continue;
    if (target.kind === 'address' && target.port === undefined) continue;
    if ((server.protocol ?? 'UDP') !== 'TCP') continue;
    const family = target.kind === 'address' ? target.family : 4;
    const ownFamily = server.realServers.filter((r) => r.family === family);
    const nat = target.kind === 'address' && family === 4 && ownFamily.length > 0 && ownFamily.every((r) => forwardingMethod(server, r) === 'NAT');
    if (nat && target.port !== undefined) {
      services.push({ vip: target.address, port: target.port, realServers: ownFamily.map((r) => r.address), nat: true });
      continue;
    }
    const realServers = ownFamily.filter((r) => forwardingMethod(server, r) === 'DR').map((r) => r.address);
    if (realServers.length === 0) continue;
    if (target.kind === 'fwmark') services.push({ fwmark: target.fwmark, realServers });
    else if (target.port !== undefined) services.push({ vip: target.address, port: target.port, realServers });
  }
  return services;
}

/**
 * realServerFor says which real server address the emulation sends a
 * connection from CLIENT:SOURCE_PORT to, or undefined when the service has
 * none. The hash is modelled for IPv4 clients (drBucket).
 */
export function realServerFor(service: DrService, emulation: DrEmulation, client: string, sourcePort: number): string | undefined {
  if (service.realServers.length === 0) return undefined;
  if (service.realServers.length > 1 && client.includes(':')) throw new Error(`the emulation's hash of an IPv6 client (${client}) is not modelled`);
  return service.realServers[drBucket(client, sourcePort, emulation.seed, service.realServers.length)];
}

/** loadDrEmulation replaces the emulation table inside the director's namespace. */
export async function loadDrEmulation(director: Netns, emulation: DrEmulation): Promise<void> {
  await director.ok([systemNft(), '-f', '-'], drEmulationScript(emulation));
}
