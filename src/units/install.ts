/**
 * Writes lbfw's systemd units under ROOT/etc/systemd/system and enables them
 * the way `systemctl enable` does (a symlink in each `[Install]` target's
 * `.wants/` directory), so the same code serves a live host and a test root.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../blacklist/atomic-write.js';
import { runOk } from '../system/run.js';
import { renderUnits, UNIT_NAMES, type UnitTarget } from './render.js';

/** The unit directory on the host (systemd.unit(5): the administrator's units). */
export const SYSTEM_UNIT_DIR = '/etc/systemd/system';

/** InstallUnitsOptions: where to write, and whether to link them into their targets. */
export interface InstallUnitsOptions {
  /** Prefix of /etc/systemd/system; `/` when absent (then systemd is reloaded when it runs). */
  readonly root?: string;
  /** Link the units into their targets (default true). */
  readonly enable?: boolean;
}

/** InstalledUnit: one unit written, and whether its text changed. */
export interface InstalledUnit {
  readonly name: string;
  readonly file: string;
  readonly changed: boolean;
  /** The `.wants/` links that enable it (empty when not enabled). */
  readonly links: readonly string[];
}

/** InstallUnitsResult: every unit written, and whether systemd was told. */
export interface InstallUnitsResult {
  readonly units: readonly InstalledUnit[];
  readonly daemonReloaded: boolean;
}

/** unitDir: ROOT/etc/systemd/system. */
export function unitDir(root: string | undefined): string {
  return path.join(path.resolve(root ?? '/'), SYSTEM_UNIT_DIR);
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** systemdRunning says whether systemd is the init of this host (sd_booted(3)). */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

/** installUnits writes (and by default enables) lbfw's units for `target`. Idempotent. */
export async function installUnits(target: UnitTarget, options: InstallUnitsOptions = {}): Promise<InstallUnitsResult> {
  const dir = unitDir(options.root);
  await fs.mkdir(dir, { recursive: true });
  const units: InstalledUnit[] = [];
  for (const unit of renderUnits(target)) {
    const file = path.join(dir, unit.name);
    const changed = (await readOptional(file)) !== unit.text;
    if (changed) await writeFileAtomic(file, unit.text);
    await fs.chmod(file, 0o644);
    const links: string[] = [];
    if (options.enable !== false) {
      for (const wanted of unit.wantedBy) {
        const link = path.join(dir, `${wanted}.wants`, unit.name);
        await fs.mkdir(path.dirname(link), { recursive: true });
        await fs.rm(link, { force: true });
        // As systemctl enable writes it: the unit's path on the host itself.
        await fs.symlink(path.join(SYSTEM_UNIT_DIR, unit.name), link);
        links.push(link);
      }
    }
    units.push({ name: unit.name, file, changed, links });
  }
  const live = options.root === undefined && systemdRunning();
  if (live) await runOk(['systemctl', 'daemon-reload']);
  return { units, daemonReloaded: live };
}

/** InstalledUnitFiles: lbfw's unit files and enable links found under a root. */
export interface InstalledUnitFiles {
  readonly files: readonly string[];
  readonly links: readonly string[];
}

/** findInstalledUnits lists lbfw's unit files and every `.wants/`/`.requires/` link to them. */
export async function findInstalledUnits(root: string | undefined): Promise<InstalledUnitFiles> {
  const dir = unitDir(root);
  const names = new Set<string>(UNIT_NAMES);
  const files = UNIT_NAMES.map((name) => path.join(dir, name)).filter((file) => existsSync(file));
  const links: string[] = [];
  let entries: string[] = [];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return { files, links };
  }
  for (const entry of entries.filter((e) => e.endsWith('.wants') || e.endsWith('.requires'))) {
    for (const name of await fs.readdir(path.join(dir, entry)).catch(() => [] as string[])) {
      if (names.has(name)) links.push(path.join(dir, entry, name));
    }
  }
  return { files, links };
}
