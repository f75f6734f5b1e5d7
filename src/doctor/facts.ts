/**
 * Facts: everything the doctor knows about a host, read once. This is the
 * only code of the doctor that reads the host; checks are pure functions of
 * the facts, so `lbfw facts > file` on a broken host and `lbfw doctor --facts
 * file` anywhere else give the same findings.
 *
 * Every source is read on its own: one that cannot be read (no nft, no
 * permission, systeminformation failing) is recorded in `errors` and the
 * rest is still collected.
 */
import { readFile, readdir, readlink, stat } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import { readBlacklist } from '../blacklist/read.js';
import { findProtectedHits } from '../blacklist/safety.js';
import type { ParsedBlacklist } from '../blacklist/parse.js';
import { DEFAULT_BLACKLIST_PATH, type Family, type HostConfig, type Role } from '../config/model.js';
import type { ProtectedHit } from '../errors.js';
import { protectedRanges } from '../firewall/protected.js';
import type { HostOptions } from '../host/options.js';
import { verifyHost, type HostVerifyResult } from '../host/plan.js';
import { keepalivedItems, type KeepalivedNote } from '../keepalived/to-host.js';
import { readKeepalived } from '../keepalived/include.js';
import type { KeepalivedModel, Statement } from '../keepalived/model.js';
import { run as runProgram, type RunResult } from '../system/run.js';
import { parseAddress } from '../net/address.js';
import type { BackendName } from '../nft/backend.js';
import { selectBackend, type BackendChoice } from '../nft/select.js';
import { confKey, pathToKey } from '../sysctl/key.js';
import { parseIpAddrJson, type HostLink } from '../vip/addresses.js';
import { omitLargeSetElements } from './nft-eval.js';
import { parseSocketTable, type Endianness, type ListeningSocket } from './proc-net.js';
import { detectDaemon, type DaemonFact } from './daemons.js';
import { parseSsV6only, type V6onlySocket } from './ss.js';
import { forwardingMethod } from '../keepalived/model.js';
import type { HostProbe, ProbeResult } from './probe.js';
import { readPeerBanFacts, type PeerBanFacts } from './ban-facts.js';

/** The version of the facts format; `lbfw doctor --facts` refuses any other. */
export const FACTS_VERSION = 1;

/** The per-interface IPv4 keys read for every interface (and all, default, lo). */
export const CONF_KEYS = [
  'rp_filter',
  'arp_ignore',
  'arp_announce',
  'arp_filter',
  'send_redirects',
  'accept_local',
  'proxy_arp',
  'forwarding',
  'log_martians',
] as const;

/** Sets with more elements than this are stored without their elements. */
export const SET_ELEMENT_LIMIT = 1000;

/** The socket tables read for listening sockets. */
export const SOCKET_TABLES = ['/proc/net/tcp', '/proc/net/tcp6', '/proc/net/udp', '/proc/net/udp6'] as const;

/** RouteFact: one route of `ip -j route` (or the answer of `ip -j route get`). */
export interface RouteFact {
  readonly family: Family;
  /** `default`, a prefix, or the address looked up. */
  readonly dst: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly prefsrc?: string;
  readonly type?: string;
  readonly protocol?: string;
  readonly scope?: string;
}

/** RouteLookup: `ip -j route get TARGET` for a real server, peer or client. */
export interface RouteLookup {
  readonly target: string;
  readonly purpose: 'real server' | 'peer' | 'client';
  readonly route?: RouteFact;
  /** Why the lookup failed (`Network is unreachable`). */
  readonly error?: string;
}

/** NeighbourFact: one entry of `ip -j neigh`. */
export interface NeighbourFact {
  readonly address: string;
  readonly dev: string;
  readonly mac?: string;
  readonly state: readonly string[];
}

/** IpvsFacts: the IPVS table, when the module is loaded. */
export interface IpvsFacts {
  /** Whether /proc/net/ip_vs exists (the ip_vs module is loaded in this kernel). */
  readonly present: boolean;
  /** The text of /proc/net/ip_vs. */
  readonly services?: string;
  /** The text of /proc/net/ip_vs_stats. */
  readonly stats?: string;
}

