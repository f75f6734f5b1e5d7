/**
 * Decides what to do with the VIPs of a real server: in Direct Routing each
 * VIP must be a local address on `lo`, as /32 (/128), and on no interface
 * that answers ARP. Pure.
 */
import type { Family, HostConfig } from '../config/model.js';
import { familyBits } from '../net/address.js';
import type { HostLink } from './addresses.js';

/** VipAction: one change to make on `lo`. */
export type VipAction =
  | { readonly kind: 'add'; readonly address: string; readonly family: Family }
  | { readonly kind: 'narrow'; readonly address: string; readonly family: Family; readonly fromPrefix: number }
  | { readonly kind: 'remove'; readonly address: string; readonly family: Family; readonly prefix: number };

/** VipWarning: something lbfw reports but does not change. */
export interface VipWarning {
  readonly address: string;
  readonly ifname: string;
  readonly message: string;
  /** The exact command that fixes it. */
  readonly fix: string;
}

/** VipPlan: what apply will do, and what is fine already. */
export interface VipPlan {
  readonly actions: readonly VipAction[];
  /** VIPs already on lo as a host prefix. */
  readonly inPlace: readonly string[];
  readonly warnings: readonly VipWarning[];
}

function hostPrefix(family: Family): number {
  return familyBits(family);
}

/**
 * planLoVips compares the config's VIPs with the host's addresses.
 * `addedBefore` lists the VIPs lbfw put on lo earlier: those no longer in the
 * config are removed; addresses lbfw did not add are never removed.
 */
export function planLoVips(config: HostConfig, links: readonly HostLink[], addedBefore: readonly string[]): VipPlan {
  const vips = new Map<string, Family>();
  for (const vip of [...config.services, ...(config.vipAddresses ?? [])]) vips.set(vip.address, vip.family);
  const lo = links.find((l) => l.loopback);
  const onLo = lo?.addresses ?? [];
  const actions: VipAction[] = [];
  const inPlace: string[] = [];
  const warnings: VipWarning[] = [];
  for (const [address, family] of vips) {
    const present = onLo.find((a) => a.address === address);
    if (present === undefined) actions.push({ kind: 'add', address, family });
    else if (present.prefix !== hostPrefix(family)) actions.push({ kind: 'narrow', address, family, fromPrefix: present.prefix });
    else inPlace.push(address);
    for (const link of links.filter((l) => l.answersArp)) {
      const stray = link.addresses.find((a) => a.address === address);
      if (stray === undefined) continue;
      warnings.push({
        address,
        ifname: link.ifname,
        message:
          `VIP ${address} is also on ${link.ifname}, which answers ARP: clients and routers can learn this ` +
          `real server's MAC for the VIP and bypass the director`,
        fix: `ip addr del ${address}/${stray.prefix} dev ${link.ifname}`,
      });
    }
  }
  for (const address of addedBefore) {
    if (vips.has(address)) continue;
    const present = onLo.find((a) => a.address === address);
    if (present !== undefined) actions.push({ kind: 'remove', address, family: present.family, prefix: present.prefix });
  }
  return { actions, inPlace, warnings };
}

/** describeAction says in words what an action does. */
export function describeAction(action: VipAction): string {
  switch (action.kind) {
    case 'add':
      return `add VIP ${action.address}/${hostPrefix(action.family)} on lo`;
    case 'narrow':
      return (
        `narrow VIP ${action.address} on lo from /${action.fromPrefix} to /${hostPrefix(action.family)} ` +
        `(a wider prefix makes the whole range local: this host could not reach its neighbours in it)`
      );
    case 'remove':
      return `remove VIP ${action.address}/${action.prefix} from lo (no longer in the config)`;
  }
}
