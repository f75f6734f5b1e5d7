/**
 * The keepalived.conf reader: keepalived's grammar (blocks, comments, quotes,
 * includes with globs, conditional lines, parameters) into a typed model, and
 * from that model to lbfw's host config.
 */
export type {
  DeprecatedKeyword,
  GlobalDefs,
  HealthChecker,
  IncludeDirective,
  IncludeVariant,
  KeepalivedWarning,
  KeepalivedAddress,
  KeepalivedModel,
  Located,
  LvsMethod,
  LvsSyncDaemon,
  RealServerEntry,
  SorryServer,
  Statement,
  TrackInterface,
  UnicastPeer,
  UnknownKeyword,
  VirtualIpAddress,
  VirtualServer,
  VirtualServerGroup,
  VirtualServerGroupEntry,
  VirtualServerProtocol,
  VirtualServerTarget,
  VrrpAuthentication,
  VrrpInstance,
  VrrpState,
} from './model.js';
export { type ParseKeepalivedOptions, parseKeepalived } from './build.js';
export { type ReadKeepalivedOptions, readKeepalived } from './include.js';
export {
  type KeepalivedDerived,
  type KeepalivedItems,
  type KeepalivedNote,
  MAX_RANGE_ADDRESSES,
  hostFromKeepalived,
  mergeKeepalived,
} from './to-host.js';
