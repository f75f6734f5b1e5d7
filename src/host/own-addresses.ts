/**
 * The host's own addresses and default gateways, which a blacklist entry
 * must not cover: dropping them cuts the director off from itself (local
 * services, keepalived's checks) or from everything beyond its gateway.
 */
import type { Address } from '../config/model.js';
import { parseAddress } from '../net/address.js';
import { run } from '../system/run.js';
import { readLinks, type HostLink } from '../vip/addresses.js';
import { readDefaultRoutes } from './default-gateways.js';

/** OwnAddresses: addresses on this host's interfaces (loopback aside) and its default gateways. */
export interface OwnAddresses {
  readonly addresses: readonly Address[];
  readonly gateways: readonly Address[];
}

function inNetns(argv: readonly string[], netns: string | undefined): string[] {
  return netns === undefined ? [...argv] : ['ip', 'netns', 'exec', netns, ...argv];
}

async function gateways(family: '-4' | '-6', netns: string | undefined): Promise<Address[]> {
  const found: Address[] = [];
  // Here (no other namespace named): the kernel's /proc/net files, without a child process.
  const here = netns === undefined ? await readDefaultRoutes(family === '-4' ? 4 : 6) : undefined;
  if (here !== undefined) return here.flatMap((r) => parseAddress(r.gateway) ?? []);
  const result = await run(inNetns(['ip', '-j', family, 'route', 'show', 'default'], netns));
  if (result.code !== 0) return found;
  try {
    for (const route of JSON.parse(result.stdout) as { gateway?: string }[]) {
      const gw = route.gateway === undefined ? undefined : parseAddress(route.gateway);
      if (gw !== undefined) found.push(gw);
    }
  } catch {
    // Output that is not JSON (an old ip): nothing learnt, nothing refused for it.
  }
  return found;
}

/**
 * readOwnAddresses reads them from the kernel (in `netns` when given). Best
 * effort: what cannot be read is left out rather than failing the command.
 * `readHostLinks` reads the links of that namespace (apply passes the ones it read).
 */
export async function readOwnAddresses(netns?: string, readHostLinks: () => Promise<HostLink[]> = () => readLinks(netns)): Promise<OwnAddresses> {
  // Three independent reads, run at once: each is a child process, and start-up pays for them in wall time.
  const [links, gw4, gw6] = await Promise.all([readHostLinks().catch(() => []), gateways('-4', netns), gateways('-6', netns)]);
  const addresses = links
    .filter((l) => !l.loopback)
    .flatMap((l) => l.addresses.map((a) => parseAddress(a.address)))
    .filter((a): a is Address => a !== undefined);
  return { addresses, gateways: [...gw4, ...gw6] };
}