/** ConntrackFacts: the connection tracking table's fill. */
export interface ConntrackFacts {
  readonly count: number;
  readonly max: number;
}

/** KeepalivedFacts: one keepalived configuration, read with its includes. */
export interface KeepalivedFacts {
  readonly file: string;
  /**
   * The config id `@ID` lines were evaluated with, when one was given
   * (`--keepalived-id`, `--peer-keepalived-id`); absent: keepalived's default
   * on this host (its name up to the first dot).
   */
  readonly configId?: string;
  readonly model?: KeepalivedModel;
  /** What lbfw could not turn into host items (fwmark services, ...). */
  readonly notes: readonly KeepalivedNote[];
  /** Why it could not be read. */
  readonly error?: string;
}

/** OsFacts: the operating system and the versions of the tools that matter. */
export interface OsFacts {
  readonly distro?: string;
  readonly release?: string;
  readonly codename?: string;
  readonly kernel?: string;
  readonly arch?: string;
  readonly hostname?: string;
  readonly nftVersion?: string;
  readonly keepalivedVersion?: string;
}

/** BackendFacts: the nftables backend lbfw uses on this host, and why (`lbfw plan` names it too). */
export interface BackendFacts {
  readonly name: BackendName;
  /** Why this one: `the netlink binding loaded`, `LBFW_BACKEND=nft`, or why netlink could not be used. */
  readonly reason: string;
  /** The nftables userspace it relies on (NftBackend.version). */
  readonly version?: string;
}

/** ServiceFact: whether a daemon runs in this network namespace (see daemons.ts). */
export type ServiceFact = DaemonFact;

/** NetnsFacts: which network namespace the facts were read in. */
export interface NetnsFacts {
  /** /proc/self/ns/net, e.g. `net:[4026531840]`. */
  readonly self: string;
  /** Whether it is the namespace of pid 1 (the host's initial one); undefined when /proc/1 cannot be read. */
  readonly initial?: boolean;
}

/** IptablesFacts: iptables rules nft cannot show in full (iptables-nft `xt` options) or at all (legacy). */
export interface IptablesFacts {
  /** `iptables-nft-save` / `ip6tables-nft-save` output, when the tools exist and nft shows xt expressions. */
  readonly nftSave?: { readonly ip?: string; readonly ip6?: string };
  /** Tables of legacy ip_tables / ip6_tables in this namespace (/proc/net/ip_tables_names). */
  readonly legacyTables: { readonly ip: readonly string[]; readonly ip6: readonly string[] };
  /** `iptables-legacy-save` / `ip6tables-legacy-save` output, when legacy tables exist and the tools are installed. */
  readonly legacySave?: { readonly ip?: string; readonly ip6?: string };
}

/** LbfwVerifyFacts: `lbfw verify` of this host, or why it could not run. */
export interface LbfwVerifyFacts {
  /** The verify result (the parts the checks read; the facts file holds all of it). */
  readonly result?: Pick<HostVerifyResult, 'ok' | 'sysctl' | 'vips' | 'firewall'>;
  readonly error?: string;
}

/** BlacklistFacts: the blacklist's entries that cover protected addresses. */
export interface BlacklistFacts {
  readonly file: string;
  readonly entries: number;
  readonly hits: readonly ProtectedHit[];
  readonly error?: string;
}

/** FactError: a source that could not be read. */
export interface FactError {
  /** e.g. `nft -j list ruleset`, `/proc/net/tcp`. */
  readonly source: string;
  readonly message: string;
}

