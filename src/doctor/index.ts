/**
 * `lbfw doctor` as a library: facts (the only I/O), checks (pure), report.
 */
export type { Check, DoctorReport, Finding, FixSteps, Severity } from './types.js';
export { fixText } from './fix.js';
export { SEVERITIES } from './types.js';
export { FactsError, ProcFileError } from './errors.js';
export {
  CONF_KEYS,
  FACTS_VERSION,
  SET_ELEMENT_LIMIT,
  SOCKET_TABLES,
  collectFacts,
  hostSystem,
  type BlacklistFacts,
  type CollectOptions,
  type ConntrackFacts,
  type FactError,
  type Facts,
  type FactsSystem,
  type IpvsFacts,
  type KeepalivedFacts,
  type LbfwVerifyFacts,
  type NeighbourFact,
  type OsFacts,
  type RouteFact,
  type RouteLookup,
  type ServiceFact,
} from './facts.js';
export { parseFacts, readFactsFile, validateFacts } from './facts-file.js';
export { parseIpvs, parseSocketTable, type IpvsDestination, type IpvsService, type ListeningSocket } from './proc-net.js';
export { CHECKS, checkIds } from './registry.js';
export { runChecks, selectChecks } from './run.js';
export { renderList, renderReport, useColour, type RenderOptions } from './report.js';
export { probeArp, type ArpAnswer, type ProbeOptions, type ProbeResult } from './probe.js';
