/**
 * Reads what the exemptions need from the host: its interfaces' addresses
 * and its default gateways (`ip -j addr`, `ip -j route show default`).
 */
import { readLinks } from '../vip/addresses.js';
import { run } from '../system/run.js';
import type { HostSurroundings } from './exempt.js';

async function gateways(family: '-4' | '-6'): Promise<string[]> {
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
