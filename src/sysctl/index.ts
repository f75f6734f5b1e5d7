/**
 * Kernel tuning: role profiles with a reason for every key, the kernel's
 * rules for combining `all` with an interface, verification, ordered writes
 * through /proc/sys, and persistence to sysctl.d.
 */
export {
  DEFAULT_PROFILES,
  applySysctls,
  persistSysctls,
  planSysctls,
  readSysctlState,
  verifySysctls,
  type SysctlApplyResult,
  type SysctlOptions,
  type SysctlPersistOptions,
  type SysctlPersistResult,
  type SysctlPlan,
  type SysctlState,
  type SysctlVerifyResult,
} from './host.js';
export {
  DEFAULT_USER_PROFILE_DIR,
  builtinProfileDir,
  listProfiles,
  loadProfile,
  profileNames,
  type Profile,
  type ProfileDirs,
  type ProfileFile,
  type ProfileSummary,
} from './profiles.js';
export {
  PLACEHOLDERS,
  checkTemplate,
  parseProfile,
  type IncludeRef,
  type Placeholder,
  type ProfileDocument,
  type ProfileEntry,
} from './profile.js';
export {
  candidates,
  describeExpectation,
  formatExpectation,
  parseExpectation,
  satisfies,
  satisfiesNumber,
  type Expectation,
} from './expectation.js';
export {
  IPV4_CONF_RULES,
  IPV6_CONF_RULES,
  combineRule,
  effective,
  propagatesFromAll,
  rulePhrase,
  type CombineRule,
} from './combine.js';
export { confKey, keyToPath, normaliseKey, parseConfKey, pathToKey, type ConfKey } from './key.js';
export {
  missingInterface,
  resolveSettings,
  type ConfTarget,
  type ResolvedProfile,
  type Setting,
  type SettingSource,
  type SkippedSetting,
} from './resolve.js';
export { evaluate, relatedKeys, type Evaluation, type Readings, type Sides } from './evaluate.js';
export { judgeSetting, judgeSettings, sysctlCommand, type SysctlResult, type SysctlStatus } from './judge.js';
export {
  allSideNote,
  planWrites,
  simulateWrite,
  solveSetting,
  writePhase,
  type KeyValue,
  type SysctlWrite,
  type UnresolvedSetting,
  type WritePlan,
} from './writes.js';
export {
  DEFAULT_PROC_SYS,
  SysctlError,
  listInterfaces,
  readKeys,
  readSysctl,
  readSysctls,
  writeSysctl,
  type ProcOptions,
} from './procfs.js';
export {
  DEFAULT_PERSIST_DIR,
  DEFAULT_PERSIST_NAME,
  DEFAULT_SYSCTL_CONF,
  SYSCTL_D_DIRS,
  collectSysctlFiles,
  findOverrides,
  parseSysctlConf,
  persistEntries,
  renderSysctlConf,
  writePersistFile,
  type PersistEntry,
  type PersistHeader,
  type PersistLocation,
  type PersistResult,
  type SysctlFile,
  type SysctlFileEntry,
  type SysctlOverride,
} from './persist.js';
