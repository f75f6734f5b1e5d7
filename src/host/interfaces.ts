/**
 * Fills in the interfaces a config leaves out, from the host itself: the
 * kernel-settings profiles are per interface, and an operator using the quick
 * flags often names none.
 */
import type { HostConfig, Interfaces } from '../config/model.js';
import { runOk } from '../system/run.js';
import { addressToRange, cidrToRange, parseCidr, rangesOverlap, type AddressRange } from '../net/address.js';
import { readLinks, type HostLink } from '../vip/addresses.js';

/** InferredInterface: an interface lbfw chose, and why. */
export interface InferredInterface {
  readonly role: keyof Interfaces;
  readonly ifname: string;
  readonly why: string;
}

function onLink(address: { address: string; prefix: number }, target: AddressRange): boolean {
  const network = parseCidr(`${address.address}/${address.prefix}`);
  return network !== undefined && rangesOverlap(cidrToRange(network.cidr), target);
}

/**
 * inferInterfaces picks, for each interface the config leaves out: on a
 * director, the interface holding a VIP (vip) and the one whose network
 * holds the first real server (realServers); on a real server, the interface
 * of the default route, else the only other interface that is up (client).
 * Pure.
 */
export function inferInterfaces(config: HostConfig, links: readonly HostLink[], defaultRouteIface?: string): InferredInterface[] {
  const inferred: InferredInterface[] = [];
  const wired = links.filter((l) => !l.loopback);
  if (config.role === 'director') {
    const vips = [...config.services, ...(config.vipAddresses ?? [])];
    const holder = wired.find((l) => l.addresses.some((a) => vips.some((v) => v.address === a.address)));
    if (config.interfaces.vip === undefined && holder !== undefined) {
      inferred.push({ role: 'vip', ifname: holder.ifname, why: `it holds VIP ${vips.find((v) => holder.addresses.some((a) => a.address === v.address))?.address}` });
    }
    const rs = config.realServers[0];
    const lan = rs === undefined ? undefined : wired.find((l) => l.addresses.some((a) => onLink(a, addressToRange(rs))));
    if (config.interfaces.realServers === undefined && rs !== undefined && lan !== undefined) {
      inferred.push({ role: 'realServers', ifname: lan.ifname, why: `its network holds real server ${rs.address}` });
    }
  } else if (config.interfaces.client === undefined) {
    const up = wired.filter((l) => l.up && l.addresses.length > 0);
    if (defaultRouteIface !== undefined) inferred.push({ role: 'client', ifname: defaultRouteIface, why: 'the default route leaves by it' });
    else if (up.length === 1 && up[0] !== undefined) inferred.push({ role: 'client', ifname: up[0].ifname, why: 'it is the only interface up' });
  }
  return inferred;
}

/** withInferred returns the config with the inferred interfaces filled in. */
export function withInferred(config: HostConfig, inferred: readonly InferredInterface[]): HostConfig {
  const interfaces: { -readonly [K in keyof Interfaces]: Interfaces[K] } = { ...config.interfaces };
  for (const i of inferred) interfaces[i.role] = i.ifname;
  return { ...config, interfaces };
}

async function defaultRouteInterface(): Promise<string | undefined> {
  try {
    const routes = JSON.parse(await runOk(['ip', '-j', 'route', 'show', 'default'])) as { dev?: string }[];
    return routes[0]?.dev;
  } catch {
    return undefined;
  }
}

/**
 * readInferredInterfaces reads the host and infers what the config leaves
 * out. `links` reads the host's links (default {@link readLinks}; apply
 * passes one whose answer it reuses).
 */
export async function readInferredInterfaces(config: HostConfig, links: () => Promise<HostLink[]> = readLinks): Promise<InferredInterface[]> {
  const needed =
    config.role === 'director'
      ? config.interfaces.vip === undefined || config.interfaces.realServers === undefined
      : config.interfaces.client === undefined;
  if (!needed) return [];
  return inferInterfaces(config, await links(), config.role === 'realserver' ? await defaultRouteInterface() : undefined);
}
