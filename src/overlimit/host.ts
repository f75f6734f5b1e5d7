/**
 * Reads what the exemptions need from the host: its interfaces' addresses
 * and its default gateways (`ip -j addr`; /proc/net/route and ipv6_route,
 * else `ip -j route show default`).
 */
import { readLinks } from '../vip/addresses.js';
import { run } from '../system/run.js';
import { readDefaultRoutes } from '../host/default-gateways.js';
import type { HostSurroundings } from './exempt.js';

async function gateways(family: '-4' | '-6'): Promise<string[]> {
  // The kernel's /proc/net files first: no child process (start-up of every run).
  const here = await readDefaultRoutes(family === '-4' ? 4 : 6);
  if (here !== undefined) return here.map((r) => r.gateway);
  const result = await run(['ip', '-j', family, 'route', 'show', 'default']);
  if (result.code !== 0) return [];
  try {
    const routes = JSON.parse(result.stdout) as { gateway?: unknown }[];
    return routes.flatMap((r) => (typeof r.gateway === 'string' ? [r.gateway] : []));
  } catch {
    return [];
  }
}

/** readSurroundings reads the host's own links and default gateways. */
export async function readSurroundings(): Promise<HostSurroundings> {
  const [links, gw4, gw6] = await Promise.all([readLinks(), gateways('-4'), gateways('-6')]);
  return { links, gateways: [...gw4, ...gw6] };
}
