/**
 * Persisting the settings for the next boot: lbfw writes ONE file,
 * /etc/sysctl.d/<NN>-lbfw.conf, with each reason as a comment, and never
 * touches another file. It warns when another file would override a value
 * at boot, following systemd-sysctl (sysctl.d(5)):
 *
 * - files from /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d and
 *   /usr/lib/sysctl.d are applied in the lexical order of their file names,
 *   whatever their directory; for the same key the later file wins;
 * - a file name in /etc hides the same name in /run and /usr (a link to
 *   /dev/null masks it);
 * - an explicit key beats a glob (`net.ipv4.conf.*.rp_filter`) whatever the
 *   order; `sysctl --system` (procps) applies globs in file order instead;
 * - /etc/sysctl.conf comes last (procps reads it after sysctl.d; systemd
 *   reads it through the 99-sysctl.conf link).
 *
 * What is persisted: for each setting, the key and, where the kernel combines
 * it with `all`, the `all` key too, each with the value it holds once the
 * plan is applied, plus the "keep" writes of the plan. So the boot state is
 * the verified state, whatever earlier files say. A key absent now gets the
 * value apply would write.
 */
import { mkdir, readFile, readdir, realpath } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { readInputFileIfPresent } from '../system/input-file.js';
import path from 'node:path';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import { preferredText } from './expectation.js';
import { type Readings, combinesWithAll, evaluate, isPseudoInterface } from './evaluate.js';
import { CONF_ALL, confKey, keyToPath, normaliseKey, parseConfKey } from './key.js';
import type { ResolvedProfile, SettingSource } from './resolve.js';
import { allSideNote, planWrites, simulateWrite, writePhase } from './writes.js';

/** Directories systemd-sysctl reads, highest precedence first. */
export const SYSCTL_D_DIRS: readonly string[] = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'];
/** The traditional file, applied after every sysctl.d file. */
export const DEFAULT_SYSCTL_CONF = '/etc/sysctl.conf';
/** Where lbfw writes its file. */
export const DEFAULT_PERSIST_DIR = '/etc/sysctl.d';
/**
 * lbfw's file name: after the distribution defaults (10-*, 50-default.conf)
 * so lbfw's values win over them, before 99-sysctl.conf (the operator's own
 * /etc/sysctl.conf), which lbfw reports instead of overruling.
 */
export const DEFAULT_PERSIST_NAME = '90-lbfw.conf';

/** PersistEntry is one line of lbfw's sysctl.d file. */
export interface PersistEntry {
  readonly key: string;
  readonly value: string;
  /** Comment lines: the reasons of the settings it serves, or what a keep write keeps. */
  readonly reasons: readonly string[];
  readonly sources: readonly SettingSource[];
  /** Written `-key = value`: systemd-sysctl ignores a failure (interface or module not there yet). */
  readonly ignoreFailure: boolean;
}

interface Collecting {
  key: string;
  value: string;
  reasons: string[];
  sources: SettingSource[];
}

/** ignoresFailure: keys that may not exist yet when systemd-sysctl runs at boot. */
function ignoresFailure(key: string): boolean {
  const conf = parseConfKey(key);
  if (conf !== undefined) return !isPseudoInterface(conf.iface);
  return key.startsWith('net.ipv4.vs.');
}

/** persistEntries computes the content of lbfw's file: pure, from the readings. */
export function persistEntries(resolved: Pick<ResolvedProfile, 'settings'>, readings: Readings): PersistEntry[] {
  const plan = planWrites(resolved, readings);
  const state = new Map(readings);
  for (const write of plan.writes) simulateWrite(state, write.key, write.value);

  const entries = new Map<string, Collecting>();
  const add = (key: string, reason: string, source?: SettingSource, fallback?: string) => {
    const value = state.get(key) ?? fallback;
    if (value === undefined) return;
    const entry = entries.get(key) ?? { key, value: value.trim().replace(/\s+/g, ' '), reasons: [], sources: [] };
    if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
    if (source !== undefined && !entry.sources.includes(source)) entry.sources.push(source);
    entries.set(key, entry);
  };

  for (const setting of resolved.settings) {
    // A key absent now (IPVS not loaded, interface not up) is persisted with
    // the value lbfw would write, for when it appears: systemd-sysctl applies
    // per-interface keys when udev adds the interface.
    if (evaluate(setting, state).kind === 'absent') {
      add(setting.key, setting.reason, setting.source, preferredText(setting.expectation));
      continue;
    }
    add(setting.key, setting.reason, setting.source);
    const conf = setting.conf;
    if (conf !== undefined && combinesWithAll(setting)) {
      add(confKey(conf.family, CONF_ALL, conf.name), allSideNote(setting) ?? setting.reason, setting.source);
    }
  }
  for (const write of plan.writes) if (write.kind === 'keep') for (const reason of write.reasons) add(write.key, reason);

  return [...entries.values()]
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => writePhase(a.entry.key) - writePhase(b.entry.key) || a.index - b.index)
    .map(({ entry }) => ({ ...entry, ignoreFailure: ignoresFailure(entry.key) }));
}

