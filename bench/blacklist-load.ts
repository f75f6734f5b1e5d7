/**
 * Benchmark: loading a big static_blacklist, lbfw against the tools it
 * replaces, measured in the same run inside a throwaway network namespace.
 *
 *   npm run bench                 # 1,000,000 IPv4 hosts + 2,000 prefixes
 *   BENCH_HOSTS=200000 npm run bench
 *
 * Baselines:
 * - ipset: the shell firewall lbfw replaces (`ipset restore` of hash:ip and
 *   hash:net sets, the fastest of the old tools; DESIGN.md section 3);
 * - nft naive: what a hand-written nft firewall does, one `nft -f` of the
 *   unmerged list, ranges in an auto-merge interval set.
 * lbfw's figure is the whole `lbfw apply`: read and validate the file, merge,
 * render, commit one transaction, read the table back and compare. The
 * netlink rows run lbfw's netlink backend directly (bench/netlink-load.ts).
 * Every row is the median of BENCH_RUNS runs (default 3), baselines too.
 * Growth: BENCH_HOSTS=100000, 400000, 1000000, 2000000 in turn.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Netns } from '../src/lab/netns.js';
import { systemNft } from '../src/nft/cli-backend.js';

const LBFW = fileURLToPath(new URL('../../bin/lbfw', import.meta.url));
const HOSTS = Number(process.env['BENCH_HOSTS'] ?? 1_000_000);
const PREFIXES = Number(process.env['BENCH_PREFIXES'] ?? 2_000);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** xorshift32 with a fixed seed: the same list every run. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

function ipv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

interface Measurement {
  readonly seconds: number;
  readonly rssMiB?: number;
}

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const NETLINK_LOAD = fileURLToPath(new URL('./netlink-load.js', import.meta.url));

/** Runs argv in `ns` and measures wall time and peak RSS (via /usr/bin/time when present). */
async function measureOnce(ns: Netns, argv: readonly string[], input?: string): Promise<Measurement> {
  const wrapped = TIME === undefined ? argv : [TIME, '-f', 'maxrss=%M', ...argv];
  const started = process.hrtime.bigint();
  const result = await ns.exec(wrapped, input);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr.slice(0, 500)}`);
  const rss = /maxrss=(\d+)/.exec(result.stderr)?.[1];
  return { seconds, ...(rss === undefined ? {} : { rssMiB: Number(rss) / 1024 }) };
}

/** The median of RUNS runs (a noisy shared machine: one sample is worth little); `before` resets state. */
async function measure(ns: Netns, argv: readonly string[], input?: string, before?: () => Promise<unknown>): Promise<Measurement> {
  const samples: Measurement[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (before !== undefined) await before();
    samples.push(await measureOnce(ns, argv, input));
  }
  samples.sort((a, b) => a.seconds - b.seconds);
  const median = samples[Math.floor(samples.length / 2)] as Measurement;
  const rss = Math.max(...samples.map((m) => m.rssMiB ?? 0));
  return { seconds: median.seconds, ...(median.rssMiB === undefined ? {} : { rssMiB: rss }) };
}

function row(name: string, m: Measurement, baseline: Measurement, target = ''): string {
  const rss = m.rssMiB === undefined ? 'n/a' : `${m.rssMiB.toFixed(0)} MiB`;
  return `${name.padEnd(50)} ${m.seconds.toFixed(2).padStart(7)} s  ${rss.padStart(9)}  ${(m.seconds / baseline.seconds).toFixed(2).padStart(6)}x ${target}`;
}

function blacklistEntries(hostCount: number, prefixCount: number): string[] {
  const next = generator(20261124);
  const hosts = Array.from({ length: hostCount }, () => ipv4(next()));
  const prefixes = Array.from({ length: prefixCount }, () => `${ipv4(next() & 0xffffff00)}/24`);
  // Keep the benchmark's own addresses out of the list (the config's VIP and management).
  return [...hosts, ...prefixes].filter((e) => !e.startsWith('192.0.2.') && !e.startsWith('198.51.100.'));
}

async function main(): Promise<void> {
  const entries = blacklistEntries(HOSTS, PREFIXES);
  const hosts = entries.filter((e) => !e.includes('/'));
  const prefixes = entries.filter((e) => e.includes('/'));
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-bench-'));
  const ns = await Netns.create('lbfw-bench');
  try {
    const blacklist = path.join(dir, 'static_blacklist');
    await writeFile(blacklist, `# generated: ${HOSTS} hosts, ${PREFIXES} /24 prefixes\n${entries.join('\n')}\n`);
    const config = path.join(dir, 'lbfw.yaml');
    await writeFile(config, `role: director\nservices: ["192.0.2.10:80/tcp"]\nmanagement:\n  sources: [198.51.100.0/24]\nblacklist: ${blacklist}\n`);

    const ipsetScript = [
      `create bl_hosts hash:ip family inet maxelem ${HOSTS * 2}`,
      `create bl_nets hash:net family inet maxelem ${PREFIXES * 2}`,
      ...entries.map((e) => (e.includes('/') ? `add bl_nets ${e} -exist` : `add bl_hosts ${e} -exist`)),
      '',
    ].join('\n');
    const ipset = await measure(ns, ['ipset', 'restore'], ipsetScript, () => ns.exec(['ipset', 'destroy']));
    await ns.exec(['ipset', 'destroy']);

    const naiveScript = [
      'table inet naive {',
      `  set hosts { type ipv4_addr; elements = { ${[...new Set(hosts)].join(', ')} } }`,
      `  set nets { type ipv4_addr; flags interval; auto-merge; elements = { ${prefixes.join(', ')} } }`,
      '}',
      '',
    ].join('\n');
    const naive = await measure(ns, [systemNft(), '-f', '-'], naiveScript, () => ns.exec([systemNft(), 'delete', 'table', 'inet', 'naive']));
    await ns.ok([systemNft(), 'delete', 'table', 'inet', 'naive']);

    const node = process.execPath;
    const netlinkLoad = await measure(ns, [node, NETLINK_LOAD, 'load', blacklist]);
    const netlinkVerify = await measure(ns, [node, NETLINK_LOAD, 'verify', blacklist]);
    const netlinkAdd = await measure(ns, [node, NETLINK_LOAD, 'add', blacklist, '203.0.113.66'], undefined, () => ns.exec([node, NETLINK_LOAD, 'remove', blacklist, '203.0.113.66']));
    const netlinkRemove = await measure(ns, [node, NETLINK_LOAD, 'remove', blacklist, '203.0.113.66'], undefined, () => ns.exec([node, NETLINK_LOAD, 'add', blacklist, '203.0.113.66']));
    await ns.exec([systemNft(), 'delete', 'table', 'inet', 'lbfw']);

    // --root: lbfw apply persists sysctls under the benchmark's own directory, never the host's /etc.
    const state = ['--state-dir', path.join(dir, 'state'), '--root', path.join(dir, 'root')];
    const apply = await measure(ns, [node, LBFW, 'apply', '--config', config, ...state], undefined, () => ns.exec([systemNft(), 'delete', 'table', 'inet', 'lbfw']));
    const reapply = await measure(ns, [node, LBFW, 'apply', '--config', config, ...state]);
    const verify = await measure(ns, [node, LBFW, 'verify', '--config', config, ...state]);
    const stateOnly = state.slice(0, 2);
    const add = await measure(ns, [node, LBFW, 'blacklist', 'add', '203.0.113.66', '--config', config, ...stateOnly], undefined, () =>
      ns.exec([node, LBFW, 'blacklist', 'remove', '203.0.113.66', '--config', config, ...stateOnly]),
    );
    const remove = await measure(ns, [node, LBFW, 'blacklist', 'remove', '203.0.113.66', '--config', config, ...stateOnly], undefined, () =>
      ns.exec([node, LBFW, 'blacklist', 'add', '203.0.113.66', '--config', config, ...stateOnly]),
    );

    const backend = process.env['LBFW_BACKEND'] ?? 'auto';
    console.log(`blacklist: ${entries.length} entries (${HOSTS} random IPv4 hosts, ${PREFIXES} random /24s), kernel ${(await ns.ok(['uname', '-r'])).trim()}, median of ${RUNS} runs per row`);
    console.log(`netlink rows: lbfw's netlink backend (bench/netlink-load.ts: parse, merge, shard, ONE batch, read back and compare); lbfw rows: the CLI with LBFW_BACKEND=${backend}`);
    console.log(`${'measurement'.padEnd(50)} ${'wall'.padStart(9)}  ${'peak RSS'.padStart(9)}  vs ipset`);
    console.log(row('ipset restore (baseline: the old shell fw)', ipset, ipset));
    console.log(row('nft -f, unmerged, naive sets', naive, ipset));
    console.log(row('netlink: load (parse+merge+load+read back)', netlinkLoad, ipset, `target <= 0.5x ipset, <= 0.25x nft (${(netlinkLoad.seconds / naive.seconds).toFixed(2)}x nft)`));
    console.log(row('netlink: verify (read back + compare)', netlinkVerify, ipset, 'target <= 1x'));
    console.log(row('netlink: add one host (kernel side)', netlinkAdd, ipset, 'target < 0.5 s'));
    console.log(row('netlink: remove one host (kernel side)', netlinkRemove, ipset, 'target < 0.5 s'));
    console.log(row('lbfw apply (first: parse+merge+load+verify)', apply, ipset, `(${(apply.seconds / naive.seconds).toFixed(2)}x nft)`));
    console.log(row('lbfw apply (replace existing table)', reapply, ipset));
    console.log(row('lbfw verify', verify, ipset));
    console.log(row('lbfw blacklist add (one host, file + live)', add, ipset));
    console.log(row('lbfw blacklist remove (one host)', remove, ipset));
  } finally {
    await ns.delete();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
