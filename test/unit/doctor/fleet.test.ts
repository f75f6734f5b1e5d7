import test from 'ava';
import { renderFleet, summariseFleet } from '../../../src/doctor/fleet.js';
import type { Finding } from '../../../src/doctor/types.js';

const finding = (id: string, severity: Finding['severity']): Finding => ({ id, severity, what: `${id} here`, breaks: 'DR' });

test('the fleet summary says which hosts have which findings, errors first, and which are clean', (t) => {
  const summary = summariseFleet([
    { host: 'lb1', report: { ok: false, findings: [finding('rp-filter-vip', 'error'), finding('conntrack-full', 'warning')] } },
    { host: 'lb2', report: { ok: false, findings: [finding('rp-filter-vip', 'error')] } },
    { host: 'rs1', report: { ok: true, findings: [] } },
  ]);
  t.deepEqual(summary.findings, [
    { id: 'rp-filter-vip', severity: 'error', hosts: ['lb1', 'lb2'] },
    { id: 'conntrack-full', severity: 'warning', hosts: ['lb1'] },
  ]);
  t.deepEqual(summary.ok, ['rs1']);
  t.deepEqual(summary.clean, ['rs1']);
  t.is(
    renderFleet(summary),
    'fleet: 3 hosts, 2 with errors, 1 without findings (rs1)\nerror   rp-filter-vip   2: lb1, lb2\nwarning conntrack-full  1: lb1\n',
  );
});
