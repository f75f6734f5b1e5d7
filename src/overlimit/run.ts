/**
 * `lbfw overlimit` as a library call: one streamed pass over the connection
 * table, the offenders, the ban plan, and (unless dry-run) the bans put into
 * `inet lbfw_ban` in one transaction. Returns data; never prints.
 */
import path from 'node:path';
import os from 'node:os';
import type { HostConfig } from '../config/model.js';
import { UsageError } from '../errors.js';
import { banTableSpec, overlimitSettings } from '../ban/spec.js';
import { fillAlarms, type FillAlarm } from '../ban/fill.js';
import type { BanBackend, BanCounter, ListedBan, SetFill } from '../nft/ban-backend.js';
import { assertNetAdmin, hasNetAdmin } from '../nft/privilege.js';
import { readJsonFile, writeJsonFile } from '../state/json-file.js';
import { withLock } from '../state/lock.js';
import { statePaths } from '../state/paths.js';
import { writeMetricsFile } from '../metrics/textfile.js';
import { scanConnTable, type ConnScanStats } from './conn-table.js';
import { ConnCounter, type ConnCounts } from './count.js';
import { ConnTableTooSlowError } from './errors.js';
import { exemptRanges, type HostSurroundings } from './exempt.js';
import { readSurroundings } from './host.js';
import { overlimitMetrics } from './metrics.js';
import { findOffenders, planBans, type BanPlan, type OffenceHistory, type Offender } from './plan.js';
import { nativeScanner, type ScannerName } from './native-count.js';
import { kernelReadsQuadratically, kernelTable, openConnSource } from './source.js';

/** OverlimitOptions: where to read, whether to change anything, and the seams tests replace. */
export interface OverlimitOptions {
  /** A saved table, or `-` for standard input. Default: the kernel's table. */
  readonly connFile?: string;
  /** Standard input, for `connFile: '-'`. */
  readonly stdin?: AsyncIterable<Uint8Array>;
  /** Count and plan only: no ban is written, no state file changes. */
  readonly dryRun?: boolean;
  readonly banBackend?: BanBackend;
  readonly stateDir?: string;
  readonly env?: Record<string, string | undefined>;
  readonly now?: Date;
  /** The host's links and gateways (default: read with `ip`). */
  readonly surroundings?: HostSurroundings;
  /** `uname -r` (default: this kernel's). */
  readonly kernel?: string;
  /**
   * Whether the source is the kernel's own table, read as the kernel reads
   * it (the old-kernel guard applies). Default: whether it is under /proc; a
   * saved table or a pipe is read in linear time on any kernel.
   */
  readonly kernelTable?: boolean;
  /** Prometheus textfile to write (default: overlimit.metrics_file). */
  readonly metricsFile?: string;
  /** Seconds to wait for another overlimit run's lock (default 30). */
  readonly waitSeconds?: number;
}

/** OverlimitResult: what one run read, found and did. */
export interface OverlimitResult {
  readonly source: string;
  readonly dryRun: boolean;
  readonly stats: ConnScanStats;
  readonly counts: ConnCounts;
  /** Wall time of the scan (read + count). */
  readonly scanSeconds: number;
  /** Which scanner counted the plain IPv4 rows: `native` (the addon's C) or `js`; every other row is read in TypeScript either way. */
  readonly scanner: ScannerName;
  /** Why the `js` scanner ran (the addon's reason), when it did. */
  readonly scannerNote?: string;
  readonly offenders: readonly Offender[];
  readonly plan: BanPlan;
  /** True when the planned bans were written. */
  readonly applied: boolean;
  /** Whether the ban table exists (after the run). */
  readonly tablePresent: boolean;
  readonly activeBans: number;
  readonly fill: readonly SetFill[];
  readonly alarms: readonly FillAlarm[];
  readonly counters: readonly BanCounter[];
  readonly warnings: readonly string[];
  readonly metricsFile?: string;
}

/** Rows past which an old kernel's quadratic read is worth a warning. */
const OLD_KERNEL_WARN_ROWS = 50_000;

function historyFile(stateDir: string): string {
  return path.join(stateDir, 'overlimit-history.json');
}

function asHistory(data: unknown): OffenceHistory {
  if (data === null || typeof data !== 'object') return {};
  const out: Record<string, { offences: number; last: string }> = {};
  for (const [client, entry] of Object.entries(data as Record<string, unknown>)) {
    const e = entry as { offences?: unknown; last?: unknown } | null;
    if (typeof e?.offences === 'number' && typeof e.last === 'string' && !Number.isNaN(Date.parse(e.last))) out[client] = { offences: e.offences, last: e.last };
  }
  return out;
}

/** Settled: a promise started early, its result (or error) given when it is needed. */
interface Settled<T> {
  readonly value: () => Promise<T>;
}

/** settle starts watching `promise` so that its failure does not go unhandled while the scan runs. */
function settle<T>(promise: Promise<T>): Settled<T> {
  const outcome = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return {
    value: async () => {
      const o = await outcome;
      if (o.ok) return o.value;
      throw o.error;
    },
  };
}

/** A dry run without offenders needs no exemptions. */
const NO_SURROUNDINGS: HostSurroundings = { links: [], gateways: [] };

/** A read this big means a table whose scan takes long enough to hide the `ip` child. */
const BIG_PIECE = 256 * 1024;

/** Passes `chunks` on, calling `start` at the first piece that shows the table is big. */
async function* readingHostWhenBig(chunks: AsyncIterable<Uint8Array>, start: () => unknown): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    if (chunk.length >= BIG_PIECE) start();
    yield chunk;
  }
}

