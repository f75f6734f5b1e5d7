/**
 * Prometheus text exposition format (version 0.0.4) for node_exporter's
 * textfile collector: metrics are data (families of samples) rendered to
 * text, written atomically so the collector never reads half a file. Every
 * lbfw command that exports metrics (metrics, overlimit) renders through here.
 */
import { writeFileAtomic } from '../blacklist/atomic-write.js';

/** MetricType: the `# TYPE` of a family. */
export type MetricType = 'gauge' | 'counter';

/** MetricSample: one line of a family: labels and a value. */
export interface MetricSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * MetricFamily: one metric name with its help text, type and samples. Names
 * follow Prometheus conventions: `lbfw_` prefix, base units in the name
 * (`_seconds`, `_bytes`), `_total` on counters.
 */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined, family: string): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  for (const [key] of entries) {
    if (!LABEL.test(key) || key.startsWith('__')) throw new Error(`metric ${family}: invalid label name ${JSON.stringify(key)}`);
  }
  return `{${entries.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/**
 * renderMetrics renders families as exposition text, one `# HELP`/`# TYPE`
 * pair each. Throws on an invalid metric or label name or a repeated family:
 * those are programming errors, never operator input.
 */
export function renderMetrics(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new Error(`metric ${family.name} rendered twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${family.name}${formatLabels(sample.labels, family.name)} ${formatValue(sample.value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * writeMetricsFile renders `families` into `file` atomically. node_exporter's
 * textfile collector reads only `*.prom` files, so the temporary file it
 * might see mid-write is never read.
 */
export async function writeMetricsFile(file: string, families: readonly MetricFamily[]): Promise<void> {
  await writeFileAtomic(file, renderMetrics(families));
}
