/**
 * `lbfw ban list|add|remove|promote` as library calls. A ban is one element
 * of a timed set of `inet lbfw_ban`, keyed by the client's prefix (/32 and
 * /64 by default). promote moves a ban into static_blacklist through the
 * blacklist's own atomic edit and live update, then lifts the timed ban.
 */
import type { Family, HostConfig } from '../config/model.js';
import { addToBlacklist, type BlacklistChange } from '../firewall/blacklist-live.js';
import type { FirewallOptions } from '../firewall/options.js';
import { assertNetAdmin } from '../nft/privilege.js';
import type { BanBackend, ListedBan } from '../nft/ban-backend.js';
import { NftBanCli } from '../nft/ban-cli.js';
import { addressToBigInt, bigIntToAddress, cidrToRange, parseAddress, parseCidr } from '../net/address.js';
import { exemptRanges, exemptionOf, type HostSurroundings } from '../overlimit/exempt.js';
import { readSurroundings } from '../overlimit/host.js';
import { BanError } from '../overlimit/errors.js';
import { banTableSpec, overlimitSettings } from './spec.js';
import { BAN_SETS, banSetOf, familyOfSet, fitBanComment, type BanSetName } from './table.js';

/** BanOptions: the backend and the seams tests replace. */
export interface BanOptions {
  readonly banBackend?: BanBackend;
  readonly env?: Record<string, string | undefined>;
  readonly surroundings?: HostSurroundings;
  readonly now?: Date;
}

/** Ban: one listed ban, with the client as the operator writes it. */
export interface Ban extends ListedBan {
  /** `203.0.113.7` or `2001:db8:1:2::/64`. */
  readonly client: string;
  /** Who placed it: the overlimit scan, an operator, or the kernel's SYN-rate meter. */
  readonly by: 'overlimit' | 'operator' | 'syn-rate';
}

/** BanTarget: a client normalised to the ban prefix. */
export interface BanTarget {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
  readonly client: string;
}

function clientText(family: Family, address: string, prefix: number): string {
  return prefix === (family === 4 ? 32 : 128) ? address : `${address}/${prefix}`;
}

/**
 * banTarget reads an address or prefix and widens it to the ban prefix of
 * its family. A prefix wider than the ban prefix is refused: a set holds one
 * prefix length (put such a range into the blacklist instead).
 */
export function banTarget(config: HostConfig, text: string): BanTarget {
  const settings = overlimitSettings(config);
  const single = parseAddress(text.trim());
  const cidr = single === undefined ? parseCidr(text.trim()) : undefined;
  const family = single?.family ?? cidr?.cidr.family;
  if (family === undefined) throw new BanError(`"${text}" is not an IPv4 or IPv6 address or prefix`);
  const given = single === undefined ? (cidr?.cidr.prefix ?? 0) : family === 4 ? 32 : 128;
  const prefix = family === 4 ? settings.prefix4 : settings.prefix6;
  if (given < prefix) throw new BanError(`${text} is wider than the ban prefix /${prefix}; use \`lbfw blacklist add ${text}\` for a range`);
  const value = addressToBigInt(single ?? { family, address: cidr?.cidr.address ?? '' });
  const hostBits = BigInt((family === 4 ? 32 : 128) - prefix);
  const address = bigIntToAddress(family, (value >> hostBits) << hostBits);
  return { family, address, prefix, client: clientText(family, address, prefix) };
}

function byOf(set: BanSetName, comment: string | undefined): Ban['by'] {
  if (set.startsWith('autoban')) return 'syn-rate';
  return comment?.startsWith('lbfw overlimit') === true ? 'overlimit' : 'operator';
}

/** listBans returns every ban, soonest to expire last. */
export async function listBans(config: HostConfig, options: BanOptions = {}): Promise<{ readonly tablePresent: boolean; readonly bans: Ban[] }> {
  assertNetAdmin('ban list');
  const backend = options.banBackend ?? new NftBanCli();
  if (!(await backend.tableExists())) return { tablePresent: false, bans: [] };
  const settings = overlimitSettings(config);
  const bans = (await backend.list()).map((b) => {
    const family = familyOfSet(b.set);
    return { ...b, client: clientText(family, b.address, family === 4 ? settings.prefix4 : settings.prefix6), by: byOf(b.set, b.comment) };
  });
  return { tablePresent: true, bans: bans.sort((a, b) => (b.expiresSeconds ?? Infinity) - (a.expiresSeconds ?? Infinity)) };
}