/** runOverlimit scans the table and bans the offenders (see the module doc). */
export async function runOverlimit(config: HostConfig, options: OverlimitOptions = {}): Promise<OverlimitResult> {
  const settings = overlimitSettings(config);
  const env = options.env ?? process.env;
  const dryRun = options.dryRun === true;
  if (!dryRun) assertNetAdmin('overlimit');
  const file = options.connFile ?? (await kernelTable());
  if (file === undefined) {
    throw new UsageError('IPVS is not loaded here (no /proc/net/ip_vs_conn): give a saved table with --conn-file FILE (or - for standard input)');
  }
  const source = await openConnSource(file, options.stdin, undefined, env);
  const kernel = options.kernel ?? os.release();
  const slowKernel = (options.kernelTable ?? source.kernel) && kernelReadsQuadratically(kernel);
  const warnings: string[] = [];

  // What the scan does not need is read while it runs: whether the ban table
  // exists, for a dry run (netlink when the binding loads and lbfw may use it:
  // no `nft` child; nft lists only when it does), and the host's links and
  // gateways (an `ip` child), which only offenders and the ban table need: a
  // dry run starts that child once the table shows it is big (a piece that
  // fills a read: the scan then hides the child's time) or offenders are
  // found, so a small clean table never starts it.
  const backend = options.banBackend ?? (await import('../nft/ban-select.js')).banBackend({ env });
  const present = settle(dryRun && hasNetAdmin() ? backend.tableExists() : Promise.resolve(false));
  let host: Settled<HostSurroundings> | undefined;
  const readHost = (): Settled<HostSurroundings> => (host ??= settle(options.surroundings === undefined ? readSurroundings() : Promise.resolve(options.surroundings)));
  if (!dryRun) readHost();

  const counter = new ConnCounter(settings);
  const started = process.hrtime.bigint();
  const limit = settings.maxRowsOldKernel;
  const native = nativeScanner(counter, env);
  let stats: ConnScanStats;
  try {
    stats = await scanConnTable(readingHostWhenBig(source.chunks, readHost), source.name, (row) => counter.add(row), {
      ...('sink' in native ? { plainRows: native.sink } : { onRows4: (batch) => counter.addRows4(batch) }),
      ...(slowKernel ? { rowLimit: { rows: limit, error: (rows: number) => new ConnTableTooSlowError(rows, kernel, limit) } } : {}),
    });
  } catch (error) {
    // The early work is still waited for: no child left running.
    await Promise.allSettled([present.value(), host?.value()]);
    throw error;
  }
  const scanSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (slowKernel && stats.rows > OLD_KERNEL_WARN_ROWS) {
    warnings.push(`kernel ${kernel} reads /proc/net/ip_vs_conn in quadratic time (fixed in 6.14): ${stats.rows} rows took ${scanSeconds.toFixed(1)} s`);
  }
  if (stats.truncatedLastLine) warnings.push(`${source.name}: the last line was cut off and is not counted`);

  const offenders = findOffenders(counter, settings);
  const surroundings = offenders.length > 0 || host !== undefined ? await readHost().value() : NO_SURROUNDINGS;
  const tableThere = await present.value();
  // Exemptions matter for offenders and the ban table only.
  const exempt = offenders.length > 0 || !dryRun ? exemptRanges(config, env, surroundings) : [];
  const stateDir = statePaths(options.stateDir, env).dir;
  const now = options.now ?? new Date();

  const decide = async (): Promise<{ plan: BanPlan; applied: boolean; active: ListedBan[] }> => {
    const history = asHistory(await readJsonFile(historyFile(stateDir), 'remove it: it only holds the offence counts for escalation'));
    if (dryRun) {
      const active = tableThere ? await backend.list() : [];
      return { plan: planBans({ offenders, exempt, active, history, now, settings }), applied: false, active };
    }
    await backend.ensure(banTableSpec(config, exempt));
    const active = await backend.list();
    const plan = planBans({ offenders, exempt, active, history, now, settings });
    await backend.put(plan.actions.map((a) => ({ set: a.set, address: a.address, timeoutSeconds: a.timeoutSeconds, comment: a.comment })));
    await writeJsonFile(historyFile(stateDir), plan.history);
    return { plan, applied: true, active };
  };
  const { plan, applied } = dryRun
    ? await decide()
    : await withLock(path.join(stateDir, 'overlimit.lock'), { waitSeconds: options.waitSeconds ?? 30, purpose: 'overlimit' }, decide);

  const tablePresent = dryRun ? tableThere : await backend.tableExists();
  const [fill, counters, listed] = tablePresent ? await Promise.all([backend.fill(), backend.counters(), backend.list()]) : [[], [], []];
  const alarms = fillAlarms(fill);
  const result: OverlimitResult = {
    source: source.name,
    dryRun,
    stats,
    counts: counter.summary(),
    scanSeconds,
    scanner: 'sink' in native ? 'native' : 'js',
    ...('why' in native ? { scannerNote: native.why } : {}),
    offenders,
    plan,
    applied,
    tablePresent,
    activeBans: listed.length,
    fill,
    alarms,
    counters,
    warnings,
  };
  const metricsFile = options.metricsFile ?? settings.metricsFile;
  if (metricsFile === undefined || dryRun) return result;
  await writeMetricsFile(metricsFile, overlimitMetrics(result));
  return { ...result, metricsFile };
}
