/**
 * Benchmark: loading a big static_blacklist, lbfw against the tools it
 * replaces, measured in the same run inside a throwaway network namespace.
 *
 *   npm run bench                                   # 1,000,000 IPv4 hosts + 2,000 /24s
 *   BENCH_HOSTS=200000 BENCH_RUNS=3 BENCH_SIZES=100000,200000 npm run bench
 *
 * Baselines, each the median of BENCH_RUNS runs like every other row:
 * - ipset: the shell firewall lbfw replaces (`ipset restore` of hash:ip and
 *   hash:net sets, the fastest of the old tools; DESIGN.md section 3);
 * - nft naive: what a hand-written nft firewall does, one `nft -f` of the
 *   unmerged list, ranges in an auto-merge interval set.
 * lbfw's rows run the CLI as an operator does, with the backend that
 * LBFW_BACKEND selects (printed): `lbfw apply` is the whole of it (read and
 * validate the file, merge, build, commit one transaction, read the table
 * back and compare). Growth: `lbfw apply` and `lbfw verify` at each of
 * BENCH_SIZES hosts (default 100k, 500k, 1M, 2M), with each step's time
 * ratio against its size ratio (linear: 1.00).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Netns } from '../src/lab/netns.js';
import { systemNft } from '../src/nft/cli-backend.js';
import { selectBackend } from '../src/nft/select.js';

const LBFW = fileURLToPath(new URL('../../bin/lbfw', import.meta.url));
const HOSTS = Number(process.env['BENCH_HOSTS'] ?? 1_000_000);
const PREFIXES = Number(process.env['BENCH_PREFIXES'] ?? 2_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const SIZES = (process.env['BENCH_SIZES'] ?? '100000,500000,1000000,2000000').split(',').filter((s) => s.trim() !== '').map(Number);
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

/** Runs argv in `ns` and measures wall time and peak RSS (via /usr/bin/time when present). */
async function measureOnce(ns: Netns, argv: readonly string[], input?: string): Promise<Measurement> {
  const wrapped = TIME === undefined ? argv : [TIME, '-f', 'maxrss=%M', ...argv];
  const started = process.hrtime.bigint();
  const result = await ns.exec(wrapped, input);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`${argv.join(' ')} failed: ${(result.stderr + result.stdout).slice(0, 800)}`);
  const rss = /maxrss=(\d+)/.exec(result.stderr)?.[1];
  return { seconds, ...(rss === undefined ? {} : { rssMiB: Number(rss) / 1024 }) };
}

/** The median of RUNS runs (a noisy shared machine: one sample is worth little), and the peak RSS of all; `before` resets state. */
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
  return `${name.padEnd(46)} ${m.seconds.toFixed(2).padStart(7)} s  ${rss.padStart(9)}  ${(m.seconds / baseline.seconds).toFixed(2).padStart(6)}x  ${target}`;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

/** hostCount random IPv4 hosts and prefixCount random /24s, none in the config's own ranges or loopback (lbfw refuses those). */
function blacklistEntries(hostCount: number, prefixCount: number): string[] {
  const next = generator(20261124);
  const hosts = Array.from({ length: hostCount }, () => ipv4(next()));
  const prefixes = Array.from({ length: prefixCount }, () => `${ipv4(next() & 0xffffff00)}/24`);
  return [...hosts, ...prefixes].filter((e) => !e.startsWith('192.0.2.') && !e.startsWith('198.51.100.') && !e.startsWith('127.'));
}

