/**
 * Reads and checks everything a ruleset is built from, before anything on
 * the system changes: bad input stops here.
 */
import type { HostConfig } from '../config/model.js';
import { BlacklistError, SafetyError, type InputProblem, type ProtectedHit } from '../errors.js';
import { readBlacklist } from '../blacklist/read.js';
import { nativeDeal4, nativeSortU32 } from '../blacklist/native-hosts.js';
import { entryCount } from '../blacklist/parse.js';
import { normaliseBlacklist, type NormalisedBlacklist } from '../blacklist/normalise.js';
import { findProtectedHits } from '../blacklist/safety.js';
import { DEFAULT_BLACKLIST_PATH } from '../config/model.js';
import { buildRuleset } from '../ruleset/build.js';
import type { Ruleset } from '../ruleset/types.js';
import type { BlacklistOptions } from './options.js';
import { protectedRanges } from './protected.js';
import { lockoutFor } from './lockout.js';
import { readOwnAddresses } from '../host/own-addresses.js';
import type { HostLink } from '../vip/addresses.js';

/** PreparedFirewall: the ruleset to load and what was noticed on the way. */
export interface PreparedFirewall {
  readonly ruleset: Ruleset;
  readonly blacklist: NormalisedBlacklist;
  /** Blacklist entries read (before merging). */
  readonly blacklistEntries: number;
  /** Non-fatal remarks (host bits set, missing default blacklist). */
  readonly warnings: readonly InputProblem[];
  /** Bad lines left out because of `skipInvalid`. */
  readonly skipped: readonly InputProblem[];
  /** Dangerous entries loaded anyway because of `force`. */
  readonly forced: readonly ProtectedHit[];
  /** Set when `force` overrode the SSH lock-out guard. */
  readonly lockout?: string;
}

/**
 * formatHint names the likely format when the bad lines share one: `;`
 * comments (other tools' lists) or a second column such as a hit count.
 */
export function formatHint(problems: readonly InputProblem[]): string {
  const several = problems.length >= 2 ? problems : [];
  const share = (re: RegExp): boolean => several.length > 0 && several.filter((p) => re.test(p.message)).length * 2 >= several.length;
  if (share(/^"\s*;/)) return ' (the lines look like `;` comments: lbfw comments start with `#`)';
  if (share(/more than one word on the line/)) return ' (the lines have a second column, e.g. a count: write the address alone, comments after `#`)';
  return '';
}

/**
 * prepareFirewall reads the blacklist, refuses bad or dangerous entries
 * (unless told otherwise) and builds the ruleset. Throws BlacklistError or
 * SafetyError; never touches nftables. `links` reads the host's links in
 * `netns` (default: read them; apply passes the ones it read already).
 */
export async function prepareFirewall(
  config: HostConfig,
  env: Record<string, string | undefined>,
  options: BlacklistOptions = {},
  netns?: string,
  links?: () => Promise<HostLink[]>,
): Promise<PreparedFirewall> {
  // The default path may legitimately not exist yet; a path the operator named must.
  const parsed = await readBlacklist(config.blacklistPath, { optional: config.blacklistPath === DEFAULT_BLACKLIST_PATH, env });
  if (parsed.problems.length > 0 && options.skipInvalid !== true) throw new BlacklistError(parsed.problems);
  // A cron job with --skip-invalid must not wipe a working blacklist because the file's format changed.
  if (parsed.problems.length > 0 && entryCount(parsed) === 0 && options.force !== true) {
    throw new BlacklistError([
      {
        file: parsed.file,
        line: 0,
        message:
          `every entry line of ${parsed.file} is bad (${parsed.problems.length} lines skipped): refusing to load an empty blacklist` +
          `${formatHint(parsed.problems)}; fix the file, or pass --force to load it empty`,
      },
    ]);
  }
  const hits = findProtectedHits(parsed, protectedRanges(config, env, await readOwnAddresses(netns, links)));
  if (hits.length > 0 && options.force !== true) throw new SafetyError(hits);
  const lockout = lockoutFor(config, env);
  if (lockout !== undefined && options.force !== true) throw lockout;
  const blacklist = normaliseBlacklist(parsed, { sortU32: nativeSortU32(env) });
  return {
    ruleset: buildRuleset(config, blacklist, { deal4: nativeDeal4(env) }),
    blacklist,
    blacklistEntries: entryCount(parsed),
    warnings: parsed.warnings,
    skipped: parsed.problems,
    forced: hits,
    ...(lockout === undefined ? {} : { lockout: `new SSH logins from ${lockout.client} to port ${lockout.port} will be refused` }),
  };
}
