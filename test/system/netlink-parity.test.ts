/**
 * Both backends load every golden table the builder produces, each in its
 * own namespace: the nft program (`nft -f`) in one, lbfw's netlink batch in
 * the other. `nft list table inet lbfw` must print the same text for both,
 * `nft --debug=netlink list` the same kernel expressions (so the netlink
 * encoder writes what nft writes, not merely something nft prints alike),
 * and lbfw's own read-back must find no drift: each backend on its own
 * table, and each on the table the other loaded.
 *
 * The ban table (`inet lbfw_ban`) is not here: only the nft program writes
 * it (src/nft/ban-cli.ts), whatever LBFW_BACKEND says.
 */
import type { ExecutionContext } from 'ava';
import type { NormalisedBlacklist } from '../../src/blacklist/normalise.js';
import type { HostConfig } from '../../src/config/model.js';
import { readBackDrift } from '../../src/firewall/read-back.js';
import type { Netns } from '../../src/lab/netns.js';
import type { NftBackend } from '../../src/nft/backend.js';
import { NftCli } from '../../src/nft/cli-backend.js';
import { NetlinkBackend } from '../../src/nft/netlink/backend.js';
import { loadNative } from '../../src/nft/netlink/native.js';
import { Transaction } from '../../src/nft/transaction.js';
import { buildRuleset } from '../../src/ruleset/build.js';
import { BLACKLIST, DIRECTOR, REALSERVER, peer } from '../helpers/fixtures.js';
import { NFT, systemTest, withNamespace } from '../helpers/system.js';

const FIXTURE = { kind: 'default' } as const;

/** 70,000 distinct IPv4 hosts in 203.0.113.0/24's neighbours (enough for lbfw to shard them: a verdict map over 2 chains). */
function manyHosts(): string[] {
  const hosts: string[] = [];
  for (let i = 0; hosts.length < 70_000; i++) hosts.push(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  return hosts;
}

/** The golden tables: every role and hardening variant the builder has a branch for. */
const GOLDEN: readonly { readonly name: string; readonly config: HostConfig; readonly blacklist: NormalisedBlacklist }[] = [
  // Dual-stack DR director: VRRP and IPVS sync from IPv4 and IPv6 peers on eth0, reverse-path checks, notrack, echo limit, forward policy.
  { name: 'director (DR, hardened, IPv6 peers)', config: DIRECTOR, blacklist: BLACKLIST },
  // NAT director: the forward chain accepts real servers' replies (ip saddr . meta l4proto . th sport); VIPs without a port.
  {
    name: 'director (NAT forward chain, VIPs without a port)',
    config: {
      ...DIRECTOR,
      forwarding: 'nat',
      vipAddresses: [
        { family: 4, address: '192.0.2.30', origin: FIXTURE },
        { family: 6, address: '2001:db8::30', origin: FIXTURE },
      ],
      realServers: [...DIRECTOR.realServers, { family: 6, address: '2001:db8::21', origin: FIXTURE }],
    },
    blacklist: BLACKLIST,
  },
  // Link-local VRRPv3 peer, a separate sync interface, an IPv6 sync group, accept policy, a blacklist big enough to shard.
  {
    name: 'director (link-local VRRP peer, IPv6 sync on eth2, sharded blacklist)',
    config: {
      ...DIRECTOR,
      interfaces: { vip: 'eth0', sync: 'eth2' },
      peers: [peer('fe80::2'), peer('2001:db8::2')],
      ipvsSync: { port: 8849, group: { family: 6, address: 'ff02::8:1' }, origin: FIXTURE },
      inputPolicy: 'accept',
    },
    blacklist: { ...BLACKLIST, hosts4: manyHosts() },
  },
  // Real server without directors or own addresses: health checks by family (explicit meta nfproto).
  { name: 'real server', config: REALSERVER, blacklist: BLACKLIST },
  // Real server that names its directors and addresses: health checks from them to it only.
  {
    name: 'real server (directors and own addresses named)',
    config: {
      ...REALSERVER,
      directors: [peer('192.0.2.2'), peer('192.0.2.3'), peer('2001:db8::2')],
      addresses: [
        { family: 4, address: '192.0.2.41' },
        { family: 6, address: '2001:db8::41' },
      ],
    },
    blacklist: BLACKLIST,
  },
];

function netlink(t: ExecutionContext, ns: Netns): NetlinkBackend {
  const native = loadNative({});
  if (typeof native === 'string') t.fail(`the netlink binding must be built for this test: ${native}`);
  return new NetlinkBackend(native as Exclude<typeof native, string>, { netns: ns.name, nft: NFT });
}

/**
 * The kernel's view through `nft --debug=netlink list`: handles dropped
 * (they count differently) and each set's element lines sorted (a hash set
 * dumps in the order of its per-set random seed).
 */
function kernelView(listing: string): string {
  const out: string[] = [];
  let elements: string[] = [];
  const flush = (): void => {
    out.push(...elements.sort());
    elements = [];
  };
  for (const line of listing.replace(/^(inet lbfw \S+)( \d+)+$/gm, '$1').split('\n')) {
    if (line.startsWith('\telement ')) elements.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n');
}

async function drift(backend: NftBackend, ruleset: ReturnType<typeof buildRuleset>): Promise<string[]> {
  return (await readBackDrift(backend, ruleset)).map((d) => JSON.stringify(d));
}

for (const golden of GOLDEN) {
  systemTest(`parity: ${golden.name}: nft -f and one netlink batch load the same table, and each backend reads either back without drift`, async (t) => {
    const ruleset = buildRuleset(golden.config, golden.blacklist);
    await withNamespace(async (a) => {
      await withNamespace(async (b) => {
        const cli = new NftCli({ netns: a.name });
        const nl = netlink(t, b);
        await cli.run(new Transaction().replaceTable(ruleset));
        await nl.run(new Transaction().replaceTable(ruleset));
        t.is(await b.ok([NFT, 'list', 'table', 'inet', 'lbfw']), await a.ok([NFT, 'list', 'table', 'inet', 'lbfw']));
        t.is(kernelView(await b.ok([NFT, '--debug=netlink', 'list', 'table', 'inet', 'lbfw'])), kernelView(await a.ok([NFT, '--debug=netlink', 'list', 'table', 'inet', 'lbfw'])));
        // lbfw's verify (readBackDrift) on each backend's own table, then across.
        t.deepEqual(await drift(nl, ruleset), [], 'netlink reads its own table');
        t.deepEqual(await drift(cli, ruleset), [], 'nft reads its own table');
        t.deepEqual(await drift(netlink(t, a), ruleset), [], "netlink reads the table nft loaded: every rule typed");
        t.deepEqual(await drift(new NftCli({ netns: b.name }), ruleset), [], 'nft reads the table netlink loaded');
        const untyped = (await netlink(t, a).readTable())?.chains.flatMap((c) => c.rules.filter((r) => r.rule === undefined).map((r) => `${c.name}: ${r.text}`));
        t.deepEqual(untyped, []);
      });
    });
  });
}
