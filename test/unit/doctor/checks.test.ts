/**
 * Every check against the healthy fixtures (no finding) and against one
 * broken variant each (exactly the expected id and severity, in the host's
 * own names and values).
 */
import test, { type ExecutionContext } from 'ava';
import type { Facts } from '../../../src/doctor/facts.js';
import { CHECKS } from '../../../src/doctor/registry.js';
import { runChecks } from '../../../src/doctor/run.js';
import type { Finding, Severity } from '../../../src/doctor/types.js';
import { fixText } from '../../../src/doctor/fix.js';
import {
  ACCEPT,
  DROP,
  KEEPALIVED_CONF,
  PEER_CONF,
  PEER_FILE,
  RS1_MAC,
  healthyDirector,
  healthyRealServer,
  keepalivedFacts,
  lbfwTable,
  link,
  match,
  meta,
  nftChain,
  nftRule,
  payload,
  sshOnlyFilter,
  variant,
} from './fixtures.js';

test('The healthy director gives no finding at all.', (t) => {
  const report = runChecks(healthyDirector());
  t.deepEqual(report.findings, []);
  t.true(report.ok);
  t.deepEqual(report.checksRun, [
    'vip-absent', 'vip-iface-down', 'iface-missing', 'lo-down', 'rs-not-connected', 'rp-filter-vip', 'send-redirects', 'proxy-arp',
    'lbfw-sysctl', 'ipvs-missing', 'ipvs-service-missing', 'dr-port-remap', 'expire-nodest-conn', 'expire-quiescent-template',
    'conntrack-full', 'fw-blocks-vrrp', 'fw-blocks-sync', 'fw-blocks-nat-replies', 'fw-blocks-vip', 'output-chain-drop', 'conntrack-tcp-loose', 'fw-unjudged',
    'fw-legacy-iptables', 'fw-vrrp-spoofable', 'fw-vrrp6-any-link-local', 'fw-ipv4-mapped', 'fw-invalid-accepted', 'fw-icmp-error-unrelated',
    'fw-icmp-redirect', 'fw-forward-open', 'keepalived-config-error', 'keepalived-auth-pass-long', 'keepalived-duplicate-vrid', 'keepalived-both-master',
    'keepalived-deprecated', 'keepalived-unicast-peer-self', 'keepalived-unicast-src-missing', 'sync-daemon-iface', 'vrrp-iface-missing',
    'keepalived-family-mismatch', 'keepalived-fwmark-unset', 'keepalived-not-running', 'blacklist-protected', 'ban-set-fill',
    'ban-table-missing', 'ban-peer', 'lbfw-drift', 'lbfw-confirm', 'facts-incomplete', 'arp-probe', 'arp-claimed',
  ]);
});

test('The healthy real server gives no finding at all.', (t) => {
  const report = runChecks(healthyRealServer());
  t.deepEqual(report.findings, []);
  t.true(report.ok);
  t.deepEqual(report.checksRun, [
    'iface-missing', 'lo-down', 'rs-vip-not-on-lo', 'rs-vip-wide-prefix', 'rs-vip-on-arp-iface', 'rs-no-route-back', 'proxy-arp',
    'rs-arp-ignore', 'rs-arp-announce', 'rs-rp-filter-strict', 'lbfw-sysctl', 'conntrack-full', 'rs-fw-blocks-vip',
    'rs-fw-blocks-health-check', 'fw-unjudged', 'fw-legacy-iptables', 'fw-ipv4-mapped', 'fw-invalid-accepted', 'fw-icmp-error-unrelated',
    'fw-icmp-redirect', 'rs-fw-service-any-address', 'rs-not-listening', 'blacklist-protected', 'lbfw-drift',
    'lbfw-confirm', 'facts-incomplete',
  ]);
});

/** What a broken variant must produce. */
interface Expected {
  readonly severity: Severity;
  /** The finding's `what` must match each of these. */
  readonly what: readonly RegExp[];
  readonly fix?: RegExp;
  /** The finding's `breaks` must match this. */
  readonly breaks?: RegExp;
  /** How many findings of the id with that severity; default 1. */
  readonly count?: number;
  /** How many more findings of the id with another severity (the probe's listing); default 0. */
  readonly others?: number;
}

/** Ids a broken variant below has covered, so the last test can see that none is left out. */
const covered = new Set<string>();

/** A word of a fix that stands for something the operator must fill in: never in a command line to run. */
const PLACEHOLDER = /\b(GATEWAY|IFACE|ADDRESS|PREFIX|VIP|PORTS|NS|CMD)\b/;

/**
 * stepsAreRunnable: a finding with a fix has its steps, its text is theirs,
 * and every command line is complete (no placeholder, no prose, one line).
 */
function stepsAreRunnable(t: ExecutionContext, finding: Finding): void {
  if (finding.fix === undefined) return;
  const steps = finding.fixSteps;
  t.truthy(steps, `${finding.id}: a fix without steps: ${finding.fix}`);
  if (steps === undefined) return;
  t.is(finding.fix, fixText(steps), `${finding.id}: the text is the steps'`);
  for (const line of steps.run) {
    t.notRegex(line, PLACEHOLDER, `${finding.id}: \`${line}\` is not runnable as printed`);
    t.notRegex(line, /\n|\(or |, then /, `${finding.id}: \`${line}\` is one command line`);
  }
}

const finds = test.macro({
  exec(t, id: string, facts: Facts, expected: Expected) {
    covered.add(id);
    const healthy = facts.role === 'director' ? healthyDirector() : healthyRealServer();
    t.deepEqual(runChecks(healthy, [id]).findings, [], 'the healthy fixture has no finding of this id');
    const all = runChecks(facts, [id]).findings;
    t.true(all.every((f) => f.id === id));
    t.is(all.length, (expected.count ?? 1) + (expected.others ?? 0), JSON.stringify(all, null, 2));
    for (const finding of all) stepsAreRunnable(t, finding);
    const found = all.filter((f) => f.severity === expected.severity);
    t.is(found.length, expected.count ?? 1, JSON.stringify(all, null, 2));
    for (const finding of found) {
      for (const pattern of expected.what) t.regex(finding.what, pattern);
      t.true(finding.breaks.length > 20, 'it says what it breaks');
      if (expected.breaks !== undefined) t.regex(finding.breaks, expected.breaks);
      if (expected.fix !== undefined) t.regex(finding.fix ?? '', expected.fix);
    }
  },
  title: (given, id: string, _facts: Facts, expected: Expected) => `${id}: ${given ?? ''} gives ${expected.severity}`,
});

const director = (change: Parameters<typeof variant>[1]): Facts => variant(healthyDirector(), change);
const realServer = (change: Parameters<typeof variant>[1]): Facts => variant(healthyRealServer(), change);
const withKeepalived = (text: string) => director((d) => {
  d.keepalived = keepalivedFacts(text) as NonNullable<typeof d.keepalived>;
});

// Addresses and links.
test('a VIP of a MASTER instance on no interface', finds, 'vip-absent', director((d) => {
  d.links[1]!.addresses = d.links[1]!.addresses.filter((a) => a.address !== '192.0.2.10');
}), { severity: 'error', what: [/VIP 192\.0\.2\.10 is on no interface/, /VI_1 \(\/etc\/keepalived\/keepalived\.conf:6\) is configured as MASTER/], fix: /systemctl restart keepalived/ });

test('a VIP of a BACKUP instance on no interface', finds, 'vip-absent', variant(withKeepalived(PEER_CONF), (d) => {
  d.links[1]!.addresses = d.links[1]!.addresses.filter((a) => a.address !== '192.0.2.10');
}), { severity: 'info', what: [/VIP 192\.0\.2\.10 is on no interface; vrrp_instance VI_1 .* BACKUP/] });

test('a VIP without keepalived on no interface', finds, 'vip-absent', director((d) => {
  delete d.keepalived;
  d.links[1]!.addresses = d.links[1]!.addresses.filter((a) => a.address !== '192.0.2.10');
}), { severity: 'error', what: [/VIP 192\.0\.2\.10 is on no interface of this director/], fix: /^ip addr add 192\.0\.2\.10\/32 dev eth0$/ });

test('the VIP interface down', finds, 'vip-iface-down', director((d) => {
  d.links[1]!.up = false;
}), { severity: 'error', what: [/the VIP interface eth0 is down/], fix: /^ip link set eth0 up$/ });

test('a config naming a missing interface', finds, 'iface-missing', director((d) => {
  d.config.interfaces.vip = 'bond0';
}), { severity: 'error', what: [/interfaces\.vip names bond0, which does not exist here \(interfaces: lo, eth0, eth1\)/] });

test('lo down on a real server', finds, 'lo-down', realServer((d) => {
  d.links[0]!.up = false;
}), { severity: 'warning', what: [/^lo is down$/], fix: /^ip link set lo up$/ });

test('a real server reached through a gateway', finds, 'rs-not-connected', director((d) => {
  d.routeLookups[1]!.route = { family: 4, dst: '198.51.100.22', gateway: '192.0.2.1', dev: 'eth0' };
}), { severity: 'error', what: [/real server 198\.51\.100\.22 is reached via gateway 192\.0\.2\.1 on eth0/] });

test('a real server without a route', finds, 'rs-not-connected', director((d) => {
  d.routeLookups[0] = { target: '198.51.100.21', purpose: 'real server', error: 'RTNETLINK answers: Network is unreachable' };
}), { severity: 'error', what: [/no route from this director to real server 198\.51\.100\.21 .*Network is unreachable/] });

test('A real server behind a router is fine when keepalived forwards to it by NAT.', (t) => {
  const facts = variant(withKeepalived(KEEPALIVED_CONF.replaceAll('lvs_method DR', 'lvs_method NAT')), (d) => {
    d.routeLookups[1]!.route = { family: 4, dst: '198.51.100.22', gateway: '192.0.2.1', dev: 'eth0' };
  });
  t.deepEqual(runChecks(facts, ['rs-not-connected']).findings, []);
});

test('a VIP missing from lo', finds, 'rs-vip-not-on-lo', realServer((d) => {
  d.links[0]!.addresses = d.links[0]!.addresses.filter((a) => a.address !== '192.0.2.10');
}), { severity: 'error', what: [/VIP 192\.0\.2\.10 is not on lo/], fix: /lbfw apply --config \/etc\/lbfw\/lbfw\.yaml .*ip addr add 192\.0\.2\.10\/32 dev lo/ });

test('a VIP on lo as /24', finds, 'rs-vip-wide-prefix', realServer((d) => {
  d.links[0]!.addresses = d.links[0]!.addresses.map((a) => (a.address === '192.0.2.10' ? { ...a, prefix: 24 } : a));
}), { severity: 'error', what: [/VIP 192\.0\.2\.10 is on lo as \/24, not \/32: the whole of 192\.0\.2\.0\/24 becomes local/], fix: /ip addr del 192\.0\.2\.10\/24 dev lo && ip addr add 192\.0\.2\.10\/32 dev lo/ });

test('a VIP also on eth0', finds, 'rs-vip-on-arp-iface', realServer((d) => {
  d.links[1]!.addresses.push({ ifname: 'eth0', family: 4, address: '192.0.2.10', prefix: 32 });
}), { severity: 'error', what: [/VIP 192\.0\.2\.10 is on eth0, which answers ARP/], fix: /^ip addr del 192\.0\.2\.10\/32 dev eth0$/ });

// Kernel settings.
test('rp_filter=1 on all (eth0 at 0)', finds, 'rp-filter-vip', director((d) => {
  d.sysctls['net.ipv4.conf.all.rp_filter'] = '1';
}), { severity: 'error', what: [/eth0 has rp_filter 0 but all=1, so the kernel uses 1 on eth0/, /all must change/], fix: /lbfw apply --config \/etc\/lbfw\/lbfw\.yaml.*sysctl -w net\.ipv4\.conf\.all\.rp_filter=0/ });

test('loose rp_filter=2 on eth0 with a default route', finds, 'rp-filter-vip', director((d) => {
  d.sysctls['net.ipv4.conf.eth0.rp_filter'] = '2';
}), { severity: 'warning', what: [/eth0 has rp_filter 2 and all=0, so the kernel uses 2 on eth0/, /eth0 must change/, /loose mode/], fix: /sysctl -w net\.ipv4\.conf\.eth0\.rp_filter=0/ });

test('loose rp_filter=2 on eth0 without a default route', finds, 'rp-filter-vip', director((d) => {
  d.sysctls['net.ipv4.conf.eth0.rp_filter'] = '2';
  d.routes = d.routes.filter((r) => r.dst !== 'default');
}), { severity: 'error', what: [/loose mode/] });

test('Loose rp_filter with a default route says nothing is dropped today.', (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.sysctls['net.ipv4.conf.eth0.rp_filter'] = '2';
  });
  t.regex(runChecks(facts, ['rp-filter-vip']).findings[0]?.breaks ?? '', /^nothing today: .*default route \(via 192\.0\.2\.1 dev eth0\)/);
});

