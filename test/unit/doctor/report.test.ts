import test from 'ava';
import { renderList, renderReport, useColour } from '../../../src/doctor/report.js';
import { CHECKS } from '../../../src/doctor/registry.js';
import type { DoctorReport } from '../../../src/doctor/types.js';

const report: DoctorReport = {
  ok: false,
  role: 'director',
  checksRun: ['rp-filter-vip', 'send-redirects', 'keepalived-deprecated'],
  findings: [
    { id: 'rp-filter-vip', severity: 'error', subject: 'eth0', what: 'eth0 has rp_filter 0 but all=1', breaks: 'client packets dropped', fix: 'lbfw apply' },
    { id: 'send-redirects', severity: 'warning', subject: 'eth1', what: 'eth1 has send_redirects 1', breaks: 'redirects', fix: 'lbfw apply' },
    { id: 'keepalived-deprecated', severity: 'info', what: 'lb_kind is deprecated', breaks: 'nothing yet' },
  ],
};

test('The report groups findings by severity with what, breaks and fix.', (t) => {
  const text = renderReport(report, { colour: false, hostname: 'lb1' });
  t.is(
    text,
    [
      'lbfw doctor: director lb1, 3 checks: 1 error, 1 warning, 1 info',
      '',
      'Errors (1)',
      '  x rp-filter-vip  eth0',
      '      eth0 has rp_filter 0 but all=1',
      '      breaks: client packets dropped',
      '      fix:    lbfw apply',
      '',
      'Warnings (1)',
      '  ! send-redirects  eth1',
      '      eth1 has send_redirects 1',
      '      breaks: redirects',
      '      fix:    lbfw apply',
      '',
      'Info (1)',
      '  i keepalived-deprecated',
      '      lb_kind is deprecated',
      '      breaks: nothing yet',
      '',
      'doctor: 1 error: Direct Routing is broken here until they are fixed',
      '',
    ].join('\n'),
  );
});

test('A clean report says so.', (t) => {
  const text = renderReport({ ok: true, role: 'realserver', checksRun: ['rs-arp-ignore'], findings: [] }, { colour: false });
  t.is(text, 'lbfw doctor: realserver, 1 check: 0 errors, 0 warnings, 0 info\n\ndoctor: no problems found\n');
});

test('Colour adds ANSI escapes, and only then.', (t) => {
  t.regex(renderReport(report, { colour: true }), /\u001b\[1;31mx rp-filter-vip\u001b\[0m/);
  t.notRegex(renderReport(report, { colour: false }), /\u001b\[/);
});

const colour = test.macro({
  exec(t, isTty: boolean, env: Record<string, string | undefined>, expected: boolean) {
    t.is(useColour(isTty, env), expected);
  },
  title: (given, isTty: boolean, env: Record<string, string | undefined>, expected: boolean) =>
    given ?? `${isTty ? 'a terminal' : 'a pipe'} with NO_COLOR=${JSON.stringify(env['NO_COLOR'])} is ${expected ? '' : 'not '}coloured`,
});

test(colour, true, {}, true);
test(colour, true, { NO_COLOR: '1' }, false);
test(colour, true, { NO_COLOR: '' }, true);
test(colour, false, {}, false);

test('--list shows every check once, one line each.', (t) => {
  const lines = renderList(CHECKS).trimEnd().split('\n');
  t.is(lines.length, CHECKS.length);
  for (const check of CHECKS) t.is(lines.filter((l) => l.startsWith(`${check.id} `)).length, 1, check.id);
});

test('The report names the nftables backend in use, why, and its nft version, under the heading.', (t) => {
  const backend = { name: 'nft', reason: 'using the nft program: LBFW_NO_NATIVE=1 turns the netlink binding off', version: 'nftables v1.0.6 (Lester Gooch #5)' };
  const text = renderReport({ ok: true, role: 'realserver', checksRun: ['rs-arp-ignore'], findings: [] }, { colour: false, backend });
  t.is(
    text,
    'lbfw doctor: realserver, 1 check: 0 errors, 0 warnings, 0 info\n' +
      'nftables backend: nft (using the nft program: LBFW_NO_NATIVE=1 turns the netlink binding off), nftables v1.0.6 (Lester Gooch #5)\n' +
      '\ndoctor: no problems found\n',
  );
});

test('A fix given as steps shows the edit, each command on a line of its own, then the note.', (t) => {
  const stepped: DoctorReport = {
    ok: false,
    role: 'director',
    checksRun: ['vrrp-iface-missing'],
    findings: [
      {
        id: 'vrrp-iface-missing',
        severity: 'error',
        what: 'dev eth9 does not exist',
        breaks: 'no VIP',
        fix: 'set dev at k.conf:3, then systemctl reload keepalived (journalctl -u keepalived)',
        fixSteps: { edit: 'set dev at k.conf:3', run: ['systemctl reload keepalived', 'lbfw apply'], note: 'journalctl -u keepalived' },
      },
    ],
  };
  const lines = renderReport(stepped, { colour: false }).split('\n');
  const at = lines.indexOf('      fix:    set dev at k.conf:3, then run:');
  t.not(at, -1, lines.join('\n'));
  t.deepEqual(lines.slice(at + 1, at + 4), ['              systemctl reload keepalived', '              lbfw apply', '      note:   journalctl -u keepalived']);
});
