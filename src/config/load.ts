/**
 * loadConfig finds the host config, reads it, and lays the quick flags over
 * it. This is the only file of `src/config` that touches the file system.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, InputFileError, UsageError } from '../errors.js';
import { readInputFile, shortReason } from '../system/input-file.js';

/** Largest config accepted: far above any real one. */
const CONFIG_MAX_BYTES = 4 * 1024 * 1024;
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, DEFAULT_KEEPALIVED_PATH, type HostConfig } from './model.js';
import type { KeepalivedNote } from '../keepalived/to-host.js';
import type { KeepalivedModel } from '../keepalived/model.js';
import { type QuickFlags, buildQuickConfig, mergeFlags } from './quick.js';

/** LoadOptions says where to look for the config and which flags to lay over it. */
export interface LoadOptions {
  /** `--config FILE`: must exist. */
  readonly configPath?: string | undefined;
  /** Environment to read `LBFW_CONFIG` from; `process.env` when absent. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Quick flags: the whole config when no file is found, else laid over the file. */
  readonly flags?: QuickFlags | undefined;
  /** The file used when neither `configPath` nor `LBFW_CONFIG` is set; {@link DEFAULT_CONFIG_PATH} when absent. */
  readonly defaultPath?: string | undefined;
  /** `--keepalived FILE`: must exist; wins over `keepalived:` in the config. */
  readonly keepalivedPath?: string | undefined;
  /** keepalived.conf read when nothing names one and it exists; {@link DEFAULT_KEEPALIVED_PATH} when absent. */
  readonly defaultKeepalivedPath?: string | undefined;
  /** `--keepalived-id ID`: keepalived's config id for `@ID` lines (keepalived -i); absent: the host name up to its first dot. */
  readonly keepalivedId?: string | undefined;
}

/** LoadedConfig: the host config and what reading keepalived.conf had to say. */
export interface LoadedConfig {
  readonly config: HostConfig;
  /** Services keepalived.conf defines that lbfw cannot express (fwmark, no port, ...). */
  readonly notes: readonly KeepalivedNote[];
}

/** Message of the {@link UsageError} thrown when nothing describes the host. */
export const NO_CONFIG_MESSAGE =
  'no config: pass --config FILE, set LBFW_CONFIG, create /etc/lbfw/lbfw.yaml, or use --role/--vip/...';

/**
 * loadConfig resolves the config in this order: `configPath` (`--config`),
 * then `env.LBFW_CONFIG`, then the default path if that file exists. A file
 * named by the first two must exist; the default may be missing, and then
 * `flags.role` builds the config from flags alone. With no file and no role
 * it throws {@link UsageError}; a file that is missing, unreadable or wrong
 * throws {@link ConfigError}.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<HostConfig> {
  return (await loadConfigWithNotes(options)).config;
}

/**
 * loadConfigWithNotes is {@link loadConfig} that also returns the notes of
 * keepalived.conf. keepalived.conf is read from `--keepalived`, else the
 * config's `keepalived:`, else keepalived's default path when it exists; its
 * VIP services, real servers, peers and VIP interface join the explicit ones
 * (explicit settings win).
 */
export async function loadConfigWithNotes(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const named = nonEmpty(options.configPath) ?? nonEmpty(env['LBFW_CONFIG']);
  const file = path.resolve(named ?? options.defaultPath ?? DEFAULT_CONFIG_PATH);
  const text = await readConfigText(file, named !== undefined);
  let config: HostConfig;
  let model: KeepalivedModel | undefined;
  if (text === undefined) {
    let role = flags.role;
    if (role === undefined) {
      // Only keepalived.conf describes the host: a file that runs VRRP or
      // virtual servers is a director's; anything else cannot tell the role.
      const keepalived = keepalivedToRead(options, undefined);
      if (keepalived === undefined) throw new UsageError(NO_CONFIG_MESSAGE);
      const id = nonEmpty(options.keepalivedId);
      const { readKeepalived } = await import('../keepalived/include.js');
      model = await readKeepalived(keepalived, { ...(id === undefined ? {} : { configId: id }), env });
      if (model.vrrpInstances.length === 0 && model.virtualServers.length === 0) {
        throw new UsageError(`${keepalived} has no vrrp_instance or virtual_server, so lbfw cannot tell this host's role: pass --role director|realserver or write /etc/lbfw/lbfw.yaml`);
      }
      role = 'director';
    }
    config = buildQuickConfig({ ...flags, role });
  } else {
    // Loaded on use: with flags alone no YAML is read.
    const { parseConfig } = await import('./parse.js');
    config = mergeFlags(parseConfig(text, file), flags);
  }
  const keepalived = keepalivedToRead(options, config);
  if (keepalived === undefined) return { config, notes: [] };
  // The keepalived reader and its merge are loaded only when there is a keepalived.conf to read.
  const [{ readKeepalived }, { keepalivedItems, mergeKeepalived }] = await Promise.all([
    import('../keepalived/include.js'),
    import('../keepalived/to-host.js'),
  ]);
  const id = nonEmpty(options.keepalivedId);
  const readOptions = { ...(id === undefined ? {} : { configId: id }), env };
  const derived = keepalivedItems(model ?? (await readKeepalived(keepalived, readOptions)));
  return { config: { ...mergeKeepalived(config, derived), keepalivedPath: keepalived, ...(id === undefined ? {} : { keepalivedId: id }) }, notes: derived.notes };
}

function keepalivedToRead(options: LoadOptions, config: HostConfig | undefined): string | undefined {
  const named = nonEmpty(options.keepalivedPath);
  if (named !== undefined) return path.resolve(named);
  if (config?.keepalivedPath !== undefined) return config.keepalivedPath;
  const fallback = options.defaultKeepalivedPath ?? DEFAULT_KEEPALIVED_PATH;
  return existsSync(fallback) ? fallback : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/** readConfigText reads the file; undefined only when an optional (default) file does not exist. */
async function readConfigText(file: string, required: boolean): Promise<string | undefined> {
  try {
    // Bounded and FIFO-safe, like every input.
    return await readInputFile(file, { what: 'config', maxBytes: CONFIG_MAX_BYTES });
  } catch (error) {
    if (!required && error instanceof InputFileError && error.reason === 'missing') return undefined;
    const reason = shortReason(error);
    throw new ConfigError([{ file, line: 0, message: `cannot read the config: ${reason}` }]);
  }
}
