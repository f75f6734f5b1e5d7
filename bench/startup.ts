/**
 * Start-up: the boot-time `lbfw apply` of a small config (10 services, 100
 * blacklist entries) against `node -e 0`, both run RUNS times in the same
 * namespace in this run; medians, and their ratio (goal: at most 2x). A boot
 * is a fresh kernel (no table, default sysctls) with lbfw's files kept from
 * before (state directory, sysctl.d file): each boot row runs in a new
 * namespace, made and removed outside the timing. A re-run of apply on the
 * running firewall (a replace) has a row of its own. Also
 * `lbfw verify` of the same config (the timers' and operators' check), and
 * `lbfw overlimit --dry-run` of an empty saved table: its start-up is part of
 * every overlimit run (issue 8 compares overlimit with mawk).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { Netns } from '../src/lab/netns.js';

const LBFW = fileURLToPath(new URL('../../bin/lbfw', import.meta.url));
const RUNS = Number(process.env['BENCH_RUNS'] ?? 7);

async function seconds(ns: Netns, argv: readonly string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await ns.exec(argv);
  if (result.code !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr.slice(0, 500)}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-bench-start-'));
  const ns = await Netns.create('lbfw-bench-start');
  try {
    const blacklist = path.join(dir, 'static_blacklist');
    await writeFile(blacklist, `${Array.from({ length: 100 }, (_, i) => `203.0.113.${i + 1}`).join('\n')}\n`);
    const services = Array.from({ length: 10 }, (_, i) => `"192.0.2.${10 + i}:80/tcp"`).join(', ');
    const config = path.join(dir, 'lbfw.yaml');
    await writeFile(config, `role: director\nservices: [${services}]\nmanagement:\n  sources: [198.51.100.0/24]\nblacklist: ${blacklist}\n`);
    const apply = [process.execPath, LBFW, 'apply', '--config', config, '--state-dir', path.join(dir, 'state'), '--root', path.join(dir, 'root')];
    const verify = [process.execPath, LBFW, 'verify', '--config', config, '--state-dir', path.join(dir, 'state'), '--root', path.join(dir, 'root')];
    const emptyTable = path.join(dir, 'ip_vs_conn');
    await writeFile(emptyTable, '');
    const overlimit = [process.execPath, LBFW, 'overlimit', '--dry-run', '--conn-file', emptyTable, '--config', config, '--state-dir', path.join(dir, 'state')];
    const node: number[] = [];
    const lbfw: number[] = [];
    const again: number[] = [];
    const over: number[] = [];
    const ver: number[] = [];
    // The state directory and sysctl.d file of an earlier boot.
    await seconds(ns, apply);
    // Interleaved, so a load spike of the machine hits all alike.
    for (let i = 0; i < RUNS; i++) {
      const boot = await Netns.create('lbfw-bench-boot');
      try {
        node.push(await seconds(boot, [process.execPath, '-e', '0']));
        lbfw.push(await seconds(boot, apply));
      } finally {
        await boot.delete();
      }
      again.push(await seconds(ns, apply));
      over.push(await seconds(ns, overlimit));
      // After an apply: verify checks the table that apply loaded.
      ver.push(await seconds(ns, verify));
    }
    const base = median(node);
    const own = median(lbfw);
    const againOwn = median(again);
    const overOwn = median(over);
    const verOwn = median(ver);
    console.log(`start-up, median of ${RUNS} runs each, interleaved (LBFW_BACKEND=${process.env['LBFW_BACKEND'] ?? 'auto'}); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`${'node -e 0 (baseline)'.padEnd(44)} ${base.toFixed(3).padStart(7)} s  1.00x`);
    console.log(`${'lbfw apply at boot (10 services, 100 entries)'.padEnd(44)} ${own.toFixed(3).padStart(7)} s  ${(own / base).toFixed(2)}x  target <= 2x ${own <= 2 * base ? 'met' : 'NOT met'}`);
    console.log(`${'lbfw apply again (replacing its own table)'.padEnd(44)} ${againOwn.toFixed(3).padStart(7)} s  ${(againOwn / base).toFixed(2)}x`);
    console.log(`${'lbfw verify (same config)'.padEnd(44)} ${verOwn.toFixed(3).padStart(7)} s  ${(verOwn / base).toFixed(2)}x`);
    console.log(`${'lbfw overlimit --dry-run (empty table)'.padEnd(44)} ${overOwn.toFixed(3).padStart(7)} s  ${(overOwn / base).toFixed(2)}x`);
  } finally {
    await ns.delete();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
