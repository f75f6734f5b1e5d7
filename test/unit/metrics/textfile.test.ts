import test from 'ava';
import { renderMetrics } from '../../../src/metrics/textfile.js';

test('renderMetrics writes HELP, TYPE and one line per sample with escaped labels.', (t) => {
  const text = renderMetrics([
    { name: 'lbfw_blacklist_elements', help: 'Elements in a blacklist set.', type: 'gauge', samples: [
      { labels: { set: 'bl4_hosts', family: 'ipv4' }, value: 3 },
      { labels: { set: 'a"b\\c\nd' }, value: 0 },
    ] },
    { name: 'lbfw_drops_total', help: 'Packets dropped.\nby set', type: 'counter', samples: [{ value: 12 }] },
  ]);
  t.is(
    text,
    [
      '# HELP lbfw_blacklist_elements Elements in a blacklist set.',
      '# TYPE lbfw_blacklist_elements gauge',
      'lbfw_blacklist_elements{set="bl4_hosts",family="ipv4"} 3',
      'lbfw_blacklist_elements{set="a\\"b\\\\c\\nd"} 0',
      '# HELP lbfw_drops_total Packets dropped.\\nby set',
      '# TYPE lbfw_drops_total counter',
      'lbfw_drops_total 12',
      '',
    ].join('\n'),
  );
});

test('renderMetrics refuses invalid names and a family given twice.', (t) => {
  t.throws(() => renderMetrics([{ name: 'lbfw-bad', help: '', type: 'gauge', samples: [] }]));
  t.throws(() => renderMetrics([{ name: 'lbfw_x', help: '', type: 'gauge', samples: [{ labels: { '1a': 'v' }, value: 1 }] }]));
  const family = { name: 'lbfw_x', help: '', type: 'gauge' as const, samples: [] };
  t.throws(() => renderMetrics([family, family]));
});

test('renderMetrics prints special float values as Prometheus spells them.', (t) => {
  t.regex(renderMetrics([{ name: 'lbfw_x', help: 'x', type: 'gauge', samples: [{ value: Number.NaN }, { value: Infinity }] }]), /lbfw_x NaN\nlbfw_x \+Inf\n/);
});