/** Facts: one host, as the doctor sees it. Plain JSON: what `lbfw facts` prints. */
export interface Facts {
  readonly factsVersion: typeof FACTS_VERSION;
  /** ISO 8601 time of collection. */
  readonly collectedAt: string;
  readonly host: { readonly hostname: string; readonly kernel: string };
  readonly role: Role;
  readonly config: HostConfig;
  /** Every key of {@link CONF_KEYS} for every interface (and all, default), ip_forward, net.ipv4.vs.*, conntrack. */
  readonly sysctls: Readonly<Record<string, string>>;
  readonly links: readonly HostLink[];
  /** MAC address of each interface that has one. */
  readonly macs: Readonly<Record<string, string>>;
  readonly routes: readonly RouteFact[];
  readonly routeLookups: readonly RouteLookup[];
  readonly neighbours: readonly NeighbourFact[];
  /** The `nftables` array of `nft -j list ruleset`; absent when it could not be listed. */
  readonly nftRuleset?: readonly unknown[];
  readonly ipvs: IpvsFacts;
  /** Listening TCP and bound UDP sockets; absent when the socket tables could not be read. */
  readonly listening?: readonly ListeningSocket[];
  /** IPv6 sockets with their IPV6_V6ONLY flag (`ss -lntuHe`); absent when ss could not run. */
  readonly v6only?: readonly V6onlySocket[];
  readonly netns?: NetnsFacts;
  readonly iptables?: IptablesFacts;
  /** The flags the doctor was given that choose the host (--config, --keepalived, --blacklist, ...): fixes repeat them. */
  readonly invocation?: readonly string[];
  /** The sysctl profile lbfw verify judged (director-nat when keepalived forwards by NAT). */
  readonly profile?: string;
  readonly conntrack?: ConntrackFacts;
  readonly keepalived?: KeepalivedFacts;
  /** The peer director's keepalived.conf (`--peer-keepalived`). */
  readonly peerKeepalived?: KeepalivedFacts;
  readonly os?: OsFacts;
  /** The nftables backend in use; absent in facts files written before lbfw recorded it. */
  readonly backend?: BackendFacts;
  readonly services: readonly ServiceFact[];
  readonly lbfwVerify?: LbfwVerifyFacts;
  readonly blacklist?: BlacklistFacts;
  /** ARP answers for each VIP (`--probe`). */
  readonly probe?: readonly ProbeResult[];
  /** ARP answers for each peer director and real server on this host's networks (`--probe`). */
  readonly hostProbe?: readonly HostProbe[];
  /** The peer director's ban table and overlimit settings (`--peer-facts`). */
  readonly peerBan?: PeerBanFacts;
  readonly errors: readonly FactError[];
}

/** FactsSystem: every way collecting facts touches the host, replaceable in tests. */
export interface FactsSystem {
  /** Runs a program and returns its exit code and output; rejects only when it cannot start. */
  readonly run: (argv: readonly string[]) => Promise<RunResult>;
  /** Reads a text file; undefined when it does not exist. */
  readonly readFile: (file: string) => Promise<string | undefined>;
  /** Lists a directory; undefined when it does not exist. */
  readonly listDir: (dir: string) => Promise<string[] | undefined>;
  /** Reads a symbolic link; undefined when it does not exist or cannot be read. Absent: not known. */
  readonly readlink?: (file: string) => Promise<string | undefined>;
  /** The permission bits of a file (stat), undefined when it does not exist. Absent: not known. */
  readonly fileMode?: (file: string) => Promise<number | undefined>;
  readonly osInfo: () => Promise<OsFacts>;
  readonly services: (names: readonly string[]) => Promise<ServiceFact[]>;
  readonly readKeepalived: (file: string, configId?: string) => Promise<KeepalivedModel>;
  readonly verifyHost: (config: HostConfig, options: HostOptions) => Promise<NonNullable<LbfwVerifyFacts['result']>>;
  readonly readBlacklist: (file: string, optional: boolean) => Promise<ParsedBlacklist>;
  /** The whole ruleset as libnftables-json(5) items, read through lbfw's nft backend. */
  readonly nftRuleset: () => Promise<readonly unknown[]>;
  /** The backend lbfw uses here (selectBackend), with its version: the doctor runs no `nft --version` itself. */
  readonly backend: () => Promise<BackendFacts>;
  readonly hostname: () => string;
  readonly kernel: () => string;
  readonly now: () => Date;
  readonly endianness: () => Endianness;
}

function missingAsUndefined(error: unknown): undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw error;
}

/** How long systeminformation may take before its facts are left out. */
const SYSTEMINFORMATION_TIMEOUT_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function definedOnly<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== '')) as T;
}

