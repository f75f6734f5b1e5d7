/**
 * `lbfw uninstall`: everything lbfw left on a host, listed, then removed:
 * its nftables tables (lbfw and the ban table), the VIPs its record says it
 * put on lo, /etc/sysctl.d/90-lbfw.conf, its systemd units and their enable
 * links, and its state directory. The operator's own files (/etc/lbfw) stay.
 * Kernel values lbfw wrote stay until reboot: nothing records what the host
 * had before lbfw's first apply once its state is gone.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { deleteInetTable, listInetTables } from '../nft/inet-tables.js';
import { assertNetAdmin } from '../nft/privilege.js';
import { readJsonFile } from '../state/json-file.js';
import { statePaths } from '../state/paths.js';
import { DEFAULT_PERSIST_NAME, parseSysctlConf } from '../sysctl/persist.js';
import { runOk } from '../system/run.js';
import { findInstalledUnits, systemdRunning } from '../units/install.js';
import { readLinks } from '../vip/addresses.js';

/** The tables lbfw and `lbfw overlimit` load. */
export const LBFW_TABLES = ['lbfw', 'lbfw_ban'] as const;

/** UninstallItem: one thing lbfw left, and how it goes. */
export type UninstallItem =
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'vip'; readonly address: string; readonly prefix: number }
  | { readonly kind: 'unit-link' | 'unit' | 'sysctl-file'; readonly file: string }
  | { readonly kind: 'state'; readonly dir: string };

/** UninstallPlan: what would be removed, and what stays. */
export interface UninstallPlan {
  readonly items: readonly UninstallItem[];
  /** `key = value` lbfw set that the kernel keeps until reboot (from its sysctl.d file). */
  readonly staysUntilReboot: readonly string[];
  /** What uninstall leaves on purpose: the operator's own config. */
  readonly kept: readonly string[];
}

/** UninstallOptions: where lbfw's files are. */
export interface UninstallOptions {
  /** Prefix of /etc (sysctl.d, systemd units, /etc/lbfw); `$LBFW_ROOT` or `/`. */
  readonly root?: string;
  readonly stateDir?: string;
  readonly env?: Record<string, string | undefined>;
}

function rootOf(options: UninstallOptions): string {
  const env = options.env ?? process.env;
  return path.resolve(options.root ?? (env['LBFW_ROOT'] === '' ? undefined : env['LBFW_ROOT']) ?? '/');
}

/** describeItem: one line for an item, as the operator would undo it by hand. */
export function describeItem(item: UninstallItem): string {
  switch (item.kind) {
    case 'table':
      return `nftables table inet ${item.table}`;
    case 'vip':
      return `VIP ${item.address}/${item.prefix} on lo (lbfw added it)`;
    case 'sysctl-file':
      return `kernel settings file ${item.file}`;
    case 'unit':
      return `systemd unit ${item.file}`;
    case 'unit-link':
      return `systemd enable link ${item.file}`;
    case 'state':
      return `state directory ${item.dir} (backups, records, lock)`;
  }
}

/** planUninstall lists what lbfw left on this host (this network namespace, under this root). Changes nothing. */
export async function planUninstall(options: UninstallOptions = {}): Promise<UninstallPlan> {
  const root = rootOf(options);
  const state = statePaths(options.stateDir, options.env ?? process.env);
  const items: UninstallItem[] = [];
  const tables = await listInetTables();
  for (const table of LBFW_TABLES) if (tables.includes(table)) items.push({ kind: 'table', table });
  const record = await readJsonFile(path.join(state.dir, 'vips.json'), 'remove it: lbfw then forgets which VIPs it added to lo');
  const added = new Set(Array.isArray(record) ? record.filter((x): x is string => typeof x === 'string') : []);
  const lo = (await readLinks()).find((l) => l.loopback);
  for (const address of lo?.addresses ?? []) if (added.has(address.address)) items.push({ kind: 'vip', address: address.address, prefix: address.prefix });
  const sysctlFile = path.join(root, 'etc/sysctl.d', DEFAULT_PERSIST_NAME);
  let staysUntilReboot: string[] = [];
  if (existsSync(sysctlFile)) {
    items.push({ kind: 'sysctl-file', file: sysctlFile });
    const entries = parseSysctlConf(await fs.readFile(sysctlFile, 'utf8'), sysctlFile);
    staysUntilReboot = entries.map((e) => `${e.key} = ${e.value}`);
  }
  const units = await findInstalledUnits(root);
  for (const file of units.links) items.push({ kind: 'unit-link', file });
  for (const file of units.files) items.push({ kind: 'unit', file });
  if (existsSync(state.dir)) items.push({ kind: 'state', dir: state.dir });
  const kept = [path.join(root, 'etc/lbfw')].filter((p) => existsSync(p));
  return { items, staysUntilReboot, kept };
}

/** UninstallResult: what was removed, and whether systemd was told. */
export interface UninstallResult extends UninstallPlan {
  readonly removed: readonly UninstallItem[];
  readonly daemonReloaded: boolean;
}

/**
 * runUninstall removes every item of the plan: the units first (so nothing
 * re-applies lbfw while it goes), then the VIPs and tables, then the files.
 */
export async function runUninstall(plan: UninstallPlan, options: UninstallOptions = {}): Promise<UninstallResult> {
  if (plan.items.some((i) => i.kind === 'table' || i.kind === 'vip')) assertNetAdmin('uninstall');
  const order: UninstallItem['kind'][] = ['unit-link', 'unit', 'vip', 'table', 'sysctl-file', 'state'];
  const removed: UninstallItem[] = [];
  for (const kind of order) {
    for (const item of plan.items.filter((i) => i.kind === kind)) {
      switch (item.kind) {
        case 'table':
          await deleteInetTable(item.table);
          break;
        case 'vip':
          await runOk(['ip', 'addr', 'del', `${item.address}/${item.prefix}`, 'dev', 'lo']);
          break;
        case 'state':
          await fs.rm(item.dir, { recursive: true, force: true });
          break;
        default:
          await fs.rm(item.file, { force: true });
      }
      removed.push(item);
    }
  }
  const live = options.root === undefined && rootOf(options) === '/' && plan.items.some((i) => i.kind === 'unit') && systemdRunning();
  if (live) await runOk(['systemctl', 'daemon-reload']);
  return { ...plan, removed, daemonReloaded: live };
}
