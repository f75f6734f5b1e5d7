/**
 * The metrics of one overlimit run, for node_exporter's textfile collector:
 * rows scanned, scan seconds, offenders, bans active, set fill and drops per
 * ban set. Pure: the run writes them with writeMetricsFile.
 */
import type { MetricFamily } from '../metrics/textfile.js';
import { BAN_SETS, dropCounterOf } from '../ban/table.js';
import type { OverlimitResult } from './run.js';

/** overlimitMetrics turns a run's result into metric families. */
export function overlimitMetrics(result: Omit<OverlimitResult, 'metricsFile'>): MetricFamily[] {
  const counter = new Map(result.counters.map((c) => [c.name, c]));
  return [
    { name: 'lbfw_overlimit_rows_scanned', help: 'Rows of the IPVS connection table read by the last run', type: 'gauge', samples: [{ value: result.stats.rows }] },
    { name: 'lbfw_overlimit_scan_seconds', help: 'Wall time of the last scan of the connection table', type: 'gauge', samples: [{ value: result.scanSeconds }] },
    { name: 'lbfw_overlimit_offenders', help: 'Clients over a connection limit in the last run', type: 'gauge', samples: [{ value: result.offenders.length }] },
    { name: 'lbfw_overlimit_bans_placed', help: 'Bans put (new or re-asserted) by the last run', type: 'gauge', samples: [{ value: result.applied ? result.plan.actions.length : 0 }] },
    { name: 'lbfw_ban_active', help: 'Elements in the ban sets of inet lbfw_ban', type: 'gauge', samples: [{ value: result.activeBans }] },
    {
      name: 'lbfw_ban_set_fill_ratio',
      help: 'Elements / size of each sized set of inet lbfw_ban (full means fail-open)',
      type: 'gauge',
      samples: result.fill.map((f) => ({ labels: { set: f.set }, value: f.size > 0 ? f.elements / f.size : 0 })),
    },
    {
      name: 'lbfw_ban_drops_packets_total',
      help: 'Packets dropped by each ban set',
      type: 'counter',
      samples: BAN_SETS.filter((s) => counter.has(dropCounterOf(s))).map((s) => ({ labels: { set: s }, value: counter.get(dropCounterOf(s))?.packets ?? 0 })),
    },
  ];
}
