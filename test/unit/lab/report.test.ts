import test from 'ava';
import { errorFindings, findingIds, parseDoctorReport } from '../../../src/lab/doctor-run.js';
import { expectedFindings, DEMO_FAULTS } from '../../../src/lab/dr-demo.js';
import { FAULTS } from '../../../src/lab/faults.js';
import { isLabNamespace } from '../../../src/lab/lab-state.js';
import { describeRequest, requestOk, symptomsOf, type VipRequest } from '../../../src/lab/probe.js';

const REPORT = JSON.stringify({
  ok: false,
  role: 'realserver',
  findings: [
    { id: 'rs-arp-ignore', severity: 'error', subject: 'eth0', what: 'w', breaks: 'b', fix: 'lbfw apply' },
    { id: 'keepalived-not-running', severity: 'warning', what: 'w', breaks: 'b' },
  ],
  checksRun: ['rs-arp-ignore', 'keepalived-not-running'],
});

test('a doctor report is read by its public shape', (t) => {
  const report = parseDoctorReport(REPORT);
  t.truthy(report);
  t.deepEqual(findingIds(report!), ['rs-arp-ignore', 'keepalived-not-running']);
  t.deepEqual(errorFindings(report!).map((f) => f.id), ['rs-arp-ignore']);
  t.deepEqual(findingIds(report!, 'warning'), ['keepalived-not-running']);
});

test('what is not a doctor report is undefined', (t) => {
  t.is(parseDoctorReport(''), undefined);
  t.is(parseDoctorReport('lbfw: doctor is not available yet'), undefined);
  t.is(parseDoctorReport('{"findings":[{"id":1}]}'), undefined);
});

const good: VipRequest = { port: 20001, expected: 'rs1', answeredBy: 'rs1', vipMac: '02:00:00:00:00:01', vipHolder: 'director' };

test('a request is good only when the chosen real server answers and the client still ARPs the VIP to the director', (t) => {
  t.true(requestOk(good));
  t.false(requestOk({ ...good, vipHolder: 'rs1' }));
  t.false(requestOk({ ...good, answeredBy: 'rs2' }));
  const { answeredBy: _, ...noAnswer } = good;
  t.false(requestOk({ ...noAnswer, error: 'timeout' }));
});

test('symptoms name how traffic failed, and each request is described in a sentence', (t) => {
  const { answeredBy: _, ...noAnswer } = good;
  const requests: VipRequest[] = [
    { ...noAnswer, error: 'timeout' },
    { ...noAnswer, port: 20002, error: 'ECONNREFUSED' },
    { ...good, port: 20003, vipHolder: 'rs2', answeredBy: 'rs2' },
  ];
  t.deepEqual(symptomsOf({ requests, ok: false }).sort(), ['bypass', 'dropped', 'refused']);
  t.regex(describeRequest(requests[0]!), /no answer within 2 s \(dropped\)/);
  t.regex(describeRequest(requests[1]!), /refused \(ECONNREFUSED/);
  t.regex(describeRequest(requests[2]!), /answered by rs2 BYPASSING the director: the client's ARP cache holds rs2's MAC/);
  t.regex(describeRequest(good), /answered by rs1 via the director/);
});

test('every fault has a distinct id and a fix; exactly these doctor checks are covered', (t) => {
  t.is(new Set(FAULTS.map((f) => f.id)).size, FAULTS.length);
  t.deepEqual([...new Set(FAULTS.map((f) => f.doctorId))].sort(), [
    'conntrack-tcp-loose', 'dr-port-remap', 'fw-blocks-vip', 'output-chain-drop', 'rp-filter-vip', 'rs-arp-announce', 'rs-arp-ignore',
    'rs-fw-blocks-vip', 'rs-no-route-back', 'rs-not-connected', 'rs-not-listening', 'rs-rp-filter-strict', 'rs-vip-not-on-lo',
    'rs-vip-on-arp-iface', 'rs-vip-wide-prefix', 'vip-absent',
  ]);
  for (const fault of FAULTS) t.true(fault.fix.length > 0, fault.id);
});

test('the demo expects the kernel-default ARP findings on both real servers plus its faults', (t) => {
  const expected = expectedFindings(DEMO_FAULTS);
  t.deepEqual(expected.rs2.sort(), ['rs-arp-announce', 'rs-arp-ignore', 'rs-vip-wide-prefix']);
  t.deepEqual(expected.rs1.sort(), ['rs-arp-announce', 'rs-arp-ignore', 'rs-rp-filter-strict']);
  t.deepEqual(expected.director, ['rp-filter-vip']);
});

test('lab namespaces are recognised by prefix, node and random suffix only', (t) => {
  t.true(isLabNamespace('lbfw-lab-rs1-a1b2c3', 'lbfw-lab'));
  t.true(isLabNamespace('lbfw-lab-sw-a1b2c3', 'lbfw-lab'));
  t.true(isLabNamespace('lbfw-lab-client2-a1b2c3', 'lbfw-lab'));
  t.false(isLabNamespace('lbfw-lab-x-rs1-a1b2c3', 'lbfw-lab'));
  t.false(isLabNamespace('lbfw-lab2-rs1-a1b2c3', 'lbfw-lab'));
  t.false(isLabNamespace('lbfw-lab-rs1', 'lbfw-lab'));
});
