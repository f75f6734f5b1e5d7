/**
 * The only code that touches /proc/sys. It reads and writes the sysctl files
 * of the network namespace lbfw runs in (/proc/sys/net shows the namespace of
 * the process that opens it; run `ip netns exec NS lbfw ...` for another one).
 * The root is injectable so that tests use a directory with the same layout.
 */
import { constants, readFileSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LbfwError, PermissionError } from '../errors.js';
import type { Family } from '../config/model.js';
import { combinesWithAll, relatedKeys, type Readings } from './evaluate.js';
import { CONF_ALL, CONF_DEFAULT, confDir, confKey, keyToPath } from './key.js';
import type { ResolvedProfile } from './resolve.js';

/** Default root of the sysctl files. */
export const DEFAULT_PROC_SYS = '/proc/sys';

/** Where the sysctl files are. */
export interface ProcOptions {
  /** Default {@link DEFAULT_PROC_SYS}. */
  readonly root?: string;
}

/** SysctlError: the kernel refused to read or write a sysctl (other than for lack of permission). */
export class SysctlError extends LbfwError {
  readonly key: string;
  readonly value?: string;
  /** The errno name, e.g. `EINVAL`. */
  readonly errno?: string;
  /** Writes that had already been made when a write of `applySysctls` failed. */
  readonly applied: readonly { readonly key: string; readonly value: string }[];

  constructor(
    message: string,
    key: string,
    details: { value?: string; errno?: string; cause?: unknown; applied?: readonly { key: string; value: string }[] } = {},
  ) {
    super('SYSCTL_FAILED', message, details.cause === undefined ? undefined : { cause: details.cause });
    this.key = key;
    if (details.value !== undefined) this.value = details.value;
    if (details.errno !== undefined) this.errno = details.errno;
    this.applied = details.applied ?? [];
  }
}

function fileOf(key: string, options: ProcOptions): string {
  return path.join(options.root ?? DEFAULT_PROC_SYS, keyToPath(key));
}

/**
 * sysctlIoError turns a failed read or write into a typed error: no
 * permission (not root, or /proc/sys mounted read-only as in many
 * containers) is a {@link PermissionError}; anything else a {@link SysctlError}.
 */
export function sysctlIoError(error: unknown, key: string, file: string, value?: string): LbfwError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  const action = value === undefined ? `read ${file}` : `write ${value} to ${file}`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const why = code === 'EROFS' ? '/proc/sys is mounted read-only here' : 'lbfw needs root (CAP_NET_ADMIN in this network namespace)';
    return new PermissionError(`cannot ${action} (${code}): ${why}`);
  }
  if (code === 'EINVAL' && value !== undefined) {
    return new SysctlError(`the kernel refused ${key}=${value} (EINVAL): the value is out of range for this key`, key, { value, errno: code, cause: error });
  }
  return new SysctlError(`cannot ${action} (${code})`, key, { ...(value === undefined ? {} : { value }), errno: code, cause: error });
}

/**
 * readSysctl reads one key; undefined when the file does not exist. Trailing white space is removed.
 * Synchronously: a /proc/sys read never waits, and an apply reads a key a few
 * times, each of which cost four thread-pool trips asynchronously.
 */
export async function readSysctl(key: string, options: ProcOptions = {}): Promise<string | undefined> {
  const file = fileOf(key, options);
  try {
    return readFileSync(file, 'utf8').trimEnd();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw sysctlIoError(error, key, file);
  }
}

/** readKeys reads several keys. */
export async function readKeys(keys: Iterable<string>, options: ProcOptions = {}): Promise<Map<string, string | undefined>> {
  const unique = [...new Set(keys)];
  const values = await Promise.all(unique.map((key) => readSysctl(key, options)));
  return new Map(unique.map((key, i) => [key, values[i]]));
}

/**
 * writeSysctl writes one key the way `echo VALUE > FILE` does, except that
 * it never creates a file: a key that does not exist is an error.
 */
export async function writeSysctl(key: string, value: string, options: ProcOptions = {}): Promise<void> {
  const file = fileOf(key, options);
  try {
    const handle = await open(file, constants.O_WRONLY | constants.O_TRUNC);
    try {
      await handle.write(`${value}\n`);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw sysctlIoError(error, key, file, value);
  }
}

/** listInterfaces lists the interfaces under net/ipvX/conf (without `all` and `default`), sorted. */
export async function listInterfaces(family: Family, options: ProcOptions = {}): Promise<string[]> {
  try {
    const entries = await readdir(path.join(options.root ?? DEFAULT_PROC_SYS, confDir(family)));
    return entries.filter((name) => name !== CONF_ALL && name !== CONF_DEFAULT).sort();
  } catch {
    return [];
  }
}

/**
 * readSysctls reads everything judging and planning the profile needs: each
 * setting's key, the `all` side it combines with, and, for those keys, the
 * value on every other interface (so that a plan lowering `all` can keep the
 * other interfaces' effective values).
 */
export async function readSysctls(resolved: Pick<ResolvedProfile, 'settings'>, options: ProcOptions = {}): Promise<Readings> {
  const keys = new Set<string>();
  const interfaces = new Map<Family, Promise<string[]>>();
  const interfacesOf = (family: Family) => {
    let listed = interfaces.get(family);
    if (listed === undefined) {
      listed = listInterfaces(family, options);
      interfaces.set(family, listed);
    }
    return listed;
  };
  for (const setting of resolved.settings) {
    for (const key of relatedKeys(setting)) keys.add(key);
    const conf = setting.conf;
    if (conf === undefined || !combinesWithAll(setting)) continue;
    for (const iface of await interfacesOf(conf.family)) {
      keys.add(confKey(conf.family, iface, conf.name));
      if (conf.rule === 'redirects') keys.add(confKey(conf.family, iface, 'forwarding'));
    }
  }
  return readKeys(keys, options);
}
