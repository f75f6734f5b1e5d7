/**
 * loadConfig finds the host config, reads it, and lays the quick flags over
 * it. This is the only file of `src/config` that touches the file system.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { DEFAULT_CONFIG_PATH, type HostConfig } from './model.js';
import { parseConfig } from './parse.js';
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
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const named = nonEmpty(options.configPath) ?? nonEmpty(env['LBFW_CONFIG']);
  const file = path.resolve(named ?? options.defaultPath ?? DEFAULT_CONFIG_PATH);
  const text = await readConfigText(file, named !== undefined);
  if (text === undefined) {
    if (flags.role === undefined) throw new UsageError(NO_CONFIG_MESSAGE);
    return buildQuickConfig(flags);
  }
  return mergeFlags(parseConfig(text, file), flags);
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
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return undefined;
    const reason = READ_FAILURES[code ?? ''] ?? (error as Error).message;
    throw new ConfigError([{ file, line: 0, message: `cannot read the config: ${reason}` }]);
  }
}
