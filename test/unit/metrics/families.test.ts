/**
 * lbfw metrics' families, rendered and read back by a real exposition-format
 * parser (parse-prometheus-text-format), as node_exporter would read them.
 */
import test from 'ava';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { metricFamilies, type MetricsInput } from '../../../src/metrics/families.js';
import { dropCounters, setSizes } from '../../../src/nft/table-stats.js';
import { renderMetrics } from '../../../src/metrics/textfile.js';

// `nft -j list chain inet lbfw prerouting` as nft 1.0.6 prints it (trimmed).
const CHAIN = [
  { chain: { family: 'inet', table: 'lbfw', name: 'prerouting', handle: 1 } },
  { rule: { chain: 'prerouting', handle: 5, comment: 'blacklist-hosts4', expr: [{ match: {} }, { counter: { packets: 7, bytes: 420 } }, { drop: null }] } },
  { rule: { chain: 'prerouting', handle: 6, comment: 'blacklist-nets6', expr: [{ match: {} }, { counter: { packets: 2, bytes: 160 } }, { drop: null }] } },
  { rule: { chain: 'input', handle: 9, comment: 'vip4', expr: [{ match: {} }, { counter: { packets: 99, bytes: 1 } }, { accept: null }] } },
  { rule: { chain: 'input', handle: 12, comment: 'policy-drop', expr: [{ counter: { packets: 3, bytes: 180 } }] } },
];
const SETS = [{ set: { name: 'ban4', elem: ['192.0.2.7', '192.0.2.8'] } }, { set: { name: 'ban6' } }];

const input: MetricsInput = {
  tables: [
    { table: 'lbfw', present: true, sets: [{ set: 'bl4_hosts', elements: 3 }, { set: 'bl6_nets', elements: 1 }], drops: dropCounters(CHAIN) },
    { table: 'lbfw_ban', present: true, sets: setSizes(SETS), drops: [] },
  ],
  verify: { sysctl: true, firewall: false },
  findings: { error: 2, warning: 1, info: 0 },
  lastApply: new Date('2026-01-02T03:04:05.678Z'),
  errors: { doctor: 'no config' },
};

function family(name: string) {
  const parsed = parsePrometheusTextFormat(renderMetrics(metricFamilies(input)));
  const found = parsed.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no family ${name} in ${parsed.map((f) => f.name).join(', ')}`);
  return found;
}

function values(name: string): Record<string, string | undefined> {
  return Object.fromEntries(family(name).metrics.map((m) => [JSON.stringify(m.labels ?? {}), m.value]));
}

test('every family parses with its type, and counters end in _total', (t) => {
  const parsed = parsePrometheusTextFormat(renderMetrics(metricFamilies(input)));
  t.true(parsed.length >= 8);
  for (const f of parsed) {
    t.true(f.name.startsWith('lbfw_'), f.name);
    t.is(f.type === 'COUNTER', f.name.endsWith('_total'), f.name);
    t.not(f.help, '');
  }
});

test('set sizes are labelled by table and set, bans included', (t) => {
  t.deepEqual(values('lbfw_set_elements'), {
    '{"table":"lbfw","set":"bl4_hosts"}': '3',
    '{"table":"lbfw","set":"bl6_nets"}': '1',
    '{"table":"lbfw_ban","set":"ban4"}': '2',
    '{"table":"lbfw_ban","set":"ban6"}': '0',
  });
});

test('drop counters come from dropping rules only (and the drop policy counter), by rule id', (t) => {
  t.deepEqual(values('lbfw_dropped_packets_total'), {
    '{"table":"lbfw","chain":"prerouting","rule":"blacklist-hosts4"}': '7',
    '{"table":"lbfw","chain":"prerouting","rule":"blacklist-nets6"}': '2',
    '{"table":"lbfw","chain":"input","rule":"policy-drop"}': '3',
  });
  t.is(family('lbfw_dropped_bytes_total').type, 'COUNTER');
});

test('verify per part, findings per severity, last apply in seconds, and which sources failed', (t) => {
  t.deepEqual(values('lbfw_verify_ok'), { '{"part":"sysctl"}': '1', '{"part":"firewall"}': '0' });
  t.deepEqual(values('lbfw_doctor_findings'), { '{"severity":"error"}': '2', '{"severity":"warning"}': '1', '{"severity":"info"}': '0' });
  t.deepEqual(values('lbfw_last_apply_timestamp_seconds'), { '{}': String(Math.floor(Date.parse('2026-01-02T03:04:05Z') / 1000)) });
  t.deepEqual(values('lbfw_metrics_source_ok'), { '{"source":"nft"}': '1', '{"source":"verify"}': '1', '{"source":"doctor"}': '0' });
});
