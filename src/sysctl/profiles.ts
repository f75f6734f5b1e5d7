/**
 * Loading profiles by name. A name is looked up in the user directory
 * (default /etc/lbfw/profiles) first and in the profiles shipped with lbfw
 * second, so a user file overrides a built-in one of the same name.
 *
 * Includes resolve depth-first: a profile's includes come first, in the
 * order listed, then its own entries; for the same key the later one wins.
 * Each profile contributes once, at its first place in that walk, so a
 * diamond (two includes that both include `base`) cannot re-apply `base`
 * over an override made in between. A cycle is an error at the include line
 * that closes it.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { readInputFileIfPresent } from '../system/input-file.js';
import { PROFILE_NAME, type ProfileDocument, type ProfileEntry } from './profile.js';
import { parseProfileOnce } from './profile-cache.js';
import { packageRoot } from '../package-info.js';

/** Default directory of the operator's own profiles. */
export const DEFAULT_USER_PROFILE_DIR = '/etc/lbfw/profiles';

const PROFILE_EXTENSION = '.yaml';

/**
 * builtinProfileDir is the `profiles/` directory of the lbfw package: two
 * levels above this module when run from `src/`, three from `dist/src/`.
 */
export function builtinProfileDir(): string {
  return path.join(packageRoot(), 'profiles');
}

/** Where to look for profiles. */
export interface ProfileDirs {
  /** The operator's directory; a missing directory is fine. Default {@link DEFAULT_USER_PROFILE_DIR}. */
  readonly userDir?: string;
  /** The shipped profiles; default {@link builtinProfileDir}. */
  readonly builtinDir?: string;
}

/** ProfileFile is one file that took part in a profile. */
export interface ProfileFile {
  readonly name: string;
  readonly file: string;
  readonly origin: 'user' | 'builtin';
}

/** Profile is a profile with its includes resolved. */
export interface Profile {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  /** Every file read, in the order its entries were applied; the profile itself is last. */
  readonly files: readonly ProfileFile[];
  /** The merged entries, one per key template; where two files set a key, the later file's entry. */
  readonly entries: readonly ProfileEntry[];
}

interface Located extends ProfileFile {
  readonly text: string;
}

function dirsOf(options: ProfileDirs): { user: string; builtin: string } {
  return { user: options.userDir ?? DEFAULT_USER_PROFILE_DIR, builtin: options.builtinDir ?? builtinProfileDir() };
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readInputFileIfPresent(file, { what: 'sysctl profile', maxBytes: 1024 * 1024 });
  } catch (error) {
    throw new ConfigError([{ file, line: 0, message: `cannot read the profile: ${(error as Error).message}` }]);
  }
}

async function locate(name: string, dirs: { user: string; builtin: string }): Promise<Located | undefined> {
  for (const [origin, dir] of [['user', dirs.user], ['builtin', dirs.builtin]] as const) {
    const file = path.join(dir, `${name}${PROFILE_EXTENSION}`);
    const text = await readIfPresent(file);
    if (text !== undefined) return { name, file, origin, text };
  }
  return undefined;
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((entry) => entry.endsWith(PROFILE_EXTENSION))
      .map((entry) => entry.slice(0, -PROFILE_EXTENSION.length))
      .filter((name) => PROFILE_NAME.test(name));
  } catch {
    return [];
  }
}

/** profileNames lists the names that {@link loadProfile} can find, sorted. */
export async function profileNames(options: ProfileDirs = {}): Promise<string[]> {
  const dirs = dirsOf(options);
  const names = new Set([...(await namesIn(dirs.user)), ...(await namesIn(dirs.builtin))]);
  return [...names].sort();
}

/** ProfileSummary describes one available profile. */
export interface ProfileSummary extends ProfileFile {
  readonly description?: string;
}

/** listProfiles lists every available profile with its description; a user file hides the built-in one. */
export async function listProfiles(options: ProfileDirs = {}): Promise<ProfileSummary[]> {
  const dirs = dirsOf(options);
  const summaries: ProfileSummary[] = [];
  for (const name of await profileNames(options)) {
    const located = await locate(name, dirs);
    if (located === undefined) continue;
    const doc = await parseProfileOnce(located.text, located.file, name);
    const { text: _text, ...file } = located;
    summaries.push({ ...file, ...(doc.description === undefined ? {} : { description: doc.description }) });
  }
  return summaries;
}

/** loadProfile finds a profile by name and resolves its includes. */
export async function loadProfile(name: string, options: ProfileDirs = {}): Promise<Profile> {
  const dirs = dirsOf(options);
  const known = async () => (await profileNames(options)).join(', ') || 'none';
  if (!PROFILE_NAME.test(name)) {
    throw new ConfigError([{ file: dirs.user, line: 0, message: `"${name}" is not a profile name; available: ${await known()}` }]);
  }
  const top = await locate(name, dirs);
  if (top === undefined) {
    throw new ConfigError([
      { file: dirs.user, line: 0, message: `no profile named "${name}" in ${dirs.user} or ${dirs.builtin}; available: ${await known()}` },
    ]);
  }

  const files: ProfileFile[] = [];
  const entries = new Map<string, ProfileEntry>();
  const done = new Set<string>();
  let topDoc: ProfileDocument | undefined;

  const visit = async (located: Located, stack: readonly string[]): Promise<void> => {
    const doc = await parseProfileOnce(located.text, located.file, located.name);
    if (topDoc === undefined) topDoc = doc;
    const chain = [...stack, located.name];
    for (const ref of doc.include) {
      if (chain.includes(ref.name)) {
        const cycle = [...chain.slice(chain.indexOf(ref.name)), ref.name].join(' -> ');
        throw new ConfigError([{ file: located.file, line: ref.line, message: `include cycle: ${cycle}` }]);
      }
      if (done.has(ref.name)) continue;
      const included = await locate(ref.name, dirs);
      if (included === undefined) {
        throw new ConfigError([
          { file: located.file, line: ref.line, message: `include: unknown profile "${ref.name}"; available: ${await known()}` },
        ]);
      }
      await visit(included, chain);
    }
    done.add(located.name);
    files.push({ name: located.name, file: located.file, origin: located.origin });
    for (const entry of doc.sysctls) entries.set(entry.template, entry);
  };
  await visit(top, []);

  const description = topDoc?.description;
  return {
    name,
    file: top.file,
    ...(description === undefined ? {} : { description }),
    files,
    entries: [...entries.values()],
  };
}