test('send_redirects on eth1', finds, 'send-redirects', director((d) => {
  d.sysctls['net.ipv4.conf.eth1.send_redirects'] = '1';
}), { severity: 'warning', what: [/eth1 has send_redirects 1/] });

test('proxy_arp=1 on all of a director', finds, 'proxy-arp', director((d) => {
  d.sysctls['net.ipv4.conf.all.proxy_arp'] = '1';
}), { severity: 'warning', what: [/proxy_arp 0 but all=1/], count: 2 });

test('proxy_arp on the real server eth0', finds, 'proxy-arp', realServer((d) => {
  d.sysctls['net.ipv4.conf.eth0.proxy_arp'] = '1';
}), { severity: 'warning', what: [/eth0 has proxy_arp 1/] });

test('arp_ignore 0 everywhere', finds, 'rs-arp-ignore', realServer((d) => {
  d.sysctls['net.ipv4.conf.all.arp_ignore'] = '0';
}), { severity: 'error', what: [/eth0 has arp_ignore 0 and all=0, so the kernel uses 0 on eth0/, /expected 1 or 2/], fix: /sysctl -w net\.ipv4\.conf\.eth0\.arp_ignore=1/ });

test('arp_ignore set on lo only', finds, 'rs-arp-ignore', realServer((d) => {
  d.sysctls['net.ipv4.conf.all.arp_ignore'] = '0';
  d.sysctls['net.ipv4.conf.lo.arp_ignore'] = '1';
}), { severity: 'error', what: [/lo has arp_ignore 1, which does not help: ARP requests never arrive on lo/] });

test('arp_announce 0 everywhere', finds, 'rs-arp-announce', realServer((d) => {
  d.sysctls['net.ipv4.conf.all.arp_announce'] = '0';
}), { severity: 'error', what: [/eth0 has arp_announce 0 and all=0/, /expected 2/] });

test('strict rp_filter on a multi-homed real server', finds, 'rs-rp-filter-strict', realServer((d) => {
  d.config.interfaces.client = 'eth0';
  d.sysctls['net.ipv4.conf.eth0.rp_filter'] = '1';
  d.links.push(link('eth1', [['203.0.113.21', 24]]) as (typeof d.links)[number]);
}), { severity: 'warning', what: [/eth0 has rp_filter 1 and all=0, so the kernel uses 1 on eth0/, /2 interfaces with IPv4 addresses \(eth0, eth1\)/], fix: /sysctl -w net\.ipv4\.conf\.eth0\.rp_filter=2/ });

test('strict rp_filter on a single-homed real server', finds, 'rs-rp-filter-strict', realServer((d) => {
  d.sysctls['net.ipv4.conf.eth0.rp_filter'] = '1';
}), { severity: 'info', what: [/eth0 has rp_filter 1 and all=0, so the kernel uses 1 on eth0/, /one interface/] });

test('a failing profile key without its own check', finds, 'lbfw-sysctl', director((d) => {
  const failing = {
    key: 'net.ipv4.vs.conntrack',
    template: 'net.ipv4.vs.conntrack',
    status: 'fail' as const,
    expected: '0',
    actual: '1',
    message: 'net.ipv4.vs.conntrack is 1; expected 0: set net.ipv4.vs.conntrack=0',
    fix: 'sysctl -w net.ipv4.vs.conntrack=0',
    reason: 'With DR the replies bypass the director',
    source: { profile: 'director-dr', file: '/usr/lib/lbfw/profiles/director-dr.yaml', line: 20 },
  };
  const covered = { ...failing, key: 'net.ipv4.conf.eth0.rp_filter', message: 'rp_filter is covered by rp-filter-vip' };
  d.lbfwVerify = { result: { ok: false, sysctl: { profile: 'director-dr', files: [], results: [failing, covered], ok: false } } };
}), { severity: 'warning', what: [/^net\.ipv4\.vs\.conntrack is 1; expected 0.*\(profile director-dr\)$/], fix: /sysctl -w net\.ipv4\.vs\.conntrack=0/ });

// IPVS and conntrack.
test('no /proc/net/ip_vs', finds, 'ipvs-missing', director((d) => {
  d.ipvs = { present: false };
}), { severity: 'error', what: [/\/proc\/net\/ip_vs does not exist/], fix: /modprobe ip_vs/ });

test('no /proc/net/ip_vs in the lbfw lab', finds, 'ipvs-missing', director((d) => {
  d.ipvs = { present: false };
  d.nftRuleset!.push({ table: { family: 'ip', name: 'lbfw_lab_dr', handle: 7 } });
}), { severity: 'info', what: [/IPVS emulated by the lbfw lab/] });

test('a VIP service IPVS does not have', finds, 'ipvs-service-missing', director((d) => {
  d.ipvs.services = d.ipvs.services!.split("TCP  C000020A:01BB")[0] ?? "";
}), { severity: 'warning', what: [/IPVS has no virtual service TCP 192\.0\.2\.10:443/] });

test('a DR real server on another port in keepalived.conf', finds, 'dr-port-remap', withKeepalived(KEEPALIVED_CONF.replace('real_server 198.51.100.22 80 {', 'real_server 198.51.100.22 8080 {')), {
  severity: 'error',
  what: [/virtual_server 192\.0\.2\.10:80 \(\/etc\/keepalived\/keepalived\.conf:25\) uses lvs_method DR but real_server 198\.51\.100\.22 port 8080 differs from 80/],
});

test('a DR destination on another port in IPVS', finds, 'dr-port-remap', director((d) => {
  d.ipvs.services = d.ipvs.services!.replace('C6336416:0050', 'C6336416:1F90');
}), { severity: 'error', what: [/IPVS forwards TCP 192\.0\.2\.10:80 to 198\.51\.100\.22:8080 by Direct Routing/] });

