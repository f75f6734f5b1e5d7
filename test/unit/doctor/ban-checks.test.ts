import test from 'ava';
import { banPeerCheck, banSetFillCheck, banTableMissing } from '../../../src/doctor/checks/ban.js';
import { DEFAULT_OVERLIMIT } from '../../../src/config/overlimit.js';
import type { Facts } from '../../../src/doctor/facts.js';
import { ELEMENTS_OMITTED } from '../../../src/doctor/nft-eval.js';
import { healthyDirector } from './fixtures.js';

function withBanTable(facts: Facts, sets: readonly { name: string; size: number; elements: number; omit?: boolean }[]): Facts {
  const items = sets.map((s) => ({
    set: {
      family: 'inet',
      table: 'lbfw_ban',
      name: s.name,
      size: s.size,
      ...(s.omit === true ? { [ELEMENTS_OMITTED]: s.elements } : { elem: Array.from({ length: s.elements }, (_, i) => `203.0.113.${i}`) }),
    },
  }));
  return { ...facts, config: { ...facts.config, overlimit: DEFAULT_OVERLIMIT }, nftRuleset: [...(facts.nftRuleset ?? []), { table: { family: 'inet', name: 'lbfw_ban' } }, ...items] };
}

test('the healthy director has no ban finding', (t) => {
  const facts = healthyDirector();
  t.deepEqual([banSetFillCheck, banTableMissing, banPeerCheck].flatMap((c) => c.run(facts)), []);
});

test('a ban set past 80% is a warning, a full one an error, counted also when the facts left the elements out', (t) => {
  const facts = withBanTable(healthyDirector(), [
    { name: 'ban4', size: 100, elements: 79 },
    { name: 'ban6', size: 100, elements: 85 },
    { name: 'synmeter4', size: 2000, elements: 2000, omit: true },
  ]);
  const findings = banSetFillCheck.run(facts);
  t.deepEqual(findings.map((f) => [f.subject, f.severity]), [
    ['inet lbfw_ban ban6', 'warning'],
    ['inet lbfw_ban synmeter4', 'error'],
  ]);
  t.regex(findings[1]?.what ?? '', /2000 of 2000 elements \(100%\): FULL/);
});

test('overlimit configured without a ban table is reported', (t) => {
  const facts = { ...healthyDirector(), config: { ...healthyDirector().config, overlimit: DEFAULT_OVERLIMIT } };
  t.deepEqual(banTableMissing.run(facts).map((f) => f.id), ['ban-table-missing']);
  t.deepEqual(banTableMissing.run(withBanTable(healthyDirector(), [])), []);
});

test('a peer without a ban table, or with other thresholds, is reported', (t) => {
  const facts = withBanTable(healthyDirector(), []);
  t.deepEqual(banPeerCheck.run({ ...facts, peerBan: { file: 'peer.json', hostname: 'lb2', hasBanTable: true, overlimit: DEFAULT_OVERLIMIT } }), []);
  const missing = banPeerCheck.run({ ...facts, peerBan: { file: 'peer.json', hostname: 'lb2', hasBanTable: false, overlimit: DEFAULT_OVERLIMIT } });
  t.regex(missing[0]?.what ?? '', /lb2 has no ban table/);
  const other = banPeerCheck.run({ ...facts, peerBan: { file: 'peer.json', hostname: 'lb2', hasBanTable: true, overlimit: { ...DEFAULT_OVERLIMIT, maxConnections: 500 } } });
  t.regex(other[0]?.what ?? '', /other thresholds/);
  // A metrics path or an origin is not a threshold.
  t.deepEqual(banPeerCheck.run({ ...facts, peerBan: { file: 'p', hasBanTable: true, overlimit: { ...DEFAULT_OVERLIMIT, metricsFile: '/x.prom' } } }), []);
});