async function exemptCheck(config: HostConfig, target: BanTarget, options: BanOptions): Promise<ReturnType<typeof exemptRanges>> {
  const exempt = exemptRanges(config, options.env ?? process.env, options.surroundings ?? (await readSurroundings()));
  const hit = exemptionOf(cidrToRange(target), exempt);
  if (hit !== undefined) throw new BanError(`refusing to ban ${target.client}: it covers ${hit.address} (${hit.role}); nothing was changed`);
  return exempt;
}

/** addBan bans `text` for `timeoutSeconds` (default: overlimit.ban_time) with an explanatory comment. */
export async function addBan(
  config: HostConfig,
  text: string,
  ban: { readonly timeoutSeconds?: number; readonly comment?: string } = {},
  options: BanOptions = {},
): Promise<{ readonly target: BanTarget; readonly set: BanSetName; readonly timeoutSeconds: number; readonly comment: string }> {
  assertNetAdmin('ban add');
  const target = banTarget(config, text);
  const exempt = await exemptCheck(config, target, options);
  const backend = options.banBackend ?? new NftBanCli();
  const timeoutSeconds = ban.timeoutSeconds ?? overlimitSettings(config).banSeconds;
  const now = options.now ?? new Date();
  const comment = fitBanComment(`lbfw ban add${ban.comment === undefined ? '' : `: ${ban.comment}`} ${now.toISOString().slice(0, 16)}Z`);
  const set = banSetOf(target.family);
  await backend.ensure(banTableSpec(config, exempt));
  await backend.put([{ set, address: target.address, timeoutSeconds, comment }]);
  return { target, set, timeoutSeconds, comment };
}

/** removeBan lifts every ban of `text` (timed and SYN-rate); returns the sets it was in. */
export async function removeBan(config: HostConfig, text: string, options: BanOptions = {}): Promise<{ readonly target: BanTarget; readonly removedFrom: BanSetName[] }> {
  assertNetAdmin('ban remove');
  const target = banTarget(config, text);
  const backend = options.banBackend ?? new NftBanCli();
  if (!(await backend.tableExists())) return { target, removedFrom: [] };
  const sets = BAN_SETS.filter((s) => familyOfSet(s) === target.family);
  const present = (await backend.list()).filter((b) => b.address === target.address && sets.includes(b.set));
  await backend.remove(present.map((b) => ({ set: b.set, address: b.address })));
  return { target, removedFrom: present.map((b) => b.set) };
}

/**
 * promoteBan writes the ban's prefix into static_blacklist (atomic edit, the
 * running blacklist sets updated in place, the blacklist's own safety
 * checks) and then lifts the timed ban. A ban that is not there is a
 * BanError; nothing is changed.
 */
export async function promoteBan(
  config: HostConfig,
  text: string,
  options: BanOptions & FirewallOptions = {},
): Promise<{ readonly target: BanTarget; readonly blacklist: BlacklistChange; readonly removedFrom: BanSetName[] }> {
  assertNetAdmin('ban promote');
  const target = banTarget(config, text);
  const backend = options.banBackend ?? new NftBanCli();
  const present = (await backend.tableExists()) ? (await backend.list()).filter((b) => b.address === target.address && familyOfSet(b.set) === target.family) : [];
  if (present.length === 0) throw new BanError(`${target.client} is not banned; nothing to promote (use \`lbfw blacklist add ${target.client}\`)`);
  const reason = present.find((b) => b.comment !== undefined)?.comment ?? 'SYN-rate autoban';
  const blacklist = await addToBlacklist(config, target.client, { ...options, comment: `promoted ban: ${reason}`.replace(/[\r\n]/g, ' ') });
  await backend.remove(present.map((b) => ({ set: b.set, address: b.address })));
  return { target, blacklist, removedFrom: present.map((b) => b.set) };
}
