/**
 * Real requests through the VIP, from the lab's client: one HTTP GET per real
 * server, each from a client port that the director's hash sends to that real
 * server, and after each, whose MAC the client's ARP cache holds for the VIP.
 * A request is good when the real server it was meant for answers it and the
 * client still sends VIP traffic to the director.
 */
import { LAB, labEmulation, nodeOwning, type Lab, type LabNodeName } from './topology.js';
import { HTTP_PROBE_PROGRAM } from './programs/index.js';
import { realServerFor } from './dr-emulation.js';

/** Default wait for an answer. A dropped SYN is only visible as silence: this bound is the measurement. */
export const PROBE_TIMEOUT_MS = 2000;

/** VipRequest: one request through the VIP and what happened to it. */
export interface VipRequest {
  /** Client source port: the director's hash of client address and port picks the real server. */
  readonly port: number;
  /** The node the director sends this connection to (undefined: the service has no real server). */
  readonly expected?: LabNodeName;
  /** The node that answered (the service's reply body). */
  readonly answeredBy?: string;
  /** Why there was no answer: `timeout`, `ECONNREFUSED`, `EHOSTUNREACH`, ... */
  readonly error?: string;
  /** MAC the client's ARP cache holds for the VIP after the request ('' when none). */
  readonly vipMac: string;
  /** Whose MAC that is: a node's name, or the MAC itself when no node has it, or '' when none. */
  readonly vipHolder: string;
}

/** VipProbe: the requests of one probe; `ok` when every one was good. */
export interface VipProbe {
  readonly requests: readonly VipRequest[];
  readonly ok: boolean;
}

/** Symptom: how VIP traffic fails. */
export type Symptom = 'dropped' | 'refused' | 'bypass';

const DROPPED = new Set(['timeout', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENETUNREACH']);
const REFUSED = new Set(['ECONNREFUSED', 'ECONNRESET']);

/** requestOk: answered by the real server the director picked, and the client's VIP neighbour is still the director. */
export function requestOk(request: VipRequest): boolean {
  return request.error === undefined && request.answeredBy === request.expected && isDirector(request.vipHolder);
}

/** isDirector: the VIP's MAC is one of the two directors' (the VRRP MASTER of the moment). */
export function isDirector(holder: string): boolean {
  return holder === 'director' || holder === 'director2';
}

/** symptomsOf lists how the probe's requests failed. */
export function symptomsOf(probe: VipProbe): Symptom[] {
  const found = new Set<Symptom>();
  for (const r of probe.requests) {
    if (r.error !== undefined && DROPPED.has(r.error)) found.add('dropped');
    if (r.error !== undefined && REFUSED.has(r.error)) found.add('refused');
    if (!isDirector(r.vipHolder) && r.vipHolder !== '' && r.answeredBy !== undefined) found.add('bypass');
  }
  return [...found];
}

/** answeredNodes lists the real servers that answered good requests. */
export function answeredNodes(probe: VipProbe): string[] {
  return [...new Set(probe.requests.filter(requestOk).map((r) => r.answeredBy ?? ''))].sort();
}

/** describeRequest says in one line what happened to a request. */
export function describeRequest(r: VipRequest, timeoutMs = PROBE_TIMEOUT_MS): string {
  const head = `client port ${r.port} (director sends it to ${r.expected ?? 'nobody'}): `;
  // A failed request may not even have gone to the director.
  const bypass = !isDirector(r.vipHolder) && r.vipHolder !== '' ? `; it went straight to ${r.vipHolder}, whose MAC the client's ARP cache holds for the VIP` : '';
  if (r.error === 'timeout') return `${head}no answer within ${timeoutMs / 1000} s (dropped)${bypass}`;
  if (r.error === 'EHOSTUNREACH') return `${head}no answer: nobody answered the client's ARP request for the VIP (EHOSTUNREACH)${bypass}`;
  if (r.error !== undefined && REFUSED.has(r.error)) return `${head}refused (${r.error}: nothing listens for ${LAB.vip}:${LAB.port} there)${bypass}`;
  if (r.error !== undefined) return `${head}failed (${r.error})${bypass}`;
  if (!isDirector(r.vipHolder)) {
    return `${head}answered by ${r.answeredBy ?? '?'} BYPASSING the director: the client's ARP cache holds ${r.vipHolder}'s MAC for the VIP`;
  }
  if (r.answeredBy !== r.expected) return `${head}answered by ${r.answeredBy ?? '?'}, not ${r.expected ?? 'nobody'}`;
  return `${head}answered by ${r.answeredBy} via ${r.vipHolder === 'director' ? 'the director' : r.vipHolder}`;
}


interface RawResult {
  readonly port: number;
  readonly body?: string;
  readonly error?: string;
  readonly vipMac: string;
}

/** flushNeighbours empties the ARP caches of the client, the director and the real servers, so ARP is exercised anew. */
export async function flushNeighbours(lab: Lab): Promise<void> {
  for (const node of [lab.client, lab.client2, lab.director, lab.director2, lab.rs1, lab.rs2]) await node.ns.ok(['ip', 'neigh', 'flush', 'all']);
}

/** ProbeOptions: how long to wait for each answer. */
export interface ProbeOptions {
  readonly timeoutMs?: number;
}

/**
 * probeVip flushes every ARP cache, then sends one request per real server of
 * the director's service (keepalived.conf order), each from a fresh client
 * port the director's hash maps to that real server.
 */
export async function probeVip(lab: Lab, options: ProbeOptions = {}): Promise<VipProbe> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const emulation = await labEmulation(lab);
  // A firewall-mark service takes the VIP's packets once a rule marks them: the same hash picks the server.
  const service = emulation.services.find((s) => s.vip === LAB.vip && s.port === LAB.port) ?? emulation.services.find((s) => s.fwmark !== undefined);
  const targets = service?.realServers ?? [];
  const ports: { port: number; expected?: LabNodeName }[] = [];
  for (const target of targets.length === 0 ? [undefined] : targets) {
    let port = lab.nextPort();
    while (service !== undefined && target !== undefined && realServerFor(service, emulation, LAB.lan.client, port) !== target) port = lab.nextPort();
    const expected = target === undefined ? undefined : nodeOwning(target);
    ports.push(expected === undefined ? { port } : { port, expected });
  }
  await flushNeighbours(lab);
  const result = await lab.exec('client', [process.execPath, HTTP_PROBE_PROGRAM, LAB.vip, String(LAB.port), String(timeoutMs), ...ports.map((p) => String(p.port))]);
  if (result.code !== 0) throw new Error(`probe from ${lab.client.ns.name} failed (exit ${result.code}): ${result.stderr.trim()}`);
  const raw = JSON.parse(result.stdout) as RawResult[];
  const macs = new Map<string, string>([lab.director, lab.director2, lab.rs1, lab.rs2, lab.client].map((n) => [n.mac, n.name]));
  const requests = raw.map((r, i): VipRequest => {
    const vipMac = r.vipMac.toLowerCase();
    const expected = ports[i]?.expected;
    return {
      port: r.port,
      ...(expected === undefined ? {} : { expected }),
      ...(r.body === undefined ? {} : { answeredBy: r.body }),
      ...(r.error === undefined ? {} : { error: r.error }),
      vipMac,
      vipHolder: vipMac === '' ? '' : (macs.get(vipMac) ?? vipMac),
    };
  });
  return { requests, ok: requests.length > 0 && requests.every(requestOk) };
}