test('expire_nodest_conn 0', finds, 'expire-nodest-conn', director((d) => {
  d.sysctls['net.ipv4.vs.expire_nodest_conn'] = '0';
}), { severity: 'warning', what: [/net\.ipv4\.vs\.expire_nodest_conn is 0/], fix: /sysctl -w net\.ipv4\.vs\.expire_nodest_conn=1/ });

test('expire_quiescent_template 0 with a persistent service', finds, 'expire-quiescent-template', director((d) => {
  d.sysctls['net.ipv4.vs.expire_quiescent_template'] = '0';
}), { severity: 'warning', what: [/persistence_timeout 300/, /IPVS TCP 192\.0\.2\.10:80 \(persistent 300\)/] });

test('conntrack at 95%', finds, 'conntrack-full', director((d) => {
  d.conntrack = { count: 249037, max: 262144 };
}), { severity: 'warning', what: [/holds 249037 of 262144 entries \(95%\)/] });

test('conntrack full', finds, 'conntrack-full', realServer((d) => {
  d.conntrack = { count: 65536, max: 65536 };
}), { severity: 'error', what: [/holds 65536 of 65536 entries \(100%\): it is full/] });

// Firewall.
test("another tool's input chain without VRRP", finds, 'fw-blocks-vrrp', director((d) => {
  d.nftRuleset!.push(...sshOnlyFilter());
}), { severity: 'error', what: [/VRRP \(IP protocol 112\) from peer 192\.0\.2\.3: chain inet filter input \(hook input, policy drop\) has no rule that accepts it/], fix: /^nft insert rule inet filter input ip saddr 192\.0\.2\.3 meta l4proto vrrp accept$/ });

test("lbfw's table without the peer (stale)", finds, 'fw-blocks-vrrp', director((d) => {
  d.nftRuleset = lbfwTable({ peers4: [] });
}), { severity: 'error', what: [/chain inet lbfw input/], fix: /^lbfw apply --config \/etc\/lbfw\/lbfw\.yaml$/ });

test("another tool's input chain without IPVS sync", finds, 'fw-blocks-sync', director((d) => {
  d.nftRuleset!.push(...sshOnlyFilter());
}), { severity: 'warning', what: [/IPVS sync \(UDP 8848 to 224\.0\.0\.81\) from peer 192\.0\.2\.3/] });

test("lbfw's forward chain of a DR director under a NAT virtual_server (lbfw.yaml says forwarding: dr)", finds, 'fw-blocks-nat-replies', director((d) => {
  d.keepalived = keepalivedFacts(KEEPALIVED_CONF.replace('lvs_method DR', 'lvs_method NAT')) as NonNullable<typeof d.keepalived>;
  d.config = { ...d.config, forwarding: 'dr' };
  d.nftRuleset!.push(nftChain('inet', 'lbfw', 'forward', 'forward', 'drop'), nftRule('inet', 'lbfw', 'forward', 40, [{ counter: { packets: 0, bytes: 0 } }], 'forward-policy-drop'));
}), {
  severity: 'error',
  what: [/^NAT reply of real server tcp 198\.51\.100\.2\d:\d+: chain inet lbfw forward \(hook forward, policy drop\) has no rule that accepts it/],
  breaks: /routed through this director, which drops it/,
  fix: /^set forwarding: nat in \/etc\/lbfw\/lbfw\.yaml \(or remove its forwarding: dr\), then lbfw apply --config \/etc\/lbfw\/lbfw\.yaml$/,
  count: 2,
});

test("another tool's input chain without the VIP services", finds, 'fw-blocks-vip', director((d) => {
  d.nftRuleset!.push(...sshOnlyFilter());
}), { severity: 'error', what: [/VIP service tcp 192\.0\.2\.10:(80|443): chain inet filter input/], fix: /^nft insert rule inet filter input ip daddr 192\.0\.2\.10 tcp dport (80|443) accept$/, count: 2 });

test('a rule dropping the VIP before an accepting policy', finds, 'fw-blocks-vip', director((d) => {
  d.nftRuleset!.push(
    { table: { family: 'ip', name: 'legacy', handle: 11 } },
    nftChain('ip', 'legacy', 'INPUT', 'input', 'accept', -10),
    nftRule('ip', 'legacy', 'INPUT', 5, [match(payload('ip', 'daddr'), { prefix: { addr: '192.0.2.0', len: 28 } }), match(payload('tcp', 'dport'), { set: [80, 443] }), DROP]),
  );
}), { severity: 'error', what: [/rule "ip daddr 192\.0\.2\.0\/28 tcp dport \{ 80, 443 \} drop" \(handle 5\) of chain ip legacy INPUT drops it/], count: 2 });

test("The lab's DR emulation dropping the original VIP packet is not a firewall block.", (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.ipvs = { present: false };
    d.nftRuleset!.push(
      { table: { family: 'ip', name: 'lbfw_lab_dr', handle: 12 } },
      nftChain('ip', 'lbfw_lab_dr', 'dr', 'input', 'accept', -150),
      nftRule('ip', 'lbfw_lab_dr', 'dr', 2, [match(payload('ip', 'daddr'), '192.0.2.10'), match(payload('tcp', 'dport'), 80), { dup: { addr: '198.51.100.21', dev: 'eth1' } }, DROP]),
    );
  });
  t.deepEqual(runChecks(facts, ['fw-blocks-vip']).findings, []);
  t.is(runChecks(facts, ['ipvs-missing']).findings[0]?.severity, 'info');
});

test('an output chain with policy drop', finds, 'output-chain-drop', director((d) => {
  d.nftRuleset!.push({ table: { family: 'inet', name: 'filter', handle: 9 } }, nftChain('inet', 'filter', 'output', 'output', 'drop'));
}), { severity: 'error', what: [/DR forwarding of tcp 192\.0\.2\.10:80: chain inet filter output \(hook output, policy drop\) has no rule that accepts it/], fix: /policy accept/ });

test('an output chain with policy accept whose last rule drops', finds, 'output-chain-drop', director((d) => {
  d.nftRuleset!.push(
    { table: { family: 'inet', name: 'filter', handle: 9 } },
    nftChain('inet', 'filter', 'output', 'output', 'accept'),
    nftRule('inet', 'filter', 'output', 3, [match(meta('oifname'), 'lo'), ACCEPT]),
    nftRule('inet', 'filter', 'output', 4, [DROP]),
  );
}), { severity: 'error', what: [/rule "drop" \(handle 4\) of chain inet filter output drops it \(its policy is accept, but the rule drops first\)/], fix: /^nft insert rule inet filter output ip daddr 192\.0\.2\.10 tcp dport 80 accept$/ });

test('An ip6-only output drop is not reported for IPv4 services.', (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.nftRuleset!.push({ table: { family: 'ip6', name: 'filter', handle: 9 } }, nftChain('ip6', 'filter', 'output', 'output', 'drop'));
  });
  t.deepEqual(runChecks(facts, ['output-chain-drop']).findings, []);
});

test('an ip6-only output drop with an IPv6 service', finds, 'output-chain-drop', director((d) => {
  d.config.services.push({ family: 6, address: '2001:db8::10', protocol: 'tcp', port: 80, origin: { kind: 'default' } });
  d.nftRuleset!.push({ table: { family: 'ip6', name: 'filter', handle: 9 } }, nftChain('ip6', 'filter', 'output', 'output', 'drop'));
}), { severity: 'error', what: [/DR forwarding of tcp \[2001:db8::10\]:80: chain ip6 filter output/] });

test('ct state invalid dropped while nf_conntrack_tcp_loose is 0', finds, 'conntrack-tcp-loose', director((d) => {
  d.sysctls['net.netfilter.nf_conntrack_tcp_loose'] = '0';
  d.nftRuleset!.push(
    { table: { family: 'inet', name: 'filter', handle: 9 } },
    nftChain('inet', 'filter', 'input', 'input', 'accept', -10),
    nftRule('inet', 'filter', 'input', 3, [match({ ct: { key: 'state' } }, 'invalid'), DROP]),
  );
}), { severity: 'error', what: [/nf_conntrack_tcp_loose is 0 and rule "ct state invalid drop" \(handle 3\) of chain inet filter input drops it for tcp 192\.0\.2\.10:(80|443)/], fix: /sysctl -w net\.netfilter\.nf_conntrack_tcp_loose=1/, count: 2 });

test('The same invalid drop with nf_conntrack_tcp_loose 1 is no finding.', (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.sysctls['net.netfilter.nf_conntrack_tcp_loose'] = '1';
    d.nftRuleset!.push(
      { table: { family: 'inet', name: 'filter', handle: 9 } },
      nftChain('inet', 'filter', 'input', 'input', 'accept', -10),
      nftRule('inet', 'filter', 'input', 3, [match({ ct: { key: 'state' } }, 'invalid'), DROP]),
    );
  });
  t.deepEqual(runChecks(facts, ['conntrack-tcp-loose']).findings, []);
});