/** hostSystem is the real host: programs, /proc, systeminformation, lbfw's own verify. */
export function hostSystem(): FactsSystem {
  let chosen: BackendChoice | undefined;
  const choice = (): BackendChoice => (chosen ??= selectBackend());
  return {
    run: (argv) => runProgram(argv),
    readFile: (file) => readFile(file, 'utf8').catch(missingAsUndefined),
    listDir: (dir) => readdir(dir).catch(missingAsUndefined),
    osInfo: async () => {
      const info = await withTimeout(si.osInfo(), SYSTEMINFORMATION_TIMEOUT_MS, 'systeminformation osInfo');
      const { distro, release, codename, kernel, arch, hostname } = info;
      return definedOnly({ distro, release, codename, kernel, arch, hostname });
    },
    services: (names) => {
      const system = {
        readFile: (file: string) => readFile(file, 'utf8').catch(() => undefined),
        listDir: (dir: string) => readdir(dir).catch(() => undefined),
        readlink: (file: string) => readlink(file).catch(() => undefined),
      };
      return Promise.all(names.map((name) => detectDaemon(system, name)));
    },
    readlink: (file) => readlink(file).catch(() => undefined),
    fileMode: (file) => stat(file).then((s) => s.mode & 0o7777, () => undefined),
    readKeepalived: (file, configId) => readKeepalived(file, configId === undefined ? {} : { configId }),
    verifyHost: (config, options) => verifyHost(config, options),
    readBlacklist: (file, optional) => readBlacklist(file, { optional }),
    nftRuleset: () => choice().backend.listRulesetJson(),
    backend: async () => {
      const { name, reason, backend } = choice();
      const version = await backend.version();
      return { name, reason, ...(version === undefined ? {} : { version }) };
    },
    hostname: () => os.hostname(),
    kernel: () => os.release(),
    now: () => new Date(),
    endianness: () => os.endianness(),
  };
}

/** CollectOptions: where lbfw's own files are, and what else to read. */
export interface CollectOptions {
  /** Default {@link hostSystem}. */
  readonly system?: FactsSystem;
  /** Environment (LBFW_ROOT, LBFW_STATE_DIR, SSH_CONNECTION). Default process.env. */
  readonly env?: Record<string, string | undefined>;
  /** Prefix of /etc/lbfw/profiles for `lbfw verify` (default $LBFW_ROOT or /). */
  readonly root?: string;
  /** lbfw's state directory (default $LBFW_STATE_DIR or /var/lib/lbfw). */
  readonly stateDir?: string;
  /** The peer director's keepalived.conf. */
  readonly peerKeepalived?: string;
  /**
   * The peer's keepalived config id for its `@ID` lines (keepalived -i there;
   * by default its host name, which this host cannot know: without it the
   * peer's file is read with this host's default id).
   */
  readonly peerKeepalivedId?: string;
  /** The peer director's facts file (`lbfw facts` there), for its ban table and thresholds. */
  readonly peerFacts?: string;
  /** Client addresses to look routes up for. */
  readonly clients?: readonly string[];
  /** The host-choosing flags as given, repeated by the fixes. */
  readonly invocation?: readonly string[];
  /** Send ARP probes for the VIPs (director), naming the MACs from `hosts` (the answers of probeHosts) where they tell. */
  readonly probe?: (links: readonly HostLink[], macs: Readonly<Record<string, string>>, neighbours: readonly NeighbourFact[], hosts: readonly HostProbe[]) => Promise<ProbeResult[]>;
  /** Send ARP probes for the peer directors and real servers (director), before the VIPs'. */
  readonly probeHosts?: (links: readonly HostLink[], macs: Readonly<Record<string, string>>) => Promise<HostProbe[]>;
}

class Collector {
  readonly errors: FactError[] = [];

  constructor(readonly system: FactsSystem) {}

