/**
 * The lab's overlimit scenario, shown by `lbfw demo` and asserted by the
 * system tests: client2 holds more connections through the VIP than the
 * directors' `overlimit.max_connections`, `lbfw overlimit` on the active
 * director (fed the lab's emulated ip_vs_conn table, conn-table.ts) bans it,
 * its next request is dropped while the client's works, and once the ban's
 * timeout passes client2 is served again. Returns data; never prints.
 *
 * Why client2 and not the client: the client is the directors' default
 * gateway, which `lbfw overlimit` never bans (overlimit/exempt.ts). client2
 * (203.0.113.50) is no VIP, real server, peer, management source, gateway or
 * address of the director, so nothing exempts it: the LAN is a network the
 * directors are connected to, whose exemption their lab config turns off
 * (node-config.ts), as the LAN stands for the internet.
 */
import { spawn } from 'node:child_process';
import { labConnTable } from './conn-table.js';
import { realServerFor } from './dr-emulation.js';
import { waitFor } from './keepalived.js';
import { LAB_OVERLIMIT } from './node-config.js';
import { PROBE_TIMEOUT_MS } from './probe.js';
import { HOLD_CONNECTIONS_PROGRAM, HTTP_PROBE_PROGRAM } from './programs/index.js';
import { DIRECTORS, LAB, labEmulation, LBFW_BIN, nodeOwning, vipHolders, type Lab, type LabNodeName } from './topology.js';
import type { RunResult } from '../system/run.js';
import { NftBanCli } from '../nft/ban-cli.js';

/** The lab's two clients. */
export type LabClientName = 'client' | 'client2';

/** Connections client2 holds: above the lab's threshold, few enough to be quick. */
export const HELD_CONNECTIONS = LAB_OVERLIMIT.maxConnections + 5;

/** ClientRequest: one HTTP request through the VIP from a client, and what happened. */
export interface ClientRequest {
  readonly client: LabClientName;
  readonly address: string;
  readonly port: number;
  /** The real server the director's hash sends this connection to. */
  readonly expected?: LabNodeName;
  /** Who answered (the reply body), or why nothing did (`timeout`, `ECONNREFUSED`, ...). */
  readonly answeredBy?: string;
  readonly error?: string;
}

/** served: the request was answered by the real server the director picked. */
export function served(request: ClientRequest): boolean {
  return request.error === undefined && request.answeredBy !== undefined && request.answeredBy === request.expected;
}

/** describeClientRequest says in one line what happened to a request. */
export function describeClientRequest(r: ClientRequest): string {
  const head = `${r.client} (${r.address}) -> http://${LAB.vip}/`;
  if (r.error === 'timeout') return `${head}: no answer within ${PROBE_TIMEOUT_MS / 1000} s (dropped)`;
  if (r.error !== undefined) return `${head}: failed (${r.error})`;
  return `${head}: answered by ${r.answeredBy ?? '?'}`;
}

function addressOf(client: LabClientName): string {
  return client === 'client' ? LAB.lan.client : LAB.lan.client2;
}

/** requestFrom sends one HTTP request through the VIP from `client`, from a fresh source port. */
export async function requestFrom(lab: Lab, client: LabClientName): Promise<ClientRequest> {
  const address = addressOf(client);
  const port = lab.nextPort();
  const emulation = await labEmulation(lab);
  const service = emulation.services.find((s) => s.vip === LAB.vip && s.port === LAB.port);
  const target = service === undefined ? undefined : realServerFor(service, emulation, address, port);
  const expected = target === undefined ? undefined : nodeOwning(target);
  const result = await lab.exec(client, [process.execPath, HTTP_PROBE_PROGRAM, LAB.vip, String(LAB.port), String(PROBE_TIMEOUT_MS), String(port)]);
  if (result.code !== 0) throw new Error(`request from ${lab[client].ns.name} failed (exit ${result.code}): ${result.stderr.trim()}`);
  const [raw] = JSON.parse(result.stdout) as { body?: string; error?: string }[];
  return {
    client,
    address,
    port,
    ...(expected === undefined ? {} : { expected }),
    ...(raw?.body === undefined ? {} : { answeredBy: raw.body }),
    ...(raw?.error === undefined ? {} : { error: raw.error }),
  };
}

