/**
 * Benchmark: `lbfw overlimit --dry-run --conn-file` on a synthetic 1M-row
 * ip_vs_conn (about 66 MB, ~50k clients, a few over the limit) against the
 * tools the old cron job's shape used, measured in the same run inside a
 * throwaway network namespace. Medians of BENCH_RUNS runs (default 5) of
 * every row, the rows run in turn in each round; wall and CPU time apart.
 *
 *   npm run build && node dist/bench/overlimit.js
 *   BENCH_ROWS=200000 node dist/bench/overlimit.js
 *
 * Baselines: one mawk pass counting ESTABLISHED per client, and the old
 * pipeline's shape (grep | awk | sort | uniq -c). Also: the same table read
 * from a pipe in 4 KiB pieces (same offenders, similar time), the TypeScript
 * scanner (LBFW_NO_NATIVE=1), and 10k bans put into inet lbfw_ban in one
 * transaction. Each lbfw row names the scanner that ran.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Netns } from '../src/lab/netns.js';
import { NftBanCli } from '../src/nft/ban-cli.js';
import { NetlinkBanBackend } from '../src/nft/ban-netlink.js';
import type { BanBackend } from '../src/nft/ban-backend.js';
import { loadNative } from '../src/nft/netlink/native.js';
import { systemNft } from '../src/nft/nft-program.js';
import { banTableSpec } from '../src/ban/spec.js';
import { CONN_HEADER, formatConnRow } from '../src/overlimit/format.js';
import { DEFAULT_OVERLIMIT } from '../src/config/overlimit.js';
import type { HostConfig } from '../src/config/model.js';

const LBFW = fileURLToPath(new URL('../../bin/lbfw', import.meta.url));
const ROWS = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 50_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const OFFENDERS = 5;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const MAWK = ['/usr/bin/mawk', '/bin/mawk'].find((p) => existsSync(p));
const NFT = systemNft();

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

const STATES = ['ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'FIN_WAIT', 'SYN_RECV', 'TIME_WAIT', 'CLOSE'];

/** Writes the table: random clients of 198.18.0.0/15 (benchmark range), OFFENDERS of them with 150 ESTABLISHED each. */
async function writeTable(file: string): Promise<void> {
  const next = generator(0x1bf2);
  const handle = await open(file, 'w');
  let buffer = CONN_HEADER;
  const vips = ['192.0.2.10', '192.0.2.11'];
  const flush = async (): Promise<void> => {
    await handle.write(buffer);
    buffer = '';
  };
  for (let i = 0; i < OFFENDERS; i++) {
    for (let c = 0; c < 150; c++) {
      buffer += formatConnRow({ protocol: 'TCP', client: `203.0.113.${10 + i}`, clientPort: 1024 + c, vip: '192.0.2.10', vport: 443, realServer: '192.0.2.21', rport: 443, state: 'ESTABLISHED', expires: 850 });
    }
  }
  for (let i = OFFENDERS * 150; i < ROWS; i++) {
    const r = next();
    const client = ipv4(0xc6120000 + (r % CLIENTS) * 3);
    const template = r % 50 === 0;
    buffer += formatConnRow({
      protocol: 'TCP',
      client,
      clientPort: template ? 0 : 1024 + (next() % 60000),
      vip: vips[r % 2] as string,
      vport: r % 3 === 0 ? 80 : 443,
      realServer: `192.0.2.${21 + (r % 4)}`,
      rport: r % 3 === 0 ? 80 : 443,
      state: template ? 'NONE' : (STATES[next() % STATES.length] as string),
      expires: next() % 900,
    });
    if (buffer.length > 1 << 20) await flush();
  }
  await flush();
  await handle.close();
}

interface Measurement {
  /** Wall seconds. */
  readonly seconds: number;
  /** User + system CPU seconds (less sensitive to other load on the host than wall time). */
  readonly cpu?: number;
  readonly rssMiB?: number;
  readonly stdout: string;
}