/** wrap breaks text into comment lines of at most `width` characters. */
function wrap(text: string, width = 76): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    if (line !== '') lines.push(line);
  }
  return lines;
}

/** What the header of lbfw's file names. */
export interface PersistHeader {
  readonly profile: string;
  readonly files: readonly string[];
  /** The file's own name, for the advice on local changes. */
  readonly name: string;
}

/** renderSysctlConf renders lbfw's sysctl.d file. */
export function renderSysctlConf(entries: readonly PersistEntry[], header: PersistHeader): string {
  const out = [
    `# Written by lbfw from profile ${header.profile} (${header.files.join(', ')}).`,
    `# lbfw rewrites this file: put local changes in a file sorting after ${header.name}.`,
    '# A leading "-" makes systemd-sysctl ignore a key that does not exist yet (an',
    '# interface udev has not added, a module not loaded); `lbfw apply` sets it later.',
  ];
  for (const entry of entries) {
    out.push('');
    for (const reason of entry.reasons) for (const line of wrap(reason)) out.push(`# ${line}`);
    const where = entry.sources.map((s) => `${path.basename(s.file)}:${s.line}`);
    if (where.length > 0) out.push(`# (${where.join(', ')})`);
    out.push(`${entry.ignoreFailure ? '-' : ''}${entry.key} = ${entry.value}`);
  }
  return `${out.join('\n')}\n`;
}

/** SysctlFileEntry is one assignment of a sysctl.d file. */
export interface SysctlFileEntry {
  readonly file: string;
  readonly line: number;
  /** Dotted form; for a glob, the pattern in dotted form. */
  readonly key: string;
  readonly value: string;
  readonly glob: boolean;
}

/** parseSysctlConf reads the assignments of a sysctl.d file (comments, blank lines and exclusions skipped). */
export function parseSysctlConf(text: string, file: string): SysctlFileEntry[] {
  const entries: SysctlFileEntry[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const equals = line.indexOf('=');
    if (equals === -1) continue;
    const key = normaliseKey(line.slice(0, equals).trim().replace(/^-/, ''));
    const value = line.slice(equals + 1).trim().replace(/\s+/g, ' ');
    if (key === '') continue;
    entries.push({ file, line: index + 1, key, value, glob: /[*?[]/.test(key) });
  }
  return entries;
}

/** SysctlFile is the text of one file and its place in the boot order. */
export interface SysctlFile {
  readonly file: string;
  /** Sort key: the file name for sysctl.d files; after every name for /etc/sysctl.conf. */
  readonly order: string;
  readonly text: string;
}

/** Sorts after any file name. */
export const LAST = '\uffff';

/** SysctlOverride is a later file that sets one of lbfw's keys to another value. */
export interface SysctlOverride {
  readonly key: string;
  /** lbfw's value. */
  readonly value: string;
  readonly file: string;
  readonly line: number;
  /** The value that file sets. */
  readonly theirs: string;
  readonly glob: boolean;
  readonly message: string;
}

function globMatches(pattern: string, key: string): boolean {
  const source = keyToPath(pattern)
    .split('')
    .map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch === '[' || ch === ']' ? ch : ch.replace(/[.+^${}()|\\]/g, '\\$&')))
    .join('');
  try {
    return new RegExp(`^${source}$`).test(keyToPath(key));
  } catch {
    return false;
  }
}

/**
 * findOverrides lists the assignments in files applied after lbfw's (by
 * `order`) that set one of lbfw's keys to a different value. Pure.
 */
