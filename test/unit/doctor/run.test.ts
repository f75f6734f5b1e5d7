import test from 'ava';
import { UsageError } from '../../../src/errors.js';
import { CHECKS, checkIds } from '../../../src/doctor/registry.js';
import { runChecks, selectChecks, sortFindings } from '../../../src/doctor/run.js';
import type { Check, Finding } from '../../../src/doctor/types.js';
import { healthyDirector, healthyRealServer, variant } from './fixtures.js';

const boom: Check = {
  id: 'boom',
  title: 'always throws',
  roles: ['director'],
  run: () => {
    throw new Error('facts.links[7] is undefined');
  },
};

const fine: Check = {
  id: 'fine',
  title: 'finds one warning',
  roles: ['director', 'realserver'],
  run: () => [{ id: 'fine', severity: 'warning', what: 'something', breaks: 'something else' }],
};

test('A check that throws becomes an error finding of its id and the others still run.', (t) => {
  const report = runChecks(healthyDirector(), undefined, [boom, fine]);
  t.deepEqual(report.checksRun, ['boom', 'fine']);
  t.false(report.ok);
  t.is(report.findings.length, 2);
  const crash = report.findings[0];
  t.is(crash?.id, 'boom');
  t.is(crash?.severity, 'error');
  t.is(crash?.what, 'check boom crashed: facts.links[7] is undefined');
  t.is(report.findings[1]?.id, 'fine');
});

test('Checks of the other role are not run, even when named.', (t) => {
  const report = runChecks(healthyRealServer(), ['boom', 'fine'], [boom, fine]);
  t.deepEqual(report.checksRun, ['fine']);
  t.is(report.role, 'realserver');
  t.true(report.ok);
});

test('Only the named checks run, in registry order.', (t) => {
  const report = runChecks(healthyDirector(), ['vip-absent', 'rp-filter-vip']);
  t.deepEqual(report.checksRun, ['vip-absent', 'rp-filter-vip']);
});

test('An unknown check id is a usage error that suggests the near one.', (t) => {
  const error = t.throws(() => selectChecks(['rs-arp-ignroe']), { instanceOf: UsageError });
  t.regex(error?.message ?? '', /unknown check id rs-arp-ignroe \(did you mean rs-arp-ignore\?\); lbfw doctor --list shows the \d+ checks/);
});

test('Findings are sorted errors first, then by id, keeping their order within an id.', (t) => {
  const f = (id: string, severity: Finding['severity'], what: string): Finding => ({ id, severity, what, breaks: '' });
  const sorted = sortFindings([f('b', 'info', '1'), f('z', 'error', '2'), f('a', 'warning', '3'), f('a', 'error', '4'), f('a', 'error', '5')]);
  t.deepEqual(sorted.map((x) => x.what), ['4', '5', '2', '3', '1']);
});

test('Check ids are unique and exactly these, in registry order: removing a check fails here.', (t) => {
  const ids = checkIds();
  t.is(new Set(ids).size, ids.length);
  t.deepEqual(ids, [
    'vip-absent', 'vip-iface-down', 'iface-missing', 'lo-down', 'rs-vip-not-on-lo', 'rs-vip-wide-prefix',
    'rs-vip-on-arp-iface', 'rs-not-connected', 'rs-no-route-back', 'rp-filter-vip', 'send-redirects',
    'proxy-arp', 'rs-arp-ignore', 'rs-arp-announce', 'rs-rp-filter-strict', 'lbfw-sysctl', 'ipvs-missing',
    'ipvs-service-missing', 'dr-port-remap', 'expire-nodest-conn', 'expire-quiescent-template',
    'conntrack-full', 'fw-blocks-vrrp', 'fw-blocks-sync', 'fw-blocks-nat-replies', 'fw-blocks-vip',
    'rs-fw-blocks-vip', 'rs-fw-blocks-health-check', 'output-chain-drop', 'conntrack-tcp-loose',
    'fw-unjudged', 'fw-legacy-iptables', 'fw-vrrp-spoofable', 'fw-vrrp6-any-link-local', 'fw-ipv4-mapped',
    'fw-invalid-accepted', 'fw-icmp-error-unrelated', 'fw-icmp-redirect', 'rs-fw-service-any-address',
    'fw-forward-open', 'keepalived-config-error', 'keepalived-auth-pass-long', 'keepalived-duplicate-vrid',
    'keepalived-both-master', 'keepalived-deprecated', 'keepalived-unicast-peer-self',
    'keepalived-unicast-src-missing', 'sync-daemon-iface', 'vrrp-iface-missing',
    'keepalived-family-mismatch', 'keepalived-fwmark-unset', 'keepalived-not-running', 'rs-not-listening',
    'blacklist-protected', 'ban-set-fill', 'ban-table-missing', 'ban-peer', 'lbfw-drift', 'lbfw-confirm',
    'facts-incomplete', 'arp-probe', 'arp-claimed',
  ]);
  t.true(CHECKS.some((c) => c.roles.includes('director')));
  t.true(CHECKS.some((c) => c.roles.includes('realserver')));
});

test('Every id the lab scenarios use exists.', (t) => {
  const wanted = [
    'ipvs-missing', 'rp-filter-vip', 'vip-absent', 'send-redirects', 'proxy-arp', 'rs-not-connected', 'dr-port-remap',
    'fw-blocks-vrrp', 'fw-blocks-sync', 'fw-blocks-nat-replies', 'fw-blocks-vip', 'output-chain-drop', 'conntrack-full', 'expire-nodest-conn',
    'expire-quiescent-template', 'keepalived-auth-pass-long', 'keepalived-duplicate-vrid', 'keepalived-both-master',
    'keepalived-deprecated', 'sync-daemon-iface', 'vrrp-iface-missing', 'blacklist-protected', 'lbfw-drift',
    'rs-vip-not-on-lo', 'rs-vip-wide-prefix', 'rs-vip-on-arp-iface', 'rs-arp-ignore', 'rs-arp-announce',
    'rs-rp-filter-strict', 'rs-not-listening', 'rs-fw-blocks-vip',
  ];
  t.deepEqual(wanted.filter((id) => !checkIds().includes(id)), []);
});

test('Every check returns only findings of its own id, with what and breaks.', (t) => {
  // The broken fixtures of checks.test.ts exercise each check; here every check runs on a host with many problems at once.
  const messy = variant(healthyDirector(), (d) => {
    d.sysctls['net.ipv4.conf.all.rp_filter'] = '1';
    d.ipvs = { present: false };
    d.links[1]!.up = false;
  });
  for (const check of CHECKS) {
    for (const finding of check.run(messy)) {
      t.is(finding.id, check.id);
      t.true(finding.what.length > 0 && finding.breaks.length > 0);
    }
  }
});
