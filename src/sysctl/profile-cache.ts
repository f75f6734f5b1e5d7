/**
 * Profiles parsed once. One `lbfw apply` resolves the same profile four
 * times (the input check, the host record, the writes, the sysctl.d file),
 * and a YAML parse of three small files was a fifth of its start-up. Two
 * layers, both keyed by the exact text read, so an edited file is never
 * served stale:
 *
 * - in this process, every document parsed so far (by file);
 * - the shipped profiles parsed at build time (scripts/bundle.mjs writes
 *   {@link compiledProfilesFile}): used when the file read has the text they
 *   were compiled from, so a boot-time apply parses no profile YAML at all.
 *
 * Only successful parses are kept: a bad profile is parsed (and reported) again.
 */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../package-info.js';
import { readInputFileIfPresent } from '../system/input-file.js';
import { PROFILE_NAME, parseProfile, type ProfileDocument } from './profile.js';

const COMPILED_FORMAT = 1;
const COMPILED_MAX_BYTES = 4 * 1024 * 1024;

/** One compiled profile: the text it was parsed from and the result. */
interface CompiledProfile {
  readonly text: string;
  readonly doc: ProfileDocument;
}

/** compiledProfilesFile: the build's parsed copy of the shipped profiles (in the package, next to the bundle). */
export function compiledProfilesFile(): string {
  return path.join(packageRoot(), 'dist', 'bundle', 'profiles.json');
}

const parsed = new Map<string, CompiledProfile>();
let compiled: Promise<ReadonlyMap<string, CompiledProfile>> | undefined;

/**
 * readCompiled reads the build's file once; a missing, unreadable or foreign
 * file is no error (it is only a cache): every profile is then parsed.
 */
async function readCompiled(): Promise<ReadonlyMap<string, CompiledProfile>> {
  try {
    const text = await readInputFileIfPresent(compiledProfilesFile(), { what: 'compiled profiles', maxBytes: COMPILED_MAX_BYTES });
    if (text === undefined) return new Map();
    const data = JSON.parse(text) as { format?: unknown; profiles?: unknown };
    if (data.format !== COMPILED_FORMAT || typeof data.profiles !== 'object' || data.profiles === null) return new Map();
    return new Map(Object.entries(data.profiles as Record<string, CompiledProfile>).filter(([, p]) => typeof p?.text === 'string' && typeof p.doc === 'object'));
  } catch {
    return new Map();
  }
}

/** The compiled document names the file it is read from now, not the build's path. */
function rebased(doc: ProfileDocument, file: string): ProfileDocument {
  return { ...doc, file, sysctls: doc.sysctls.map((entry) => ({ ...entry, file })) };
}

/**
 * parseProfileOnce is {@link parseProfile} of `text` read from `file`,
 * reusing an earlier parse of the same text (this process, or the build's
 * for a shipped profile). Problems throw the same ConfigError.
 */
export async function parseProfileOnce(text: string, file: string, name: string): Promise<ProfileDocument> {
  const known = parsed.get(file);
  if (known !== undefined && known.text === text && known.doc.name === name) return known.doc;
  const shipped = (await (compiled ??= readCompiled())).get(name);
  const doc = shipped !== undefined && shipped.text === text && shipped.doc.name === name ? rebased(shipped.doc, file) : parseProfile(text, file, name);
  parsed.set(file, { text, doc });
  return doc;
}

/**
 * writeCompiledProfiles parses every `<name>.yaml` of `dir` (the shipped
 * profiles) and writes them to `out` for {@link parseProfileOnce}. The build
 * (scripts/bundle.mjs) calls it; a profile that does not parse fails the build.
 */
export async function writeCompiledProfiles(dir: string, out: string): Promise<void> {
  const profiles: Record<string, CompiledProfile> = {};
  const names = (await readdir(dir)).filter((entry) => entry.endsWith('.yaml')).map((entry) => entry.slice(0, -'.yaml'.length)).filter((name) => PROFILE_NAME.test(name));
  for (const name of names.sort()) {
    const file = path.join(dir, `${name}.yaml`);
    const text = await readInputFileIfPresent(file, { what: 'sysctl profile', maxBytes: COMPILED_MAX_BYTES });
    if (text === undefined) continue;
    profiles[name] = { text, doc: parseProfile(text, file, name) };
  }
  await writeFile(out, `${JSON.stringify({ format: COMPILED_FORMAT, profiles })}\n`);
}