  async attempt<T>(source: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      this.errors.push({ source, message: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }

  /** output runs a program and returns its stdout; a non-zero exit is an error with its stderr. */
  async output(argv: readonly string[]): Promise<string> {
    const result = await this.system.run(argv);
    if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    return result.stdout;
  }
}

const PROC_SYS = '/proc/sys';

async function readSysctlFacts(c: Collector): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const read = async (key: string, file: string): Promise<void> => {
    const text = await c.system.readFile(file);
    if (text !== undefined) values[key] = text.trim();
  };
  const levels = (await c.system.listDir(`${PROC_SYS}/net/ipv4/conf`)) ?? [];
  const reads: Promise<void>[] = [];
  for (const level of levels) {
    for (const name of CONF_KEYS) reads.push(read(confKey(4, level, name), `${PROC_SYS}/net/ipv4/conf/${level}/${name}`));
  }
  reads.push(read('net.ipv4.ip_forward', `${PROC_SYS}/net/ipv4/ip_forward`));
  for (const name of (await c.system.listDir(`${PROC_SYS}/net/ipv4/vs`)) ?? []) {
    reads.push(read(pathToKey(`net/ipv4/vs/${name}`), `${PROC_SYS}/net/ipv4/vs/${name}`));
  }
  for (const name of ['nf_conntrack_count', 'nf_conntrack_max', 'nf_conntrack_tcp_loose']) reads.push(read(`net.netfilter.${name}`, `${PROC_SYS}/net/netfilter/${name}`));
  await Promise.all(reads);
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function parseJsonArray(text: string, source: string): Record<string, unknown>[] {
  const data: unknown = JSON.parse(text === '' ? '[]' : text);
  if (!Array.isArray(data)) throw new Error(`${source}: expected a JSON array`);
  return data.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** routeFact turns one route object of `ip -j route` into a {@link RouteFact}. */
export function routeFact(route: Record<string, unknown>, family: Family): RouteFact {
  const fields = { dev: route['dev'], gateway: route['gateway'], prefsrc: route['prefsrc'], type: route['type'], protocol: route['protocol'], scope: route['scope'] };
  const optional = Object.fromEntries(Object.entries(fields).flatMap(([k, v]) => (optionalString(v) === undefined ? [] : [[k, v as string]])));
  return { family, dst: optionalString(route['dst']) ?? 'default', ...optional };
}

/** parseMacs reads each link's MAC from `ip -j addr show`. */
export function parseMacs(text: string): Record<string, string> {
  const macs: Record<string, string> = {};
  for (const link of parseJsonArray(text, 'ip -j addr show')) {
    const name = optionalString(link['ifname']);
    const mac = optionalString(link['address']);
    if (name !== undefined && mac !== undefined && link['link_type'] !== 'loopback') macs[name] = mac.toLowerCase();
  }
  return macs;
}

/** parseNeighbours reads `ip -j neigh show`. */
export function parseNeighbours(text: string): NeighbourFact[] {
  return parseJsonArray(text, 'ip -j neigh show').flatMap((entry) => {
    const address = optionalString(entry['dst']);
    const dev = optionalString(entry['dev']);
    if (address === undefined || dev === undefined) return [];
    const mac = optionalString(entry['lladdr']);
    const state = Array.isArray(entry['state']) ? (entry['state'] as unknown[]).map(String) : [];
    return [{ address, dev, ...(mac === undefined ? {} : { mac: mac.toLowerCase() }), state }];
  });
}

function lookupTargets(config: HostConfig, clients: readonly string[]): { target: string; purpose: RouteLookup['purpose'] }[] {
  const seen = new Set<string>();
  const targets: { target: string; purpose: RouteLookup['purpose'] }[] = [];
  const add = (target: string, purpose: RouteLookup['purpose']): void => {
    if (seen.has(target)) return;
    seen.add(target);
    targets.push({ target, purpose });
  };
  for (const rs of config.realServers) add(rs.address, 'real server');
  for (const peer of config.peers) add(peer.address, 'peer');
  for (const client of clients) add(client, 'client');
  return targets;
}

async function lookupRoute(c: Collector, target: string, purpose: RouteLookup['purpose']): Promise<RouteLookup> {
  const family = parseAddress(target)?.family ?? 4;
  const result = await c.system.run(['ip', '-j', `-${family}`, 'route', 'get', target]);
  if (result.code !== 0) return { target, purpose, error: result.stderr.trim() || `exit ${result.code}` };
  const [first] = parseJsonArray(result.stdout, 'ip -j route get');
  return first === undefined ? { target, purpose, error: 'no route in the answer' } : { target, purpose, route: routeFact(first, family) };
}

function firstLine(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line?.trim();
}

async function toolVersion(c: Collector, argv: readonly string[]): Promise<string | undefined> {
  try {
    const result = await c.system.run(argv);
    return result.code === 0 ? firstLine(result.stdout) ?? firstLine(result.stderr) : undefined;
  } catch {
    return undefined;
  }
}

function masked(secret: string): string {
  return '*'.repeat(secret.length);
}

function redactStatements(statements: readonly Statement[]): Statement[] {
  return statements.map((s) => ({
    ...s,
    ...(s.keyword === 'auth_pass' ? { args: s.args.map(masked) } : {}),
    ...(s.block === undefined ? {} : { block: redactStatements(s.block) }),
  }));
}

/**
 * redactKeepalived replaces every auth_pass by as many `*`: facts files go
 * into support tickets, and the checks need only the password's length.
 */
export function redactKeepalived(model: KeepalivedModel): KeepalivedModel {
  return {
    ...model,
    statements: redactStatements(model.statements),
    vrrpInstances: model.vrrpInstances.map((instance) => {
      const auth = instance.authentication;
      if (auth?.authPass === undefined) return instance;
      return { ...instance, authentication: { ...auth, authPass: masked(auth.authPass) } };
    }),
  };
}

async function keepalivedFacts(c: Collector, file: string, configId?: string): Promise<KeepalivedFacts> {
  const given = configId === undefined ? {} : { configId };
  try {
    const model = await c.system.readKeepalived(file, configId);
    return { file, ...given, model: redactKeepalived(model), notes: keepalivedItems(model).notes };
  } catch (error) {
    return { file, ...given, notes: [], error: error instanceof Error ? error.message : String(error) };
  }
}

async function netnsFacts(system: FactsSystem): Promise<NetnsFacts | undefined> {
  const self = await system.readlink?.('/proc/self/ns/net');
  if (self === undefined) return undefined;
  const init = await system.readlink?.('/proc/1/ns/net');
  if (init !== undefined) return { self, initial: init === self };
  // /proc/1 may be hidden (containers, hidepid): the kernel makes nf_conntrack_max
  // read-only (0444) in every namespace but the initial one, which tells as well.
  const mode = await system.fileMode?.('/proc/sys/net/netfilter/nf_conntrack_max');
  return { self, ...(mode === undefined ? {} : { initial: (mode & 0o200) !== 0 }) };
}

function tableNames(text: string | undefined): string[] {
  return (text ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

async function optionalOutput(c: Collector, argv: readonly string[]): Promise<string | undefined> {
  try {
    const result = await c.system.run(argv);
    return result.code === 0 ? result.stdout : undefined;
  } catch {
    return undefined;
  }
}

function hasXtExpression(ruleset: readonly unknown[] | undefined): boolean {
  return (ruleset ?? []).some((item) => JSON.stringify(item).includes('"xt":'));
}

/**
 * iptablesFacts reads what nft cannot show: the options of iptables-nft's
 * xt expressions (from iptables-nft-save, only when the ruleset has any) and
 * legacy ip_tables rules (only when /proc/net/ip_tables_names lists tables:
 * the save tools then only read them).
 */
async function iptablesFacts(c: Collector, ruleset: readonly unknown[] | undefined): Promise<IptablesFacts> {
  const legacyTables = {
    ip: tableNames(await c.system.readFile('/proc/net/ip_tables_names')),
    ip6: tableNames(await c.system.readFile('/proc/net/ip6_tables_names')),
  };
  const pair = (ip: string | undefined, ip6: string | undefined): { ip?: string; ip6?: string } => ({
    ...(ip === undefined ? {} : { ip }),
    ...(ip6 === undefined ? {} : { ip6 }),
  });
  const xt = hasXtExpression(ruleset);
  const nftSave = pair(xt ? await optionalOutput(c, ['iptables-nft-save']) : undefined, xt ? await optionalOutput(c, ['ip6tables-nft-save']) : undefined);
  const legacySave = pair(
    legacyTables.ip.length === 0 ? undefined : await optionalOutput(c, ['iptables-legacy-save']),
    legacyTables.ip6.length === 0 ? undefined : await optionalOutput(c, ['ip6tables-legacy-save']),
  );
  return {
    ...(Object.keys(nftSave).length === 0 ? {} : { nftSave }),
    legacyTables,
    ...(Object.keys(legacySave).length === 0 ? {} : { legacySave }),
  };
}

/**
 * profileFor is the sysctl profile the director is judged by: director-nat
 * when a keepalived virtual_server forwards by NAT (the replies come back
 * through the director, which must forward them), else the role's default.
 */
export function profileFor(config: HostConfig, model: KeepalivedModel | undefined): string | undefined {
  if (config.role !== 'director' || model === undefined) return undefined;
  const nat = model.virtualServers.some((vs) => (vs.realServers.length === 0 ? forwardingMethod(vs) === 'NAT' : vs.realServers.some((rs) => forwardingMethod(vs, rs) === 'NAT')));
  return nat ? 'director-nat' : undefined;
}

/**
 * collectFacts reads everything the checks judge. It never throws for a
 * source it cannot read: that source is left out and named in `errors`.
 */
export async function collectFacts(config: HostConfig, options: CollectOptions = {}): Promise<Facts> {
  const system = options.system ?? hostSystem();
  const env = options.env ?? process.env;
  const c = new Collector(system);

  const backend = c.attempt('nftables backend', () => system.backend());
  const linksText = c.attempt('ip -j addr show', () => c.output(['ip', '-j', 'addr', 'show']));
  const [sysctls, addrText, routes4, routes6, neighbours, nftRuleset, ipvsText, ipvsStats, listening] = await Promise.all([
    c.attempt('/proc/sys', () => readSysctlFacts(c)),
    linksText,
    c.attempt('ip -j -4 route show', async () => parseJsonArray(await c.output(['ip', '-j', '-4', 'route', 'show']), 'ip route').map((r) => routeFact(r, 4))),
    c.attempt('ip -j -6 route show', async () => parseJsonArray(await c.output(['ip', '-j', '-6', 'route', 'show']), 'ip route').map((r) => routeFact(r, 6))),
    c.attempt('ip -j neigh show', async () => parseNeighbours(await c.output(['ip', '-j', 'neigh', 'show']))),
    c.attempt('nft -j list ruleset', async () => omitLargeSetElements([...(await system.nftRuleset())], SET_ELEMENT_LIMIT)),
    c.attempt('/proc/net/ip_vs', () => system.readFile('/proc/net/ip_vs')),
    c.attempt('/proc/net/ip_vs_stats', () => system.readFile('/proc/net/ip_vs_stats')),
    c.attempt('/proc/net/{tcp,tcp6,udp,udp6}', async () => {
      const tables = await Promise.all(SOCKET_TABLES.map(async (file) => ({ file, text: await system.readFile(file) })));
      return tables.flatMap(({ file, text }) => (text === undefined ? [] : parseSocketTable(text, file, system.endianness())));
    }),
  ]);
  const links = addrText === undefined ? [] : ((await c.attempt('ip -j addr show', async () => parseIpAddrJson(addrText))) ?? []);
  const macs = addrText === undefined ? {} : ((await c.attempt('ip -j addr show', async () => parseMacs(addrText))) ?? {});

  const [keepalived, peerKeepalived] = await Promise.all([
    config.keepalivedPath === undefined ? undefined : keepalivedFacts(c, config.keepalivedPath, config.keepalivedId),
    options.peerKeepalived === undefined ? undefined : keepalivedFacts(c, options.peerKeepalived, options.peerKeepalivedId),
  ]);
  const profile = profileFor(config, keepalived?.model);
  const [routeLookups, osFacts, services, lbfwVerify, blacklist, v6only, netns, iptables] = await Promise.all([
    c.attempt('ip -j route get', () => Promise.all(lookupTargets(config, options.clients ?? []).map(({ target, purpose }) => lookupRoute(c, target, purpose)))),
    c.attempt('systeminformation osInfo', async () => {
      const [info, keepalivedVersion] = await Promise.all([
        system.osInfo().catch((error: unknown) => {
          c.errors.push({ source: 'systeminformation osInfo', message: error instanceof Error ? error.message : String(error) });
          return {} as OsFacts;
        }),
        toolVersion(c, ['keepalived', '--version']),
      ]);
      return definedOnly({ ...info, nftVersion: (await backend)?.version, keepalivedVersion }) as OsFacts;
    }),
    c.attempt('systeminformation services', () => system.services(['keepalived'])),
    (async (): Promise<LbfwVerifyFacts> => {
      try {
        const result = await system.verifyHost(config, {
          env,
          force: true,
          skipInvalid: true,
          ...(profile === undefined ? {} : { profile }),
          ...(options.root === undefined ? {} : { root: options.root }),
          ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
        });
        return { result };
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error) };
      }
    })(),
    (async (): Promise<BlacklistFacts> => {
      const file = config.blacklistPath;
      try {
        const parsed = await system.readBlacklist(file, file === DEFAULT_BLACKLIST_PATH);
        return { file, entries: parsed.entries.length, hits: findProtectedHits(parsed, protectedRanges(config, env)) };
      } catch (error) {
        return { file, entries: 0, hits: [], error: error instanceof Error ? error.message : String(error) };
      }
    })(),
    c.attempt('ss -lntuHe', async () => parseSsV6only(await c.output(['ss', '-lntuHe']))),
    netnsFacts(system),
    c.attempt('iptables', () => iptablesFacts(c, nftRuleset)),
  ]);
  const backendFacts = await backend;
  const neighbourFacts = neighbours ?? [];
  const hostProbe = options.probeHosts === undefined ? undefined : await c.attempt('ARP probe of the peers and real servers', () => options.probeHosts?.(links, macs) ?? Promise.resolve([]));
  const probe = options.probe === undefined ? undefined : await c.attempt('ARP probe', () => options.probe?.(links, macs, neighbourFacts, hostProbe ?? []) ?? Promise.resolve([]));
  const sysctlValues = sysctls ?? {};
  const count = Number(sysctlValues['net.netfilter.nf_conntrack_count']);
  const max = Number(sysctlValues['net.netfilter.nf_conntrack_max']);
  const conntrack = sysctlValues['net.netfilter.nf_conntrack_count'] !== undefined && Number.isFinite(count) && Number.isFinite(max) ? { count, max } : undefined;
  return {
    factsVersion: FACTS_VERSION,
    collectedAt: system.now().toISOString(),
    host: { hostname: system.hostname(), kernel: system.kernel() },
    role: config.role,
    config,
    sysctls: sysctlValues,
    links,
    macs,
    routes: [...(routes4 ?? []), ...(routes6 ?? [])],
    routeLookups: routeLookups ?? [],
    neighbours: neighbourFacts,
    ...(nftRuleset === undefined ? {} : { nftRuleset }),
    ...(backendFacts === undefined ? {} : { backend: backendFacts }),
    ipvs: ipvsText === undefined ? { present: false } : { present: true, services: ipvsText, ...(ipvsStats === undefined ? {} : { stats: ipvsStats }) },
    ...(listening === undefined ? {} : { listening }),
    ...(v6only === undefined ? {} : { v6only }),
    ...(netns === undefined ? {} : { netns }),
    ...(iptables === undefined ? {} : { iptables }),
    ...(options.invocation === undefined ? {} : { invocation: options.invocation }),
    ...(profile === undefined ? {} : { profile }),
    ...(conntrack === undefined ? {} : { conntrack }),
    ...(keepalived === undefined ? {} : { keepalived }),
    ...(peerKeepalived === undefined ? {} : { peerKeepalived }),
    ...(osFacts === undefined ? {} : { os: osFacts }),
    services: services ?? [],
    lbfwVerify,
    blacklist,
    ...(probe === undefined ? {} : { probe }),
    ...(hostProbe === undefined ? {} : { hostProbe }),
    ...(options.peerFacts === undefined ? {} : { peerBan: await readPeerBanFacts(options.peerFacts) }),
    errors: c.errors,
  };
}