/** invalidDropWithRaw: the tcp_loose fault plus a prerouting chain of `prio` holding `rule` (another tool's raw table). */
const invalidDropWithRaw = (prio: number, expr: Parameters<typeof nftRule>[4]) =>
  director((d) => {
    d.sysctls['net.netfilter.nf_conntrack_tcp_loose'] = '0';
    d.nftRuleset!.push(
      { table: { family: 'inet', name: 'filter', handle: 9 } },
      nftChain('inet', 'filter', 'input', 'input', 'accept', -10),
      nftRule('inet', 'filter', 'input', 3, [match({ ct: { key: 'state' } }, 'invalid'), DROP]),
      { table: { family: 'ip', name: 'raw', handle: 10 } },
      nftChain('ip', 'raw', 'pre', 'prerouting', 'accept', prio),
      nftRule('ip', 'raw', 'pre', 4, expr),
    );
  });

test('VIP traffic untracked by a raw-priority notrack (any table) cannot be ct state invalid: no finding', (t) => {
  const facts = invalidDropWithRaw(-300, [match(payload('ip', 'daddr'), '192.0.2.10'), { notrack: null }]);
  t.deepEqual(runChecks(facts, ['conntrack-tcp-loose']).findings, []);
});

test('a notrack after conntrack (priority 0), for other traffic, or behind a rule that may accept first does not untrack the VIP services', (t) => {
  const late = invalidDropWithRaw(0, [match(payload('ip', 'daddr'), '192.0.2.10'), { notrack: null }]);
  t.is(runChecks(late, ['conntrack-tcp-loose']).findings.length, 2);
  const other = invalidDropWithRaw(-300, [match(payload('ip', 'daddr'), '192.0.2.99'), { notrack: null }]);
  t.is(runChecks(other, ['conntrack-tcp-loose']).findings.length, 2);
  const afterAccept = variant(invalidDropWithRaw(-300, [match(payload('ip', 'daddr'), '192.0.2.10'), { notrack: null }]), (d) => {
    const at = d.nftRuleset!.findIndex((item) => (item as { rule?: { chain?: string } }).rule?.chain === 'pre');
    d.nftRuleset!.splice(at, 0, nftRule('ip', 'raw', 'pre', 3, [match(payload('ip', 'saddr'), '198.51.100.0'), ACCEPT]) as never);
  });
  t.is(runChecks(afterAccept, ['conntrack-tcp-loose']).findings.length, 2);
});

const iptablesNftInput = [
  { table: { family: 'ip', name: 'filter', handle: 1 } },
  nftChain('ip', 'filter', 'INPUT', 'input', 'drop'),
  nftRule('ip', 'filter', 'INPUT', 2, [{ xt: { type: 'match', name: 'conntrack' } }, DROP]),
  nftRule('ip', 'filter', 'INPUT', 3, [match(meta('l4proto'), 'tcp'), { xt: { type: 'match', name: 'multiport' } }, ACCEPT]),
  nftRule('ip', 'filter', 'INPUT', 4, [match(payload('tcp', 'dport'), 22), ACCEPT]),
];
const IPTABLES_NFT_SAVE = '*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate INVALID -j DROP\n-A INPUT -p tcp -m multiport --dports 22,8000:8080 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n';

test('iptables-nft rules read back from iptables-nft-save: a multiport accept without the VIP port', finds, 'fw-blocks-vip', director((d) => {
  d.nftRuleset!.push(...iptablesNftInput);
  (d as { iptables?: unknown }).iptables = { nftSave: { ip: IPTABLES_NFT_SAVE }, legacyTables: { ip: [], ip6: [] } };
}), { severity: 'error', what: [/chain ip filter INPUT \(hook input, policy drop\) has no rule that accepts it/], count: 2 });

test('iptables-nft multiport accepting the VIP ports is judged as accepting.', (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.nftRuleset!.push(...iptablesNftInput);
    (d as { iptables?: unknown }).iptables = { nftSave: { ip: IPTABLES_NFT_SAVE.replace('22,8000:8080', '80,400:500') }, legacyTables: { ip: [], ip6: [] } };
  });
  t.deepEqual(runChecks(facts, ['fw-blocks-vip', 'fw-unjudged']).findings, []);
});

test('iptables-nft rules without iptables-nft-save', finds, 'fw-unjudged', director((d) => {
  d.nftRuleset!.push(...iptablesNftInput);
}), { severity: 'warning', what: [/could not be judged: match (conntrack|multiport) \(iptables-nft-save not available\)/], count: 2 });

test('legacy iptables tables without iptables-legacy-save', finds, 'fw-legacy-iptables', realServer((d) => {
  (d as { iptables?: unknown }).iptables = { legacyTables: { ip: ['filter'], ip6: [] } };
}), { severity: 'warning', what: [/legacy ip_tables tables exist in this namespace \(filter\)/], fix: /iptables-legacy-save/ });

test('A legacy iptables rule dropping the VIP is judged like an nft rule.', (t) => {
  const facts = variant(healthyRealServer(), (d) => {
    (d as { iptables?: unknown }).iptables = {
      legacyTables: { ip: ['filter'], ip6: [] },
      legacySave: { ip: '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -d 192.0.2.10/32 -p tcp -m tcp --dport 80 -j DROP\nCOMMIT\n' },
    };
  });
  const findings = runChecks(facts, ['rs-fw-blocks-vip', 'fw-legacy-iptables']).findings;
  t.deepEqual(findings.map((f) => [f.id, f.severity]), [['rs-fw-blocks-vip', 'error'], ['fw-legacy-iptables', 'info']]);
  t.regex(findings[0]?.what ?? '', /iptables-legacy-save line 3: -A INPUT -d 192\.0\.2\.10\/32 -p tcp -m tcp --dport 80 -j DROP.* of chain ip iptables-legacy filter INPUT drops it/);
});

