/**
 * Helpers for system tests: real kernel, real nft, each test in network
 * namespaces it creates and removes, even when it fails.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Netns } from '../../src/lab/netns.js';
import { run, type RunResult } from '../../src/system/run.js';
import { systemNft } from '../../src/nft/cli-backend.js';

/** The system's nft (never an npm package's bin of the same name). */
export const NFT = systemNft();

/** Path of the lbfw launcher. */
export const LBFW = fileURLToPath(new URL('../../../bin/lbfw', import.meta.url));

async function probeNamespaces(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    const ns = await Netns.create('lbfw-t-probe');
    const nft = await ns.exec([NFT, 'list', 'ruleset']);
    await ns.delete();
    return nft.code === 0 ? undefined : `nft does not work in a namespace: ${nft.stderr.trim()}`;
  } catch (error) {
    return `cannot create a network namespace: ${(error as Error).message}`;
  }
}

/**
 * The backend the CLI uses in this run: netlink by default (auto, the
 * binding built by npm ci), nft when the run sets LBFW_BACKEND=nft (npm test
 * runs the firewall's key system tests a second time that way).
 */
export const BACKEND_UNDER_TEST: 'nft' | 'netlink' = process.env['LBFW_BACKEND'] === 'nft' ? 'nft' : 'netlink';
/** A run with LBFW_BACKEND set says so in every title, so the two runs' results read apart. */
const TITLE_SUFFIX = process.env['LBFW_BACKEND'] === undefined || process.env['LBFW_BACKEND'] === '' ? '' : ` [${process.env['LBFW_BACKEND']}]`;

const unavailable = await probeNamespaces();
const required = process.env['LBFW_REQUIRE_SYSTEM_TESTS'] === '1';

/**
 * systemTest declares a test that needs namespaces. Without them it is
 * skipped on a developer machine, and FAILS where LBFW_REQUIRE_SYSTEM_TESTS=1
 * (CI), so a broken CI machine can never pass by skipping.
 */
export function systemTest(name: string, fn: (t: ExecutionContext) => Promise<void>): void {
  const title = `${name}${TITLE_SUFFIX}`;
  if (unavailable === undefined) test(title, fn);
  else if (required) test(title, (t) => t.fail(`system test required but ${unavailable}`));
  else test.skip(`${title} (skipped: ${unavailable})`, () => undefined);
}

/** serialSystemTest is systemTest for tests that must not run beside others in the file. */
export function serialSystemTest(name: string, fn: (t: ExecutionContext) => Promise<void>): void {
  if (unavailable === undefined) test.serial(`${name}${TITLE_SUFFIX}`, fn);
  else systemTest(name, fn);
}

/** withNamespace runs `fn` with a fresh namespace and always removes it. */
export async function withNamespace<T>(fn: (ns: Netns) => Promise<T>): Promise<T> {
  const ns = await Netns.create('lbfw-t');
  try {
    return await fn(ns);
  } finally {
    await ns.delete();
  }
}

/** withTempDir runs `fn` with a fresh temporary directory and always removes it. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-t-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * ROOT stands in for `/` of every lbfw run of a test file: `lbfw apply`
 * persists sysctls under ROOT/etc/sysctl.d, never the host's /etc.
 */
export const ROOT = mkdtempSync(path.join(tmpdir(), 'lbfw-t-root-'));
test.after.always(() => rmSync(ROOT, { recursive: true, force: true }));

/** lbfwIn runs the real CLI inside `ns` (with LBFW_ROOT=ROOT unless given), with extra environment variables. */
export function lbfwIn(ns: Netns, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const assignments = Object.entries({ LBFW_ROOT: ROOT, ...env }).map(([k, v]) => `${k}=${v}`);
  return run(['ip', 'netns', 'exec', ns.name, 'env', ...assignments, process.execPath, LBFW, ...args]);
}

/** listRuleset returns `nft list ruleset` inside `ns`. */
export async function listRuleset(ns: Netns): Promise<string> {
  return ns.ok([NFT, 'list', 'ruleset']);
}

/** listTable returns lbfw's table listing inside `ns`, or '' when absent. */
export async function listTable(ns: Netns): Promise<string> {
  const result = await ns.exec([NFT, 'list', 'table', 'inet', 'lbfw']);
  return result.code === 0 ? result.stdout : '';
}