async function measure(ns: Netns, argv: readonly string[]): Promise<Measurement> {
  const wrapped = TIME === undefined ? argv : [TIME, '-f', 'maxrss=%M cpu=%U+%S', ...argv];
  const started = process.hrtime.bigint();
  const result = await ns.exec(wrapped);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr.slice(0, 500)}`);
  const rss = /maxrss=(\d+)/.exec(result.stderr)?.[1];
  const cpu = /cpu=([\d.]+)\+([\d.]+)/.exec(result.stderr);
  return {
    seconds,
    stdout: result.stdout,
    ...(rss === undefined ? {} : { rssMiB: Number(rss) / 1024 }),
    ...(cpu === null ? {} : { cpu: Number(cpu[1]) + Number(cpu[2]) }),
  };
}

function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Runs every command once per round, RUNS rounds, in turn (so a change of
 * the host's load hits all rows alike), and returns each one's medians
 * (wall and CPU separately) and its peak RSS.
 */
async function rounds(ns: Netns, commands: readonly (readonly string[])[]): Promise<Measurement[]> {
  const runs: Measurement[][] = commands.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (const [i, argv] of commands.entries()) (runs[i] as Measurement[]).push(await measure(ns, argv));
  }
  return runs.map((list) => {
    const cpus = list.flatMap((m) => (m.cpu === undefined ? [] : [m.cpu]));
    const rss = list.flatMap((m) => (m.rssMiB === undefined ? [] : [m.rssMiB]));
    return {
      seconds: middle(list.map((m) => m.seconds)),
      stdout: (list[0] as Measurement).stdout,
      ...(cpus.length === 0 ? {} : { cpu: middle(cpus) }),
      ...(rss.length === 0 ? {} : { rssMiB: Math.max(...rss) }),
    };
  });
}

function offendersOf(json: string): string[] {
  const result = JSON.parse(json) as { offenders: { client: string; connections: number }[] };
  return result.offenders.map((o) => `${o.client} ${o.connections}`).sort();
}

/** Which scanner counted the plain rows (`native` or `js`), from lbfw's JSON. */
function scannerOf(json: string): string {
  const result = JSON.parse(json) as { scanner?: string; scannerNote?: string };
  return `${result.scanner ?? '?'} scanner`;
}

function mawkOffenders(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((row) => {
      const [hex, n] = row.split(' ');
      const v = Number.parseInt(hex ?? '', 16);
      return `${ipv4(v)} ${n}`;
    })
    .sort();
}

function ratio(m: Measurement, base: Measurement | undefined, what: string): string {
  if (base === undefined) return '';
  const wall = `${(m.seconds / base.seconds).toFixed(2)}x`;
  const cpu = m.cpu === undefined || base.cpu === undefined ? '' : ` (cpu ${(m.cpu / base.cpu).toFixed(2)}x)`;
  return `  ${wall}${cpu} ${what}`;
}

function line(name: string, m: Measurement, base?: Measurement): string {
  const cpu = m.cpu === undefined ? '' : `  cpu ${m.cpu.toFixed(2).padStart(5)} s`;
  const rss = m.rssMiB === undefined ? '' : `  ${m.rssMiB.toFixed(0).padStart(4)} MiB`;
  return `${name.padEnd(62)} ${m.seconds.toFixed(2).padStart(6)} s${cpu}${rss}${ratio(m, base, 'mawk')}`;
}

const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-bench-ovl-'));
const ns = await Netns.create('lbfw-bench-ovl');
try {
  const table = path.join(dir, 'ip_vs_conn');
  await writeTable(table);
  const config = path.join(dir, 'lbfw.yaml');
  await writeFile(config, 'role: director\nservices: ["192.0.2.10:443/tcp", "192.0.2.10:80/tcp", "192.0.2.11:443/tcp"]\n');
  const { size } = await stat(table);
  console.log(`table: ${ROWS} rows, ${(size / 1e6).toFixed(1)} MB, ~${CLIENTS} clients, ${OFFENDERS} over the limit; median of ${RUNS} runs`);

  // lbfw runs as its systemd units run it: without NODE_EXTRA_CA_CERTS, which
  // makes every node start-up read and parse the CA file (lbfw makes no TLS
  // connection); a row with the inherited variable shows what it costs.
  const extraCa = process.env['NODE_EXTRA_CA_CERTS'] !== undefined;
  const clean = extraCa ? ['env', '-u', 'NODE_EXTRA_CA_CERTS'] : [];
  const lbfwArgs = [...clean, process.execPath, LBFW, 'overlimit', '--dry-run', '--json', '--config', config, '--state-dir', path.join(dir, 'state')];
  const commands: (readonly string[])[] = [
    [...lbfwArgs, '--conn-file', table],
    ['sh', '-c', `dd if="$0" bs=4k status=none | "$@"`, table, ...lbfwArgs, '--conn-file', '-'],
    ['sh', '-c', `grep ESTABLISHED "$0" | awk '{ print $2 }' | sort | uniq -c | awk '$1 > 100'`, table],
    // The TypeScript scanner, as without the addon.
    ['env', 'LBFW_NO_NATIVE=1', ...lbfwArgs, '--conn-file', table],
    ...(extraCa ? [lbfwArgs.slice(clean.length).concat('--conn-file', table)] : []),
  ];
  if (MAWK !== undefined) commands.push([MAWK, '$8 == "ESTABLISHED" { c[$2]++ } END { for (k in c) if (c[k] > 100) print k, c[k] }', table]);
  const measured = await rounds(ns, commands);
  const [lbfw, piped, pipeline, js] = measured as [Measurement, Measurement, Measurement, Measurement];
  const inherited = extraCa ? measured[4] : undefined;
  const mawk = MAWK === undefined ? undefined : measured[measured.length - 1];

  const found = offendersOf(lbfw.stdout);
  const same = JSON.stringify(found) === JSON.stringify(offendersOf(piped.stdout));
  if (mawk === undefined) console.log('note: mawk is not installed (scripts/prepare.sh bench installs it): no mawk baseline');
  else console.log(line('mawk: count ESTABLISHED per client', mawk));
  console.log(line('grep | awk | sort | uniq -c (old shape)', pipeline, mawk));
  console.log(line(`lbfw overlimit --dry-run --conn-file FILE (${scannerOf(lbfw.stdout)})`, lbfw, mawk));
  console.log(line(`dd bs=4k | lbfw overlimit --conn-file - (${scannerOf(piped.stdout)})`, piped, mawk));
  console.log(line(`LBFW_NO_NATIVE=1 lbfw overlimit ... (${scannerOf(js.stdout)})`, js, mawk));
  if (inherited !== undefined) console.log(line('lbfw ... FILE, NODE_EXTRA_CA_CERTS inherited', inherited, mawk));
  if (extraCa) console.log('note: NODE_EXTRA_CA_CERTS is set here; the lbfw rows above run without it, as the systemd units run lbfw (see the inherited row)');
  const sameJs = JSON.stringify(found) === JSON.stringify(offendersOf(js.stdout));
  console.log(`offenders found: ${found.join(', ')}; same from the pipe: ${same}; same from the TypeScript scanner: ${sameJs}${mawk === undefined ? '' : `; same as mawk: ${JSON.stringify(found) === JSON.stringify(mawkOffenders(mawk.stdout))}`}`);
  console.log(`old pipeline time / lbfw time: ${(pipeline.seconds / lbfw.seconds).toFixed(1)}x (target: 3x or more; cpu ${pipeline.cpu === undefined || lbfw.cpu === undefined ? '?' : (pipeline.cpu / lbfw.cpu).toFixed(1)}x); pipe vs file: ${(piped.seconds / lbfw.seconds).toFixed(2)}x`);

  // 10k bans in one transaction, into a fresh ban table in the namespace: the nft program, then netlink.
  const nft = new NftBanCli({ netns: ns.name });
  const host: HostConfig = { role: 'director', interfaces: {}, services: [], peers: [], realServers: [], management: { sources: [], sshPort: 22, allow: [] }, blacklistPath: '/dev/null', inputPolicy: 'drop', overlimit: DEFAULT_OVERLIMIT };
  await nft.ensure(banTableSpec(host, []));
  const bans = Array.from({ length: 10_000 }, (_, i) => ({ set: 'ban4' as const, address: ipv4(0xc6120000 + i), timeoutSeconds: 600, comment: `lbfw overlimit: 150 ESTABLISHED > 100 (all services) bench ${i}` }));
  const native = loadNative();
  const backends: [string, BanBackend][] = [['nft -f', nft]];
  if (typeof native === 'string') console.log(`note: no netlink ban backend: ${native}`);
  else backends.push(['netlink', new NetlinkBanBackend(native, { netns: ns.name })]);
  const times = new Map<string, number[]>(backends.map(([name]) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, backend] of backends) {
      await ns.ok([NFT, 'flush', 'set', 'inet', 'lbfw_ban', 'ban4']);
      // Half the bans exist already (re-asserted), as in a run while clients stay over the limit.
      await backend.put(bans.slice(0, 5000));
      const started = process.hrtime.bigint();
      await backend.put(bans);
      times.get(name)?.push(Number(process.hrtime.bigint() - started) / 1e9);
      const listed = (await nft.list()).length;
      if (listed !== bans.length) throw new Error(`${name}: ${listed} bans listed after putting ${bans.length}`);
    }
  }
  for (const [name] of backends) console.log(`10k bans put (add/delete/add with timeout and comment, 5k of them re-asserted) in one transaction via ${name}: ${middle(times.get(name) ?? []).toFixed(2)} s median`);
} finally {
  await ns.delete();
  await rm(dir, { recursive: true, force: true });
}