export function findOverrides(entries: readonly PersistEntry[], ourOrder: string, files: readonly SysctlFile[]): SysctlOverride[] {
  const overrides: SysctlOverride[] = [];
  const later = files.filter((f) => f.order > ourOrder).sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  for (const file of later) {
    for (const assignment of parseSysctlConf(file.text, file.file)) {
      for (const entry of entries) {
        const matches = assignment.glob ? globMatches(assignment.key, entry.key) : assignment.key === entry.key;
        if (!matches || assignment.value === entry.value) continue;
        const message = assignment.glob
          ? `${file.file}:${assignment.line} sets ${assignment.key} = ${assignment.value}, which covers ${entry.key} (lbfw: ${entry.value}); systemd-sysctl keeps lbfw's explicit key, but sysctl --system applies the glob after lbfw's file`
          : `${file.file}:${assignment.line} sets ${entry.key} = ${assignment.value} after lbfw's ${entry.value}, so at boot the kernel gets ${assignment.value}`;
        overrides.push({ key: entry.key, value: entry.value, file: file.file, line: assignment.line, theirs: assignment.value, glob: assignment.glob, message });
      }
    }
  }
  return overrides;
}

async function realOrSelf(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/**
 * readText reads a sysctl file; absent is undefined. Any other failure
 * (EACCES, EISDIR) is an error naming the file: an unreadable sysctl.d file
 * could override lbfw's values at boot unseen.
 */
async function readText(file: string): Promise<string | undefined> {
  try {
    return await readInputFileIfPresent(file, { what: 'sysctl file', maxBytes: 1024 * 1024 });
  } catch (error) {
    throw new ConfigError([{ file, line: 0, message: `cannot read: ${(error as Error).message}` }]);
  }
}

/**
 * collectSysctlFiles reads the files systemd-sysctl would apply besides
 * lbfw's own: `dirs` in precedence order (a name in an earlier directory hides
 * it in later ones), and `sysctlConf` last.
 */
export async function collectSysctlFiles(dirs: readonly string[], ownFile: string, sysctlConf: string): Promise<SysctlFile[]> {
  const ownName = path.basename(ownFile);
  const confReal = await realOrSelf(sysctlConf);
  const seen = new Set<string>([ownName]);
  const files: SysctlFile[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((name) => name.endsWith('.conf')).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      const file = path.join(dir, name);
      // The link to /etc/sysctl.conf is reported once, as /etc/sysctl.conf.
      if ((await realOrSelf(file)) === confReal) continue;
      const text = await readText(file);
      if (text !== undefined) files.push({ file, order: name, text });
    }
  }
  const confText = await readText(sysctlConf);
  if (confText !== undefined) files.push({ file: sysctlConf, order: LAST, text: confText });
  return files;
}

/** Where to persist and where to look for overrides. */
export interface PersistLocation {
  /** Directory of lbfw's file; default {@link DEFAULT_PERSIST_DIR}. */
  readonly dir?: string;
  /** lbfw's file name; default {@link DEFAULT_PERSIST_NAME}. */
  readonly name?: string;
  /** sysctl.d directories in precedence order; default {@link SYSCTL_D_DIRS}. `dir` always comes first. */
  readonly searchDirs?: readonly string[];
  /** Default {@link DEFAULT_SYSCTL_CONF}. */
  readonly sysctlConf?: string;
}

/** PersistResult says what was written and what overrides it. */
export interface PersistResult {
  readonly file: string;
  readonly content: string;
  /** False when the file already had this content. */
  readonly written: boolean;
  readonly entries: readonly PersistEntry[];
  readonly overriddenBy: readonly SysctlOverride[];
}

/** writePersistFile writes the rendered file atomically (when its content differs) and looks for overrides. */
export async function writePersistFile(entries: readonly PersistEntry[], header: Omit<PersistHeader, 'name'>, location: PersistLocation = {}): Promise<PersistResult> {
  const dir = location.dir ?? DEFAULT_PERSIST_DIR;
  const name = location.name ?? DEFAULT_PERSIST_NAME;
  const file = path.join(dir, name);
  const content = renderSysctlConf(entries, { ...header, name });
  const written = (await readText(file)) !== content;
  if (written) {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(file, content);
  }
  const dirs = [dir, ...(location.searchDirs ?? SYSCTL_D_DIRS).filter((d) => path.resolve(d) !== path.resolve(dir))];
  const files = await collectSysctlFiles(dirs, file, location.sysctlConf ?? DEFAULT_SYSCTL_CONF);
  return { file, content, written, entries, overriddenBy: findOverrides(entries, name, files) };
}
