/**
 * The ban planner: offenders + exemptions + the bans already in the kernel +
 * the offence history -> what to ban, for how long, and why. Pure.
 *
 * - A client over a limit that is not banned yet gets a ban; its time grows
 *   with each offence inside the history window (`escalation`).
 * - A client still over the limit while banned is re-asserted: its ban's
 *   timeout starts again (its IPVS entries outlive a short ban) without
 *   counting as a new offence.
 * - A client whose prefix overlaps an exempt range is never banned; it is
 *   reported with the reason.
 */
import type { OverlimitConfig } from '../config/model.js';
import type { ProtectedRange } from '../blacklist/safety.js';
import { banSetOf, fitBanComment, type BanSetName } from '../ban/table.js';
import type { ListedBan } from '../nft/ban-backend.js';
import { cidrToRange } from '../net/address.js';
import type { ClientCount, ConnCounter } from './count.js';
import { exemptionOf } from './exempt.js';

/** Offence: one limit a client went over. */
export interface Offence {
  /** `all services` for the overall limit, else the VIP service text. */
  readonly scope: string;
  readonly connections: number;
  readonly limit: number;
}

/** Offender: a client over at least one limit, worst offence first. */
export interface Offender extends ClientCount {
  readonly offences: readonly Offence[];
}

/** ALL_SERVICES is the scope of the overall per-client limit. */
export const ALL_SERVICES = 'all services';

/** findOffenders lists the clients over the overall or a per-service limit, most connections first. */
export function findOffenders(counter: ConnCounter, settings: OverlimitConfig): Offender[] {
  const limits = settings.services.map((s) => ({
    service: s.family === 4 ? `${s.address}:${s.port}/${s.protocol}` : `[${s.address}]:${s.port}/${s.protocol}`,
    limit: s.maxConnections,
  }));
  const minimum = Math.min(settings.maxConnections, ...limits.map((l) => l.limit));
  const offencesOf = (connections: number, perService: (service: string) => number): Offence[] => {
    const found: Offence[] = [];
    if (connections > settings.maxConnections) found.push({ scope: ALL_SERVICES, connections, limit: settings.maxConnections });
    for (const { service, limit } of limits) {
      const n = perService(service);
      if (n > limit) found.push({ scope: service, connections: n, limit });
    }
    return found.sort((a, b) => b.connections / b.limit - a.connections / a.limit);
  };
  // Most clients are far below every limit: the cheap test first.
  return counter
    .clients((connections, perService) => connections > minimum && offencesOf(connections, perService).length > 0)
    .map((client) => {
      const perService = (service: string): number => client.services.find((s) => s.service === service)?.connections ?? 0;
      return { ...client, offences: offencesOf(client.connections, perService) };
    });
}

/** OffenceHistory: per client, how many bans in the window and the last one (ISO time). */
export type OffenceHistory = Readonly<Record<string, { readonly offences: number; readonly last: string }>>;

/** BanAction: one ban to put (new or re-asserted). */
export interface BanAction {
  readonly client: string;
  readonly set: BanSetName;
  readonly address: string;
  readonly timeoutSeconds: number;
  readonly comment: string;
  /** Which offence this is inside the history window (1 = first). */
  readonly offence: number;
  /** True when the client was banned already and its timeout starts again. */
  readonly reassert: boolean;
  readonly connections: number;
  readonly scope: string;
  readonly limit: number;
}

/** Exempted: an offender that is never banned, and why. */
export interface Exempted {
  readonly client: string;
  readonly connections: number;
  readonly exemptBy: string;
  readonly role: string;
}

/** BanPlan: what the planner decided. */
export interface BanPlan {
  readonly actions: readonly BanAction[];
  readonly exempted: readonly Exempted[];
  /** The history to keep after the actions (old offences pruned). */
  readonly history: OffenceHistory;
}

/** PlanInput: everything the planner decides from. */
export interface PlanInput {
  readonly offenders: readonly Offender[];
  readonly exempt: readonly ProtectedRange[];
  readonly active: readonly ListedBan[];
  readonly history: OffenceHistory;
  readonly now: Date;
  readonly settings: OverlimitConfig;
}

/** banTimeFor gives the ban time of the n-th offence (1-based). */
export function banTimeFor(settings: OverlimitConfig, offence: number): number {
  if (offence <= 1 || settings.escalation.length === 0) return settings.banSeconds;
  return settings.escalation[Math.min(offence - 2, settings.escalation.length - 1)] ?? settings.banSeconds;
}

function minuteStamp(now: Date): string {
  return `${now.toISOString().slice(0, 16)}Z`;
}

/** planBans decides the bans of one run. */
export function planBans(input: PlanInput): BanPlan {
  const { settings, now } = input;
  const cutoff = now.getTime() - settings.historySeconds * 1000;
  const history: Record<string, { offences: number; last: string }> = {};
  for (const [client, entry] of Object.entries(input.history)) {
    if (Date.parse(entry.last) >= cutoff) history[client] = { ...entry };
  }
  const banned = new Set(input.active.map((b) => `${b.set} ${b.address}`));
  const actions: BanAction[] = [];
  const exempted: Exempted[] = [];
  for (const offender of input.offenders) {
    const worst = offender.offences[0];
    if (worst === undefined) continue;
    const hit = exemptionOf(cidrToRange({ family: offender.family, address: offender.address, prefix: offender.prefix }), input.exempt);
    if (hit !== undefined) {
      exempted.push({ client: offender.client, connections: offender.connections, exemptBy: hit.address, role: hit.role });
      continue;
    }
    const set = banSetOf(offender.family);
    const reassert = banned.has(`${set} ${offender.address}`);
    const before = history[offender.client]?.offences ?? 0;
    const offence = reassert ? Math.max(1, before) : before + 1;
    const timeoutSeconds = banTimeFor(settings, offence);
    if (!reassert) history[offender.client] = { offences: offence, last: now.toISOString() };
    const top = offender.services[0];
    const comment = fitBanComment(
      `lbfw overlimit: ${worst.connections} ${settings.states.join('/')} > ${worst.limit} (${worst.scope})` +
        `${worst.scope === ALL_SERVICES && top !== undefined ? ` top ${top.service}` : ''} ${minuteStamp(now)} offence ${offence}`,
    );
    actions.push({
      client: offender.client,
      set,
      address: offender.address,
      timeoutSeconds,
      comment,
      offence,
      reassert,
      connections: worst.connections,
      scope: worst.scope,
      limit: worst.limit,
    });
  }
  return { actions, exempted, history };
}