test('a real server firewall accepting the VIP but not its own address', finds, 'rs-fw-blocks-health-check', realServer((d) => {
  d.nftRuleset = [
    { table: { family: 'inet', name: 'filter', handle: 1 } },
    nftChain('inet', 'filter', 'input', 'input', 'drop'),
    nftRule('inet', 'filter', 'input', 2, [match(payload('ip', 'daddr'), '192.0.2.10'), match(payload('tcp', 'dport'), 80), ACCEPT]),
  ];
}), { severity: 'error', what: [/health check tcp 198\.51\.100\.21:80 \(this server's own address\)/], fix: /^nft insert rule inet filter input ip daddr 198\.51\.100\.21 tcp dport 80 accept$/ });

test("a real server's input chain without its VIP service", finds, 'rs-fw-blocks-vip', realServer((d) => {
  d.nftRuleset = sshOnlyFilter();
}), { severity: 'error', what: [/VIP service tcp 192\.0\.2\.10:80: chain inet filter input/] });

// keepalived.
test('an unreadable keepalived.conf', finds, 'keepalived-config-error', director((d) => {
  d.keepalived = { file: '/etc/keepalived/keepalived.conf', notes: [], error: '/etc/keepalived/keepalived.conf:7: unbalanced braces' };
}), { severity: 'error', what: [/\/etc\/keepalived\/keepalived\.conf cannot be read .*unbalanced braces/] });

test('an auth_pass of 10 characters', finds, 'keepalived-auth-pass-long', withKeepalived(KEEPALIVED_CONF.replace('auth_pass Xy7pq2ab', 'auth_pass Xy7pq2ab99')), {
  severity: 'warning',
  what: [/vrrp_instance VI_1: auth_pass is 10 characters; keepalived silently uses only the first 8/, /^(?!.*Xy7pq2ab)/],
});

test('two instances with vrid 51 on eth0', finds, 'keepalived-duplicate-vrid', withKeepalived(
  `${KEEPALIVED_CONF}\nvrrp_instance VI_2 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        192.0.2.11/32\n    }\n}\n`,
), { severity: 'error', what: [/vrrp_instances VI_1 \(\/etc\/keepalived\/keepalived\.conf:6\), VI_2 \(\/etc\/keepalived\/keepalived\.conf:5\d\) all use virtual_router_id 51 on eth0/] });

test("the peer's instance also MASTER with priority 150", finds, 'keepalived-both-master', director((d) => {
  d.peerKeepalived = keepalivedFacts(PEER_CONF.replace('state BACKUP', 'state MASTER').replace('priority 100', 'priority 150'), PEER_FILE) as NonNullable<typeof d.peerKeepalived>;
}), { severity: 'error', what: [/vrrp_instance VI_1 \(\/etc\/keepalived\/keepalived\.conf:6\) and the peer's vrrp_instance VI_1 \(\/srv\/lb2\/keepalived\.conf:6\) both have state MASTER and priority 150 for virtual_router_id 51/] });

test('lb_kind instead of lvs_method', finds, 'keepalived-deprecated', withKeepalived(KEEPALIVED_CONF.replace('    lvs_method DR\n    protocol TCP\n    persistence', '    lb_kind DR\n    protocol TCP\n    persistence')), {
  severity: 'info',
  what: [/^\/etc\/keepalived\/keepalived\.conf:27: lb_kind in virtual_server is deprecated$/],
  fix: /replace lb_kind with lvs_method at \/etc\/keepalived\/keepalived\.conf:27/,
});

test("unicast_peer naming this host's own address", finds, 'keepalived-unicast-peer-self', withKeepalived(KEEPALIVED_CONF.replace('        192.0.2.3\n', '        192.0.2.2\n')), {
  severity: 'error',
  what: [/vrrp_instance VI_1: unicast_peer 192\.0\.2\.2 \(\/etc\/keepalived\/keepalived\.conf:18\) is an address of this host \(eth0\)/],
});

test('unicast_src_ip not on this host', finds, 'keepalived-unicast-src-missing', withKeepalived(KEEPALIVED_CONF.replace('unicast_src_ip 192.0.2.2', 'unicast_src_ip 192.0.2.4')), {
  severity: 'error',
  what: [/unicast_src_ip 192\.0\.2\.4 \(\/etc\/keepalived\/keepalived\.conf:16\) is not an address of this host/],
});

test('lvs_sync_daemon on a missing interface', finds, 'sync-daemon-iface', withKeepalived(KEEPALIVED_CONF.replace('lvs_sync_daemon eth1', 'lvs_sync_daemon eth9')), {
  severity: 'warning',
  what: [/lvs_sync_daemon \(\/etc\/keepalived\/keepalived\.conf:3\) names interface eth9, which does not exist here \(interfaces: lo, eth0, eth1\)/],
});

test('a vrrp_instance on a missing interface', finds, 'vrrp-iface-missing', withKeepalived(KEEPALIVED_CONF.replace('interface eth0', 'interface ens18')), {
  severity: 'error',
  what: [/vrrp_instance VI_1 \(\/etc\/keepalived\/keepalived\.conf:6\) uses interface ens18, which does not exist here/],
});

test('keepalived not running', finds, 'keepalived-not-running', director((d) => {
  d.services = [{ name: 'keepalived', running: false, pids: [] }];
}), { severity: 'warning', what: [/keepalived is not running in this network namespace, although \/etc\/keepalived\/keepalived\.conf defines 1 vrrp_instance\(s\) and 2 virtual_server\(s\)/], fix: /systemctl enable --now keepalived/ });

test('keepalived running only in another network namespace', finds, 'keepalived-not-running', director((d) => {
  d.services = [{ name: 'keepalived', running: false, pids: [], elsewhere: [4242] }];
}), { severity: 'warning', what: [/keepalived runs in another network namespace: pid 4242/] });

test('Duplicate virtual_router_ids both MASTER give only keepalived-duplicate-vrid.', (t) => {
  const conf = KEEPALIVED_CONF.replace('virtual_server 192.0.2.10 80', `vrrp_instance VI_2 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    virtual_ipaddress {
        192.0.2.11/32
    }
}

virtual_server 192.0.2.10 80`);
  const facts = director((d) => {
    d.keepalived = keepalivedFacts(conf) as NonNullable<typeof d.keepalived>;
  });
  t.deepEqual(runChecks(facts, ['keepalived-duplicate-vrid', 'keepalived-both-master']).findings.map((f) => f.id), ['keepalived-duplicate-vrid']);
});

test('a virtual_ipaddress dev that does not exist', finds, 'vrrp-iface-missing', withKeepalived(KEEPALIVED_CONF.replace('192.0.2.10/32 dev eth0', '192.0.2.10/32 dev eth7')), {
  severity: 'error',
  what: [/virtual_ipaddress 192\.0\.2\.10 of vrrp_instance VI_1 \(\/etc\/keepalived\/keepalived\.conf:21\) names dev eth7, which does not exist/],
  fix: /at \/etc\/keepalived\/keepalived\.conf:21/,
});

test('A missing interface named by keepalived.conf is not blamed on a flag.', (t) => {
  const facts = director((d) => {
    d.keepalived = keepalivedFacts(KEEPALIVED_CONF.replaceAll('eth0', 'eth7')) as NonNullable<typeof d.keepalived>;
    delete (d.config as { file?: string }).file;
    d.config.interfaces.vip = 'eth7';
  });
  const findings = runChecks(facts, ['iface-missing', 'vrrp-iface-missing']).findings;
  t.deepEqual(findings.map((f) => f.id), ['vrrp-iface-missing']);
  t.true(findings.every((f) => /keepalived\.conf:\d+/.test(f.what) && !/--iface/.test(`${f.what}${f.fix ?? ''}`)));
});

test('an IPv6 virtual_server with IPv4 real servers', finds, 'keepalived-family-mismatch', withKeepalived(KEEPALIVED_CONF.replace('virtual_server 192.0.2.10 443', 'virtual_server 2001:db8::10 443')), {
  severity: 'error',
  what: [/virtual_server 2001:db8::10 \(\/etc\/keepalived\/keepalived\.conf:\d+\) is IPv6 but real_server 198\.51\.100\.2[12] .* is IPv4/],
  breaks: /keepalived skips real_server 198\.51\.100\.2[12] .*; with no real server left, keepalived ignores the whole virtual_server \("has no real servers - ignoring"\): IPVS has no service for \[2001:db8::10\]:443/,
  count: 2,
});

const FWMARK_CONF = `${KEEPALIVED_CONF}
virtual_server fwmark 7 {
    lvs_method DR
    real_server 198.51.100.21 {
    }
}
`;

test('a fwmark virtual_server whose mark no rule sets', finds, 'keepalived-fwmark-unset', withKeepalived(FWMARK_CONF), {
  severity: 'error',
  what: [/virtual_server fwmark 7 \(\/etc\/keepalived\/keepalived\.conf:\d+\) .* no rule of the nftables ruleset sets that mark/],
  // Runnable as printed: the VRRP VIPs of the real servers' family; a port-less real server takes every port.
  fix: /^nft 'add table inet lbfw_mark; add chain inet lbfw_mark prerouting \{ type filter hook prerouting priority mangle; policy accept; \}; add rule inet lbfw_mark prerouting ip daddr 192\.0\.2\.10 meta l4proto tcp meta mark set 7'$/,
});

test('The fwmark fix names the real servers\' ports and the protocol when keepalived.conf gives them.', (t) => {
  const facts = withKeepalived(FWMARK_CONF.replace('    real_server 198.51.100.21 {\n', '    protocol TCP\n    real_server 198.51.100.21 443 {\n    }\n    real_server 198.51.100.22 80 {\n'));
  t.regex(runChecks(facts, ['keepalived-fwmark-unset']).findings[0]?.fix ?? '', /prerouting ip daddr 192\.0\.2\.10 tcp dport \{ 80, 443 \} meta mark set 7'$/);
});

test('A fwmark set by an nft rule or by iptables MARK (read from iptables-nft-save) is found.', (t) => {
  const marked = (expr: unknown, extra: Record<string, unknown> = {}): Facts =>
    director((d) => {
      d.keepalived = keepalivedFacts(FWMARK_CONF) as NonNullable<typeof d.keepalived>;
      d.nftRuleset!.push({ table: { family: 'ip', name: 'mangle', handle: 3 } }, nftChain('ip', 'mangle', 'PREROUTING', 'prerouting', 'accept', -150), nftRule('ip', 'mangle', 'PREROUTING', 2, [expr as never]));
      Object.assign(d, extra);
    });
  t.deepEqual(runChecks(marked({ mangle: { key: { meta: { key: 'mark' } }, value: 7 } }), ['keepalived-fwmark-unset']).findings, []);
  const xt = { xt: { type: 'target', name: 'MARK' } };
  t.is(runChecks(marked(xt), ['keepalived-fwmark-unset']).findings[0]?.severity, 'warning');
  const save = { iptables: { nftSave: { ip: '*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 192.0.2.10/32 -p tcp -j MARK --set-xmark 0x7/0xffffffff\nCOMMIT\n' }, legacyTables: { ip: [], ip6: [] } } };
  t.deepEqual(runChecks(marked(xt, save), ['keepalived-fwmark-unset']).findings, []);
});

test('arp_ignore 8 on eth0', finds, 'rs-arp-ignore', realServer((d) => {
  d.sysctls['net.ipv4.conf.all.arp_ignore'] = '8';
}), { severity: 'error', what: [/so the kernel uses 8 on eth0/] });

test('Each arp_ignore value is explained by its own meaning.', (t) => {
  const breaks = (value: string): string =>
    runChecks(variant(healthyRealServer(), (d) => {
      d.sysctls['net.ipv4.conf.all.arp_ignore'] = value;
    }), ['rs-arp-ignore']).findings[0]?.breaks ?? 'no finding';
  t.regex(breaks('8'), /answers no ARP request at all on eth0: the director cannot learn this server's MAC/);
  t.regex(breaks('3'), /scope global or link on any interface/);
  t.regex(breaks('5'), /reserved and acts as 0/);
  t.regex(breaks('0'), /answers ARP for the VIP \(held on lo\) on eth0/);
  t.is(breaks('1'), 'no finding');
  t.is(breaks('2'), 'no finding');
});

test('A real server whose VIPs are all IPv6 gets no ARP finding; a VIP on eth0 speaks of ND.', (t) => {
  const facts = variant(healthyRealServer(), (d) => {
    d.config.services = [{ family: 6, address: '2001:db8::10', protocol: 'tcp', port: 80, origin: { kind: 'default' } }];
    d.links[0]!.addresses.push({ ifname: 'lo', family: 6, address: '2001:db8::10', prefix: 128 });
    d.links[1]!.addresses.push({ ifname: 'eth0', family: 6, address: '2001:db8::10', prefix: 128 });
    d.listening!.push({ protocol: 'tcp', family: 6, address: '::', port: 80 });
    d.routes.push({ family: 6, dst: 'default', gateway: 'fe80::1', dev: 'eth0' });
    d.sysctls['net.ipv4.conf.all.arp_ignore'] = '0';
    d.sysctls['net.ipv4.conf.all.arp_announce'] = '0';
  });
  const findings = runChecks(facts).findings;
  t.deepEqual(findings.map((f) => f.id), ['rs-vip-on-arp-iface']);
  t.regex(findings[0]?.what ?? '', /answers neighbour solicitations \(IPv6 ND\)/);
  t.notRegex(`${findings[0]?.what ?? ''} ${findings[0]?.breaks ?? ''}`, /\bARP\b/);
});

test('A VIP on a NOARP dummy interface instead of lo is a valid way to hold it.', (t) => {
  const facts = variant(healthyRealServer(), (d) => {
    d.links[0]!.addresses = d.links[0]!.addresses.filter((a) => a.address !== '192.0.2.10');
    d.links.push({ ifname: 'dummy0', loopback: false, answersArp: false, up: true, addresses: [{ ifname: 'dummy0', family: 4, address: '192.0.2.10', prefix: 32 }] });
  });
  t.deepEqual(runChecks(facts).findings, []);
});

test('a real server without a default route', finds, 'rs-no-route-back', realServer((d) => {
  d.routes = [{ family: 4, dst: '198.51.100.0/24', dev: 'eth0' }];
}), { severity: 'error', what: [/no IPv4 default route: it reaches only 198\.51\.100\.0\/24/] });

test('a real server whose default gateway does not answer', finds, 'rs-no-route-back', realServer((d) => {
  d.neighbours = [{ address: '198.51.100.254', dev: 'eth0', state: ['FAILED'] }];
}), { severity: 'error', what: [/default gateway 198\.51\.100\.254 on eth0 does not answer ARP \(neighbour state FAILED\)/] });

test('--client routes are used: a client route via a dead gateway', finds, 'rs-no-route-back', realServer((d) => {
  d.routeLookups = [{ target: '203.0.113.100', purpose: 'client', route: { family: 4, dst: '203.0.113.100', gateway: '198.51.100.99', dev: 'eth0' } }];
  d.neighbours = [{ address: '198.51.100.99', dev: 'eth0', state: ['INCOMPLETE'] }];
}), { severity: 'error', what: [/route back to client 203\.0\.113\.100 goes via gateway 198\.51\.100\.99 on eth0, which does not answer ARP/] });

test('--client routes are used: a host route via a dead gateway beside a default route that answers', finds, 'rs-no-route-back', realServer((d) => {
  d.routes = [...d.routes, { family: 4, dst: '203.0.113.100', gateway: '198.51.100.99', dev: 'eth0' }];
  d.routeLookups = [{ target: '203.0.113.100', purpose: 'client', route: { family: 4, dst: '203.0.113.100', gateway: '198.51.100.99', dev: 'eth0' } }];
  d.neighbours = [{ address: '198.51.100.99', dev: 'eth0', state: ['FAILED'] }];
}), { severity: 'error', what: [/via gateway 198\.51\.100\.99/], fix: /^ip route del 203\.0\.113\.100 via 198\.51\.100\.99 dev eth0 \(the default route via 198\.51\.100\.254 then carries the replies/ });

test('A working --client route is no finding, even without a default route.', (t) => {
  const facts = variant(healthyRealServer(), (d) => {
    d.routes = [{ family: 4, dst: '198.51.100.0/24', dev: 'eth0' }];
    d.routeLookups = [{ target: '198.51.100.50', purpose: 'client', route: { family: 4, dst: '198.51.100.50', dev: 'eth0' } }];
  });
  t.deepEqual(runChecks(facts, ['rs-no-route-back']).findings, []);
});

test('an IPv6 wildcard socket with IPV6_V6ONLY for an IPv4 VIP', finds, 'rs-not-listening', realServer((d) => {
  d.listening = [{ protocol: 'tcp', family: 6, address: '::', port: 80 }];
  (d as { v6only?: unknown }).v6only = [{ protocol: 'tcp', address: '::', port: 80, v6only: true }];
}), { severity: 'error', what: [/the socket on \[::\]:80 has IPV6_V6ONLY set/], fix: /0\.0\.0\.0:80/ });

test('A dual-stack [::] socket serves an IPv4 VIP.', (t) => {
  const facts = variant(healthyRealServer(), (d) => {
    d.listening = [{ protocol: 'tcp', family: 6, address: '::', port: 80 }];
    (d as { v6only?: unknown }).v6only = [{ protocol: 'tcp', address: '*', port: 80, v6only: false }];
  });
  t.deepEqual(runChecks(facts, ['rs-not-listening']).findings, []);
});

test('Inside a network namespace the conntrack fix names nf_conntrack_max as global.', (t) => {
  const facts = variant(healthyRealServer(), (d) => {
    d.conntrack = { count: 65536, max: 65536 };
    (d as { netns?: unknown }).netns = { self: 'net:[4026532999]', initial: false };
  });
  t.regex(runChecks(facts, ['conntrack-full']).findings[0]?.fix ?? '', /is global .* read-only inside this network namespace: on the host itself, sysctl -w net\.netfilter\.nf_conntrack_max=131072/);
});

test('Fixes repeat the flags the doctor was given (--blacklist, --keepalived, --config).', (t) => {
  const facts = variant(healthyRealServer(), (d) => {
    d.sysctls['net.ipv4.conf.all.arp_ignore'] = '0';
    (d as { invocation?: unknown }).invocation = ['--config', '/srv/lbfw.yaml', '--blacklist', '/srv/bl', '--keepalived', '/srv/k.conf', '--client', '203.0.113.1'];
  });
  t.regex(runChecks(facts, ['rs-arp-ignore']).findings[0]?.fix ?? '', /^lbfw apply --config \/srv\/lbfw\.yaml --blacklist \/srv\/bl --keepalived \/srv\/k\.conf \(or at once/);
});

test('A NAT director is judged by the director-nat profile, and its fix says so.', (t) => {
  const facts = variant(healthyDirector(), (d) => {
    (d as { profile?: unknown }).profile = 'director-nat';
    d.lbfwVerify!.result!.sysctl = {
      profile: 'director-nat',
      files: [],
      ok: false,
      results: [{ key: 'net.ipv4.ip_forward', template: 'net.ipv4.ip_forward', status: 'fail', expected: '1', actual: '0', message: 'net.ipv4.ip_forward is 0, expected 1', reason: 'NAT replies are routed through the director', fix: 'sysctl -w net.ipv4.ip_forward=1' }],
    } as never;
  });
  const finding = runChecks(facts, ['lbfw-sysctl']).findings[0];
  t.is(finding?.severity, 'error', 'without forwarding no NAT reply reaches a client');
  t.regex(finding?.what ?? '', /ip_forward .*\(profile director-nat\)/);
  t.regex(finding?.fix ?? '', /^lbfw apply --config \/etc\/lbfw\/lbfw\.yaml --profile director-nat \(or at once.*ip_forward=1\)/);
});

test('lo down says what it breaks on this kernel: loopback, not DR delivery.', (t) => {
  const facts = variant(healthyRealServer(), (d) => {
    d.links[0]!.up = false;
  });
  const finding = runChecks(facts, ['lo-down']).findings[0];
  t.regex(finding?.breaks ?? '', /nothing reaches 127\.0\.0\.1 .*DR traffic for the VIPs on lo is still delivered/);
});

// Sockets, blacklist, lbfw itself, facts, probe.
test('a service listening on the real address only', finds, 'rs-not-listening', realServer((d) => {
  d.listening = [{ protocol: 'tcp', family: 4, address: '198.51.100.21', port: 80 }];
}), { severity: 'error', what: [/nothing listens for tcp 192\.0\.2\.10:80: port 80 is open only on 198\.51\.100\.21:80, not on the VIP/] });

test('a blacklist entry covering a real server', finds, 'blacklist-protected', director((d) => {
  d.blacklist = {
    file: '/etc/lbfw/static_blacklist',
    entries: 4,
    hits: [{ entry: '198.51.100.0/25', file: '/etc/lbfw/static_blacklist', line: 3, address: '198.51.100.21', role: 'real server' }],
  };
}), { severity: 'error', what: [/blacklist entry 198\.51\.100\.0\/25 \(\/etc\/lbfw\/static_blacklist:3\) covers 198\.51\.100\.21 \(real server\)/], fix: /^lbfw blacklist remove --config \/etc\/lbfw\/lbfw\.yaml 198\.51\.100\.0\/25$/ });

test("drift in lbfw's running table", finds, 'lbfw-drift', director((d) => {
  d.lbfwVerify = { result: { ok: false, firewall: { ok: false, drift: [{ subject: 'set bl4_hosts', message: "1 element not in lbfw's sources: 203.0.113.99" }] } } };
}), { severity: 'warning', what: [/\(1 difference\): set bl4_hosts: 1 element not in lbfw's sources: 203\.0\.113\.99/], fix: /^lbfw apply --config \/etc\/lbfw\/lbfw\.yaml/ });

test('an apply --confirm whose timer died', finds, 'lbfw-confirm', director((d) => {
  d.lbfwVerify = {
    result: {
      ok: false,
      firewall: { ok: false, drift: [], pendingConfirm: { token: 't', backupId: 'b', deadline: '2026-01-01T00:00:00.000Z' }, confirmProblem: 'the confirm timer (pid 4242) is not running: nothing will restore the previous firewall' },
    },
  } as never;
}), { severity: 'error', what: [/confirm timer \(pid 4242\) is not running/], fix: /^lbfw rollback/ });

test('a source of facts that could not be read', finds, 'facts-incomplete', director((d) => {
  d.errors = [{ source: '/usr/sbin/nft -j list ruleset', message: 'exit 1: Operation not permitted' }];
}), { severity: 'warning', what: [/could not read \/usr\/sbin\/nft -j list ruleset: exit 1: Operation not permitted/] });

test('a real server answering ARP for the VIP', finds, 'arp-probe', director((d) => {
  d.probe = [
    {
      vip: '192.0.2.10',
      iface: 'eth0',
      source: '192.0.2.2',
      local: true,
      answers: [
        { mac: '02:00:00:00:00:02', addresses: ['192.0.2.2'], own: true },
        { mac: RS1_MAC, addresses: ['198.51.100.21'], own: false },
      ],
    },
  ];
}), { severity: 'error', what: [/02:00:00:00:01:21, real server 198\.51\.100\.21, answers ARP for VIP 192\.0\.2\.10 on eth0 beside this director/], fix: /on 198\.51\.100\.21: lbfw apply --role realserver --vip 192\.0\.2\.10/, others: 1 });

/** hostProbe is one answer of probeHosts as the facts hold it. */
const hostProbe = (address: string, role: 'peer' | 'real server', macs: string[]) => ({ address, role, iface: 'eth0', source: '192.0.2.2', macs });
const CLAIMANT_MAC = '02:00:00:00:01:22';

test("a real server answering ARP for the peer director's address", finds, 'arp-claimed', director((d) => {
  d.hostProbe = [hostProbe('192.0.2.3', 'peer', ['02:00:00:00:00:03', CLAIMANT_MAC]), hostProbe('198.51.100.21', 'real server', [RS1_MAC]), hostProbe('198.51.100.22', 'real server', [CLAIMANT_MAC])];
}), {
  severity: 'error',
  what: [/^ARP who-has 192\.0\.2\.3 \(the peer director\) on eth0 is answered by 2 hosts: 02:00:00:00:00:03 \(peer director 192\.0\.2\.3\) and 02:00:00:00:01:22 \(real server 198\.51\.100\.22\)$/],
  breaks: /unicast VRRP adverts .* both directors hold the VIPs/,
  fix: /^on 02:00:00:00:01:22 \(real server 198\.51\.100\.22\): stop it answering for addresses that are not its own .*ip neigh flush to 192\.0\.2\.3 dev eth0/s,
});

test('one unknown host answering ARP for two real servers', finds, 'arp-claimed', director((d) => {
  d.hostProbe = [hostProbe('198.51.100.21', 'real server', [RS1_MAC, CLAIMANT_MAC]), hostProbe('198.51.100.22', 'real server', ['02:00:00:00:01:23', CLAIMANT_MAC])];
}), {
  severity: 'error',
  count: 2,
  what: [/is answered by 2 hosts: .*02:00:00:00:01:22, which also answers for 198\.51\.100\.2[12]/],
  breaks: /DR forwards 198\.51\.100\.2[12]'s share of the connections/,
  fix: /^on 02:00:00:00:01:22: stop it answering/,
});

test('an ARP probe of the peer that could not run', finds, 'arp-claimed', director((d) => {
  d.hostProbe = [{ ...hostProbe('192.0.2.3', 'peer', []), error: 'arping: command not found' }];
}), { severity: 'warning', what: [/the ARP probe for peer 192\.0\.2\.3 could not run: arping: command not found/], fix: /apt-get install iputils-arping/ });

test('One MAC for each peer and real server, or none (a host that is down), is no finding.', (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.hostProbe = [hostProbe('192.0.2.3', 'peer', []), hostProbe('198.51.100.21', 'real server', [RS1_MAC]), hostProbe('198.51.100.22', 'real server', [CLAIMANT_MAC])];
  });
  t.deepEqual(runChecks(facts, ['arp-claimed']).findings, []);
});

test('Without errors, the probe lists who answers as info.', (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.probe = [{ vip: '192.0.2.10', iface: 'eth0', source: '192.0.2.2', local: true, answers: [{ mac: '02:00:00:00:00:02', addresses: ['192.0.2.2'], own: true }] }];
  });
  const found = runChecks(facts, ['arp-probe']).findings;
  t.is(found.length, 1);
  t.is(found[0]?.severity, 'info');
  t.is(found[0]?.what, 'ARP who-has 192.0.2.10 on eth0 (from 192.0.2.2) is answered by 02:00:00:00:00:02 (this director)');
});

test('lbfw-drift is skipped when lbfw has no table.', (t) => {
  const facts = variant(healthyDirector(), (d) => {
    d.nftRuleset = [];
    d.lbfwVerify = { result: { ok: false, firewall: { ok: false, drift: [{ subject: 'table inet lbfw', message: 'table inet lbfw is missing' }] } } };
  });
  t.deepEqual(runChecks(facts, ['lbfw-drift']).findings, []);
});

// The overlimit ban table (issue 8).
test('a ban set 90% full', finds, 'ban-set-fill', director((d) => {
  d.nftRuleset = [...(d.nftRuleset ?? []), { set: { family: 'inet', table: 'lbfw_ban', name: 'ban4', size: 10, elem: ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5', '203.0.113.6', '203.0.113.7', '203.0.113.8', '203.0.113.9'] } }];
}), { severity: 'warning', what: [/set ban4 of inet lbfw_ban holds 9 of 10 elements \(90%\)/], fix: /overlimit\.set_size/ });

test('overlimit configured without its table', finds, 'ban-table-missing', director((d) => {
  d.config.overlimit = { maxConnections: 100, services: [], states: ['ESTABLISHED'], prefix4: 32, prefix6: 64, exempt: [], banSeconds: 600, escalation: [], historySeconds: 86400, setSize: 65536, maxRowsOldKernel: 200000, exemptConnectedNetworks: true };
}), { severity: 'warning', what: [/table inet lbfw_ban is not loaded/], fix: /overlimit/ });

test('a peer without a ban table', finds, 'ban-peer', director((d) => {
  d.peerBan = { file: 'peer.json', hostname: 'lb2', hasBanTable: false };
}), { severity: 'warning', what: [/lb2 has no ban table/] });

// Issue 12's holes in a host firewall other than lbfw's (checks/hardening.ts).

const counted = { counter: { packets: 0, bytes: 0 } };

/** permissiveFilter: another tool's `table inet filter` as many hosts have it: VRRP, ICMP and the ports accepted by protocol alone. */
function permissiveFilter(ports: readonly number[] = [22, 80, 443]): Record<string, unknown>[] {
  const r = (handle: number, expr: readonly Record<string, unknown>[]): Record<string, unknown> => nftRule('inet', 'filter', 'input', handle, expr);
  return [
    { table: { family: 'inet', name: 'filter', handle: 9 } },
    nftChain('inet', 'filter', 'input', 'input', 'drop'),
    r(2, [match({ ct: { key: 'state' } }, ['established', 'related'], 'in'), ACCEPT]),
    r(3, [match(meta('iif'), 'lo'), ACCEPT]),
    r(4, [match(meta('l4proto'), 'vrrp'), ACCEPT]),
    r(5, [match(payload('tcp', 'dport'), { set: [...ports] }), ACCEPT]),
    r(6, [match(meta('l4proto'), 'icmp'), ACCEPT]),
    r(7, [match(meta('l4proto'), 'ipv6-icmp'), ACCEPT]),
  ];
}

/** protectedFilter: the same tool's table with every protection of issue 12 (the healthy twin). */
function protectedFilter(serviceAccept: Record<string, unknown>): Record<string, unknown>[] {
  const r = (handle: number, expr: readonly Record<string, unknown>[]): Record<string, unknown> => nftRule('inet', 'filter', 'input', handle, expr);
  return [
    { table: { family: 'inet', name: 'filter', handle: 9 } },
    nftChain('inet', 'filter', 'input', 'input', 'drop'),
    nftChain('inet', 'filter', 'forward', 'forward', 'drop'),
    r(2, [match(meta('iif'), 'lo'), ACCEPT]),
    r(3, [match(payload('ip6', 'saddr'), { prefix: { addr: '::ffff:0.0.0.0', len: 96 } }), counted, DROP]),
    r(4, [match(payload('icmp', 'type'), 'redirect'), DROP]),
    r(5, [match(payload('icmpv6', 'type'), 'nd-redirect'), DROP]),
    r(6, [match({ ct: { key: 'state' } }, 'invalid', 'in'), DROP]),
    r(7, [match({ ct: { key: 'state' } }, ['established', 'related'], 'in'), ACCEPT]),
    r(8, [match(meta('iifname'), 'eth0'), match(payload('ip', 'saddr'), '192.0.2.3'), match(payload('ip', 'ttl'), 255), match(meta('l4proto'), 'vrrp'), ACCEPT]),
    r(9, [match(payload('tcp', 'dport'), 22), ACCEPT]),
    r(10, [serviceAccept, ACCEPT]),
    r(11, [match(payload('icmp', 'type'), 'echo-request'), ACCEPT]),
  ];
}

const foreignDirector = (change: Parameters<typeof variant>[1] = () => undefined): Facts =>
  director((d) => {
    d.nftRuleset = permissiveFilter();
    change(d);
  });
const foreignRealServer = (change: Parameters<typeof variant>[1] = () => undefined): Facts =>
  realServer((d) => {
    d.nftRuleset = permissiveFilter([22, 80]);
    d.links[1]!.addresses.push({ ifname: 'eth0', family: 6, address: '2001:db8:1::21', prefix: 64 });
    change(d);
  });

const HARDENING_IDS = ['fw-vrrp-spoofable', 'fw-vrrp6-any-link-local', 'fw-ipv4-mapped', 'fw-invalid-accepted', 'fw-icmp-error-unrelated', 'fw-icmp-redirect', 'rs-fw-service-any-address', 'fw-forward-open'];

test('another tool accepting VRRP by protocol alone', finds, 'fw-vrrp-spoofable', foreignDirector(), {
  severity: 'warning',
  what: [/^VRRP \(IP protocol 112\) with the peer's source 192\.0\.2\.3 (and TTL 63 \(routed, so not from the link\) is accepted on eth0|arriving on eth1, not keepalived's interface eth0, is accepted): rule "meta l4proto vrrp accept" \(handle 4\) of chain inet filter input accepts it$/],
  fix: /^lbfw apply .*\(lbfw's firewall has this protection; or by hand: nft insert rule inet filter input 'meta l4proto vrrp (ip ttl != 255|iifname != "eth0") drop'\)$/,
  count: 2,
});

test('iptables-nft with a TTL check still accepting VRRP on every interface', finds, 'fw-vrrp-spoofable', director((d) => {
  d.nftRuleset = [
    { table: { family: 'ip', name: 'filter', handle: 1 } },
    nftChain('ip', 'filter', 'INPUT', 'input', 'drop'),
    nftRule('ip', 'filter', 'INPUT', 2, [match(meta('l4proto'), 'vrrp'), { xt: { type: 'match', name: 'ttl' } }, counted, ACCEPT]),
  ];
  (d as { iptables?: unknown }).iptables = { nftSave: { ip: '*filter\n:INPUT DROP [0:0]\n-A INPUT -p vrrp -m ttl --ttl-eq 255 -j ACCEPT\nCOMMIT\n' }, legacyTables: { ip: [], ip6: [] } };
}), { severity: 'warning', what: [/arriving on eth1, not keepalived's interface eth0, is accepted: rule "meta l4proto vrrp ip ttl 255 accept comment "iptables-nft-save: -A INPUT -p vrrp -m ttl --ttl-eq 255 -j ACCEPT""/], fix: /; or by hand: iptables-nft -I INPUT -p vrrp ! -i eth0 -j DROP\)$/ });

test('VRRPv3 over IPv6 accepted from any link-local sender', finds, 'fw-vrrp6-any-link-local', foreignDirector((d) => {
  d.config.peers.push({ family: 6, address: 'fe80::3', origin: { kind: 'default' } });
}), { severity: 'warning', what: [/^VRRPv3 to ff02::12 from fe80::bad:1, a link-local address of no peer on eth0, is accepted: rule "meta l4proto vrrp accept"/], fix: /nft insert rule inet filter input 'meta l4proto vrrp ip6 saddr fe80::\/10 ip6 saddr != fe80::3 drop'/ });

test('IPv4-mapped sources reaching an IPv6 VIP service', finds, 'fw-ipv4-mapped', foreignDirector((d) => {
  d.config.services.push({ family: 6, address: '2001:db8::10', protocol: 'tcp', port: 443, origin: { kind: 'default' } });
}), { severity: 'warning', what: [/^a packet from ::ffff:203\.0\.113\.99 to tcp \[2001:db8::10\]:443 is accepted: rule "tcp dport \{ 22, 80, 443 \} accept" \(handle 5\) of chain inet filter input accepts it$/], fix: /'ip6 saddr ::ffff:0\.0\.0\.0\/96 drop'/ });

test('no ct state invalid drop for the host\'s own traffic', finds, 'fw-invalid-accepted', foreignDirector(), {
  severity: 'warning',
  what: [/^a TCP packet to (192\.0\.2\.2:22|\[2001:db8::2\]:22) that conntrack calls invalid .* is accepted: rule "tcp dport \{ 22, 80, 443 \} accept"/],
  fix: /'(ip daddr != 192\.0\.2\.10 |meta nfproto ipv6 )ct state invalid drop'/,
  count: 2,
});

test('ICMP errors accepted without ct state related', finds, 'fw-icmp-error-unrelated', foreignDirector(), {
  severity: 'warning',
  what: [/^an ICMP(v6)? "(fragmentation needed|packet too big)" to (192\.0\.2\.2|2001:db8::2) that quotes no flow of this host is accepted: rule "meta l4proto (icmp|ipv6-icmp) accept"/],
  fix: /'(ip daddr != 192\.0\.2\.10 icmp type destination-unreachable|meta nfproto ipv6 icmpv6 type packet-too-big) ct state != related drop'/,
  count: 2,
});

test('ICMP redirects accepted as related', finds, 'fw-icmp-redirect', foreignDirector(), {
  severity: 'warning',
  what: [/^an ICMP(v6)? redirect to (192\.0\.2\.2|2001:db8::2) quoting a live flow \(ct state related\) is accepted: rule "ct state established,related accept"/],
  fix: /'(icmp type redirect|icmpv6 type nd-redirect) drop'/,
  count: 2,
});

test("a real server's service port open on an address of the other family", finds, 'rs-fw-service-any-address', foreignRealServer(), {
  severity: 'warning',
  what: [/^tcp \[2001:db8:1::21\]:80 is accepted from any source \(the service 192\.0\.2\.10:80 is IPv4 only; the health checks never connect there\)/],
  fix: /nft insert rule inet filter input 'ip6 daddr 2001:db8:1::21 tcp dport 80 drop'/,
});

test('a DR director with ip_forward on and no forward chain', finds, 'fw-forward-open', foreignDirector((d) => {
  d.sysctls['net.ipv4.ip_forward'] = '1';
}), { severity: 'warning', what: [/^net\.ipv4\.ip_forward is 1 and a new TCP connection from outside to 198\.51\.100\.21:22 is forwarded: no chain filters the forward hook$/], fix: /^sysctl -w net\.ipv4\.ip_forward=0/ });

test('A forward chain accepting by policy is named.', (t) => {
  const facts = foreignDirector((d) => {
    d.sysctls['net.ipv4.ip_forward'] = '1';
    d.nftRuleset!.push(nftChain('inet', 'filter', 'forward', 'forward', 'accept'));
  });
  t.deepEqual(runChecks(facts, ['fw-forward-open']).findings.map((f) => f.what), [
    'net.ipv4.ip_forward is 1 and a new TCP connection from outside to 198.51.100.21:22 is forwarded: chain inet filter forward (policy accept) lets it pass',
  ]);
});

test('A foreign firewall with every protection of issue 12 has none of the hole findings (healthy twin).', (t) => {
  const d = foreignDirector((d) => {
    d.sysctls['net.ipv4.ip_forward'] = '1';
    d.config.services.push({ family: 6, address: '2001:db8::10', protocol: 'tcp', port: 443, origin: { kind: 'default' } });
    d.nftRuleset = protectedFilter(match({ concat: [payload('ip', 'daddr'), payload('tcp', 'dport')] }, { set: [{ concat: ['192.0.2.10', 80] }, { concat: ['192.0.2.10', 443] }] }));
  });
  t.deepEqual(runChecks(d, HARDENING_IDS).findings, []);
  const rs = foreignRealServer((d) => {
    d.nftRuleset = protectedFilter(match(payload('ip', 'daddr'), { set: ['192.0.2.10', '198.51.100.21'] }));
  });
  t.deepEqual(runChecks(rs, HARDENING_IDS).findings, []);
});

test("With lbfw's own table loaded the hole checks stay silent, even beside a permissive table.", (t) => {
  const facts = director((d) => {
    d.sysctls['net.ipv4.ip_forward'] = '1';
    d.nftRuleset!.push(...permissiveFilter());
  });
  t.deepEqual(runChecks(facts, HARDENING_IDS).findings, []);
});

test('Without any firewall on the input hook there is nothing to judge.', (t) => {
  const facts = director((d) => {
    d.sysctls['net.ipv4.ip_forward'] = '1';
    d.nftRuleset = [];
  });
  t.deepEqual(runChecks(facts, HARDENING_IDS).findings, []);
});

test('A rule that might not match (a rate limit) is no certain hole.', (t) => {
  const facts = foreignDirector((d) => {
    d.nftRuleset = [
      { table: { family: 'inet', name: 'filter', handle: 9 } },
      nftChain('inet', 'filter', 'input', 'input', 'drop'),
      nftRule('inet', 'filter', 'input', 2, [match(meta('l4proto'), 'vrrp'), { limit: { rate: 10, per: 'second' } }, ACCEPT]),
    ];
  });
  t.deepEqual(runChecks(facts, ['fw-vrrp-spoofable']).findings, []);
});

test('Every check of the registry has a broken variant above.', (t) => {
  const missing = CHECKS.map((c) => c.id).filter((id) => !covered.has(id));
  t.deepEqual(missing, []);
});

test('when the links could not be read, no VIP is reported absent or missing from lo', (t) => {
  const unread = (facts: Facts): Facts => ({ ...facts, links: [] });
  const ids = (facts: Facts): string[] => runChecks(facts).findings.map((f) => f.id);
  t.false(ids(unread(healthyDirector())).includes('vip-absent'));
  t.false(ids(unread(healthyRealServer())).includes('rs-vip-not-on-lo'));
});