/** ConnectionHold: connections a client keeps open until stop(). */
export interface ConnectionHold {
  readonly count: number;
  /** Closes the connections and waits for the program to end. */
  readonly stop: () => Promise<void>;
}

/**
 * holdConnections opens `count` idle TCP connections from `client` to the
 * VIP and resolves once all are established; rejects when one is not.
 */
export async function holdConnections(lab: Lab, client: LabClientName, count: number): Promise<ConnectionHold> {
  const child = spawn('ip', ['netns', 'exec', lab[client].ns.name, process.execPath, HOLD_CONNECTIONS_PROGRAM, LAB.vip, String(LAB.port), String(count), '5000'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0] ?? '');
    });
    child.once('error', reject);
    void closed.then((code) => reject(new Error(`hold-connections in ${lab[client].ns.name} exited (${code}): ${stdout.trim()} ${stderr.trim()}`)));
  });
  const stop = async (): Promise<void> => {
    child.stdin.end();
    await closed;
  };
  if (line !== `held ${count}`) {
    await stop();
    throw new Error(`hold-connections in ${lab[client].ns.name}: ${line}`);
  }
  return { count, stop };
}

/** activeDirector is the director holding the VIP now (the VRRP MASTER). */
export async function activeDirector(lab: Lab): Promise<(typeof DIRECTORS)[number]> {
  return (await vipHolders(lab))[0] ?? 'director';
}

/**
 * isBanned says whether the ban sets of `director` hold `address`: the
 * library's ban listing, run inside the director's namespace (no CLI start,
 * so polling is cheap).
 */
export async function isBanned(lab: Lab, director: (typeof DIRECTORS)[number], address: string): Promise<boolean> {
  const backend = new NftBanCli({ netns: lab[director].ns.name });
  if (!(await backend.tableExists())) return false;
  return (await backend.list()).some((b) => b.address === address);
}