/** Writes the blacklist and a director config that loads it; returns the config's path. */
async function writeInputs(dir: string, hosts: number, entries: readonly string[]): Promise<string> {
  const blacklist = path.join(dir, `static_blacklist_${hosts}`);
  await writeFile(blacklist, `# generated: ${hosts} hosts, ${PREFIXES} /24 prefixes\n${entries.join('\n')}\n`);
  const config = path.join(dir, `lbfw_${hosts}.yaml`);
  await writeFile(config, `role: director\nservices: ["192.0.2.10:80/tcp"]\nmanagement:\n  sources: [198.51.100.0/24]\nblacklist: ${blacklist}\n`);
  return config;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-bench-'));
  const ns = await Netns.create('lbfw-bench');
  const choice = selectBackend({ netns: ns.name });
  // lbfw runs as its systemd unit runs it: without NODE_EXTRA_CA_CERTS, which
  // makes every node start-up read and parse the CA file (about 70 ms here;
  // lbfw makes no TLS connection, and ipset and nft pay nothing like it). A
  // row with the inherited variable shows what it costs.
  const extraCa = process.env['NODE_EXTRA_CA_CERTS'] !== undefined;
  const node = process.execPath;
  const lbfw = (...args: string[]): string[] => [...(extraCa ? ['env', '-u', 'NODE_EXTRA_CA_CERTS'] : []), node, LBFW, ...args];
  const state = (label: string): string[] => ['--state-dir', path.join(dir, `state-${label}`), '--root', path.join(dir, `root-${label}`)];
  const dropTable = (): Promise<unknown> => ns.exec([systemNft(), 'delete', 'table', 'inet', 'lbfw']);
  const loadBefore = load();
  try {
    const entries = blacklistEntries(HOSTS, PREFIXES);
    const hosts = entries.filter((e) => !e.includes('/'));
    const prefixes = entries.filter((e) => e.includes('/'));
    const config = await writeInputs(dir, HOSTS, entries);

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

    // --root: lbfw apply persists sysctls under the benchmark's own directory, never the host's /etc.
    const apply = await measure(ns, lbfw('apply', '--config', config, ...state('main')), undefined, dropTable);
    const inherited = extraCa ? await measure(ns, lbfw('apply', '--config', config, ...state('main')).slice(3), undefined, dropTable) : undefined;
    const reapply = await measure(ns, lbfw('apply', '--config', config, ...state('main')));
    const verify = await measure(ns, lbfw('verify', '--config', config, ...state('main')));
    const stateOnly = state('main').slice(0, 2);
    const add = await measure(ns, lbfw('blacklist', 'add', '203.0.113.66', '--config', config, ...stateOnly), undefined, () =>
      ns.exec(lbfw('blacklist', 'remove', '203.0.113.66', '--config', config, ...stateOnly)),
    );
    const remove = await measure(ns, lbfw('blacklist', 'remove', '203.0.113.66', '--config', config, ...stateOnly), undefined, () =>
      ns.exec(lbfw('blacklist', 'add', '203.0.113.66', '--config', config, ...stateOnly)),
    );
    await dropTable();

    const growth: { hosts: number; apply: Measurement; verify: Measurement }[] = [];
    for (const size of SIZES) {
      const sized = size === HOSTS ? config : await writeInputs(dir, size, blacklistEntries(size, PREFIXES));
      const label = `growth-${size}`;
      const grownApply = size === HOSTS ? apply : await measure(ns, lbfw('apply', '--config', sized, ...state(label)), undefined, dropTable);
      const grownVerify = size === HOSTS ? verify : await measure(ns, lbfw('verify', '--config', sized, ...state(label)));
      growth.push({ hosts: size, apply: grownApply, verify: grownVerify });
      await dropTable();
    }

    console.log(`blacklist: ${entries.length} entries (${HOSTS} random IPv4 hosts, ${PREFIXES} random /24s), kernel ${(await ns.ok(['uname', '-r'])).trim()}, ${RUNS} runs per row, medians`);
    console.log(`lbfw backend: ${choice.name} (${choice.reason}); load average before ${loadBefore}, after ${load()} (2 cores, shared)`);
    console.log(`${'measurement'.padEnd(46)} ${'wall'.padStart(9)}  ${'peak RSS'.padStart(9)}  vs ipset`);
    console.log(row('ipset restore (baseline: the old shell fw)', ipset, ipset));
    console.log(row('nft -f, unmerged, naive sets (baseline)', naive, ipset));
    const applyVsNft = apply.seconds / naive.seconds;
    console.log(
      row('lbfw apply (read, validate, merge, load, verify)', apply, ipset,
        `${applyVsNft.toFixed(2)}x nft; targets <= 0.5x ipset ${verdict(apply.seconds <= 0.5 * ipset.seconds)}, <= 0.25x nft ${verdict(applyVsNft <= 0.25)}, RSS <= 200 MiB ${verdict((apply.rssMiB ?? 0) <= 200)}`),
    );
    if (inherited !== undefined) console.log(row('lbfw apply, NODE_EXTRA_CA_CERTS inherited', inherited, ipset, `${(inherited.seconds / naive.seconds).toFixed(2)}x nft`));
    console.log(row('lbfw apply (replacing its own table)', reapply, ipset, `${(reapply.seconds / naive.seconds).toFixed(2)}x nft`));
    console.log(row('lbfw verify', verify, ipset, `target <= 1x ipset ${verdict(verify.seconds <= ipset.seconds)}`));
    console.log(row('lbfw blacklist add (one host, file + live set)', add, ipset, `target < 0.5 s ${verdict(add.seconds < 0.5)}`));
    console.log(row('lbfw blacklist remove (one host)', remove, ipset, `target < 0.5 s ${verdict(remove.seconds < 0.5)}`));
    if (extraCa) console.log('note: NODE_EXTRA_CA_CERTS is set here; the lbfw rows run without it, as the systemd unit runs lbfw (see the inherited row)');
    console.log('growth (lbfw apply / lbfw verify; step: time ratio / size ratio, 1.00 = linear)');
    let previous: (typeof growth)[number] | undefined;
    for (const g of growth) {
      const step = (m: (x: typeof g) => Measurement): string =>
        previous === undefined ? '' : `${(m(g).seconds / m(previous).seconds / (g.hosts / previous.hosts)).toFixed(2)}`;
      console.log(
        `  ${String(g.hosts).padStart(8)} hosts  apply ${g.apply.seconds.toFixed(2).padStart(6)} s ${`${(g.apply.rssMiB ?? 0).toFixed(0)} MiB`.padStart(8)} ${step((x) => x.apply).padStart(5)}` +
          `   verify ${g.verify.seconds.toFixed(2).padStart(6)} s ${step((x) => x.verify).padStart(5)}`,
      );
      previous = g;
    }
  } finally {
    await ns.delete();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
