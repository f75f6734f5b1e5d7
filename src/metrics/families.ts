/**
 * The metric families `lbfw metrics` exports, built from data (pure): set
 * sizes and drop counters of lbfw's tables, verify status per part, doctor
 * findings per severity, the time of the last successful apply.
 */
import type { MetricFamily } from './textfile.js';
import { TABLE_STATS_SOURCE, type TableStats } from '../nft/table-stats.js';

/** MetricsInput: everything the families are built from; a part that could not be read is absent and named in `errors`. */
export interface MetricsInput {
  readonly tables: readonly TableStats[];
  /** Verify result per part (`sysctl`, `vips`, `firewall`): true when it passed. */
  readonly verify?: Readonly<Record<string, boolean>>;
  /** Doctor findings per severity. */
  readonly findings?: Readonly<Record<'error' | 'warning' | 'info', number>>;
  /** When the last `lbfw apply` succeeded. */
  readonly lastApply?: Date;
  /** What could not be read, by source (`verify`, `doctor`, the tables' {@link TABLE_STATS_SOURCE}), with why. */
  readonly errors: Readonly<Record<string, string>>;
}

const SEVERITIES = ['error', 'warning', 'info'] as const;

/** metricFamilies turns the input into Prometheus families (names: `lbfw_`, base units, `_total` on counters). */
export function metricFamilies(input: MetricsInput): MetricFamily[] {
  const families: MetricFamily[] = [
    {
      name: 'lbfw_table_loaded',
      help: 'Whether the nftables table is loaded (1) or not (0).',
      type: 'gauge',
      samples: input.tables.map((t) => ({ labels: { table: t.table }, value: t.present ? 1 : 0 })),
    },
    {
      name: 'lbfw_set_elements',
      help: 'Elements in each set of lbfw\'s tables (blacklist hosts and ranges per family, bans).',
      type: 'gauge',
      samples: input.tables.flatMap((t) => t.sets.map((s) => ({ labels: { table: t.table, set: s.set }, value: s.elements }))),
    },
    {
      name: 'lbfw_dropped_packets_total',
      help: 'Packets dropped by each rule of lbfw\'s tables (rule: lbfw\'s rule id).',
      type: 'counter',
      samples: input.tables.flatMap((t) => t.drops.map((d) => ({ labels: { table: t.table, chain: d.chain, rule: d.rule }, value: d.packets }))),
    },
    {
      name: 'lbfw_dropped_bytes_total',
      help: 'Bytes dropped by each rule of lbfw\'s tables.',
      type: 'counter',
      samples: input.tables.flatMap((t) => t.drops.map((d) => ({ labels: { table: t.table, chain: d.chain, rule: d.rule }, value: d.bytes }))),
    },
  ];
  if (input.verify !== undefined) {
    families.push({
      name: 'lbfw_verify_ok',
      help: 'Whether `lbfw verify` passes for each part (1) or finds drift (0).',
      type: 'gauge',
      samples: Object.entries(input.verify).map(([part, ok]) => ({ labels: { part }, value: ok ? 1 : 0 })),
    });
  }
  if (input.findings !== undefined) {
    const findings = input.findings;
    families.push({
      name: 'lbfw_doctor_findings',
      help: 'Findings of `lbfw doctor` on this host, per severity.',
      type: 'gauge',
      samples: SEVERITIES.map((severity) => ({ labels: { severity }, value: findings[severity] })),
    });
  }
  if (input.lastApply !== undefined) {
    families.push({
      name: 'lbfw_last_apply_timestamp_seconds',
      help: 'When the last `lbfw apply` succeeded, in seconds since the epoch.',
      type: 'gauge',
      samples: [{ value: Math.floor(input.lastApply.getTime() / 1000) }],
    });
  }
  families.push({
    name: 'lbfw_metrics_source_ok',
    help: 'Whether each source of these metrics could be read (1) or not (0; see lbfw metrics on stderr).',
    type: 'gauge',
    samples: [TABLE_STATS_SOURCE, 'verify', 'doctor'].map((source) => ({ labels: { source }, value: input.errors[source] === undefined ? 1 : 0 })),
  });
  return families;
}