function hexOf(address: string): string {
  return address
    .split('.')
    .map((n) => Number(n).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/** OverlimitScenario: what each step of the scenario saw. */
export interface OverlimitScenario {
  readonly director: (typeof DIRECTORS)[number];
  readonly held: number;
  /** Rows of the emulated ip_vs_conn table from client2. */
  readonly rowsFromClient2: number;
  readonly overlimit: RunResult;
  readonly bannedAfterRun: boolean;
  readonly bannedRequest: ClientRequest;
  readonly otherRequest: ClientRequest;
  /** Whether the ban was still listed after both requests (so the failure was the ban's). */
  readonly bannedAfterRequests: boolean;
  /** Milliseconds from the end of the run until the ban was gone; undefined when it did not expire in time. */
  readonly expiredAfterMs?: number;
  readonly requestAfterExpiry?: ClientRequest;
}

/** overlimitScenarioProblems names every step that did not go as it should (empty: all did). */
export function overlimitScenarioProblems(s: OverlimitScenario): string[] {
  const problems: string[] = [];
  if (s.rowsFromClient2 !== s.held) problems.push(`the table lists ${s.rowsFromClient2} connections of client2, it holds ${s.held}`);
  if (s.held <= LAB_OVERLIMIT.maxConnections) problems.push(`client2 holds only ${s.held} connections`);
  if (s.overlimit.code !== 0) problems.push(`lbfw overlimit exited with ${s.overlimit.code}`);
  if (!s.bannedAfterRun) problems.push('client2 is not banned on both directors after the run');
  if (s.bannedRequest.error === undefined) problems.push(`client2's request while banned was answered by ${s.bannedRequest.answeredBy ?? '?'}`);
  if (!served(s.otherRequest)) problems.push('the other client was not served');
  if (!s.bannedAfterRequests) problems.push('the ban was gone before both requests were done');
  if (s.expiredAfterMs === undefined) problems.push('the ban did not expire');
  else if (s.requestAfterExpiry === undefined || !served(s.requestAfterExpiry)) problems.push('client2 was not served after the ban expired');
  return problems;
}

/** overlimitScenarioOk: every step went as it should. */
export function overlimitScenarioOk(s: OverlimitScenario): boolean {
  return overlimitScenarioProblems(s).length === 0;
}

/** OverlimitScenarioOptions: progress callbacks, so the demo can narrate as it goes. */
export interface OverlimitScenarioOptions {
  readonly progress?: (step: 'held' | 'scanned' | 'requests' | 'expired', scenario: Partial<OverlimitScenario>) => void;
}

/**
 * runOverlimitScenario runs the scenario on a lab whose nodes have lbfw
 * applied. The connections are closed before the wait for the expiry, as a
 * client that gave up; a later `lbfw overlimit` would otherwise ban it again.
 */
export async function runOverlimitScenario(lab: Lab, options: OverlimitScenarioOptions = {}): Promise<OverlimitScenario> {
  const progress = options.progress ?? (() => undefined);
  const director = await activeDirector(lab);
  const hold = await holdConnections(lab, 'client2', HELD_CONNECTIONS);
  let stopped = false;
  try {
    const table = await labConnTable(
      [
        { ns: lab.rs1.ns, address: LAB.lan.rs1 },
        { ns: lab.rs2.ns, address: LAB.lan.rs2 },
      ],
      LAB.vip,
    );
    const client2Hex = hexOf(LAB.lan.client2);
    const rowsFromClient2 = table.split('\n').filter((row) => row.split(/\s+/)[1] === client2Hex).length;
    const scenario: Partial<OverlimitScenario> = { director, held: hold.count, rowsFromClient2 };
    progress('held', scenario);
    // Both directors run it, as their timers do (the backup reads the
    // connections synced to it; here the same emulated table). The ban must
    // not depend on which director a client's ARP cache still points at: a
    // director that is not MASTER still forwards what reaches it.
    const others = DIRECTORS.filter((d) => d !== director);
    const overlimit = await lab.exec(director, [process.execPath, LBFW_BIN, 'overlimit', '--conn-file', '-'], table);
    const otherRuns = await Promise.all(others.map((d) => lab.exec(d, [process.execPath, LBFW_BIN, 'overlimit', '--conn-file', '-'], table)));
    const ranAt = Date.now();
    const bannedEverywhere = async (): Promise<boolean> => (await Promise.all(DIRECTORS.map((d) => isBanned(lab, d, LAB.lan.client2)))).every(Boolean);
    const bannedAnywhere = async (): Promise<boolean> => (await Promise.all(DIRECTORS.map((d) => isBanned(lab, d, LAB.lan.client2)))).some(Boolean);
    const bannedAfterRun = otherRuns.every((r) => r.code === 0) && (await bannedEverywhere());
    Object.assign(scenario, { overlimit, bannedAfterRun });
    progress('scanned', scenario);
    // At once: both must happen while the ban lasts, whatever the machine's load.
    const [bannedRequest, otherRequest] = await Promise.all([requestFrom(lab, 'client2'), requestFrom(lab, 'client')]);
    const bannedAfterRequests = await bannedEverywhere();
    Object.assign(scenario, { bannedRequest, otherRequest, bannedAfterRequests });
    progress('requests', scenario);
    await hold.stop();
    stopped = true;
    const bound = (LAB_OVERLIMIT.banSeconds + 15) * 1000;
    const gone = await waitFor(async () => ((await bannedAnywhere()) ? undefined : Date.now() - ranAt), bound);
    if (gone !== undefined) Object.assign(scenario, { expiredAfterMs: gone, requestAfterExpiry: await requestFrom(lab, 'client2') });
    progress('expired', scenario);
    return scenario as OverlimitScenario;
  } finally {
    if (!stopped) await hold.stop();
  }
}

