/**
 * Host config: the YAML file, quick flags, and their combination, all filling
 * the one {@link HostConfig} model.
 */
export type {
  AllowRule,
  Address,
  Cidr,
  Family,
  HostConfig,
  InputPolicy,
  Interfaces,
  Management,
  Origin,
  Peer,
  Protocol,
  RealServer,
  Role,
  VipService,
} from './model.js';
export { DEFAULT_BLACKLIST_PATH, DEFAULT_CONFIG_PATH, DEFAULT_SSH_PORT } from './model.js';
export { parseConfig } from './parse.js';
export { type RealServerSpec, type VipSpec, parseRealServerSpec, parseVipSpec } from './vip-spec.js';
export type { Checked } from './values.js';
export { COMMAND_LINE, type QuickFlags, buildQuickConfig, mergeFlags } from './quick.js';
export { type LoadOptions, NO_CONFIG_MESSAGE, loadConfig } from './load.js';
