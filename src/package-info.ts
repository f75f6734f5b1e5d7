/**
 * Facts about the installed lbfw package itself: where it lives, its version
 * and the path of its launcher, read from its own package.json (so an
 * installed copy names itself, wherever npm put it).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * packageRoot: the directory holding lbfw's package.json, found by walking
 * up from this module: it is dist/src/package-info.js after tsc, and part of
 * dist/bundle/ in the start-up bundle (scripts/bundle.mjs), so the depth is
 * not fixed. Every file lbfw finds by path (profiles, the native binding,
 * helper scripts) is named from here.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'lbfw') return (root = dir);
    if (path.dirname(dir) === dir) return (root = path.resolve(here, '..', '..'));
  }
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
