/**
 * Facts about the installed lbfw package itself: where it lives, its version
 * and the path of its launcher, read from its own package.json (so an
 * installed copy names itself, wherever npm put it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packageRoot: the directory holding lbfw's package.json (this file is dist/src/package-info.js). */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

let cached: { readonly version: string } | undefined;

/** packageVersion: the `version` of lbfw's package.json. */
export function packageVersion(): string {
  if (cached === undefined) {
    const data = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    cached = { version: typeof data.version === 'string' ? data.version : '0.0.0' };
  }
  return cached.version;
}

/** launcherPath: the `bin/lbfw` script of this package (what systemd units run with node). */
export function launcherPath(): string {
  return path.join(packageRoot(), 'bin', 'lbfw');
}
