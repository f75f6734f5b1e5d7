/**
 * lbfw public library surface. Everything a caller may import is listed here
 * explicitly; nothing else is part of the API. Every function returns data
 * and throws only {@link LbfwError} subclasses; none prints or exits.
 */

// Errors.
export {
  BlacklistError,
  ConfigError,
  LbfwError,
  LockError,
  NftError,
  NftInvalidError,
  PermissionError,
  SafetyError,
  InputFileError,
  StateError,
  UsageError,
  type InputProblem,
  type ProtectedHit,
} from './errors.js';

// Host config: model, YAML file, quick flags.
export type {
  Address,
  AllowRule,
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
} from './config/model.js';
export { DEFAULT_BLACKLIST_PATH, DEFAULT_CONFIG_PATH, DEFAULT_SSH_PORT } from './config/model.js';
export {
  buildQuickConfig,
  loadConfig,
  mergeFlags,
  parseConfig,
  parseVipSpec,
  type LoadOptions,
  type QuickFlags,
  type VipSpec,
} from './config/index.js';

// static_blacklist.
export {
  addEntry,
  findProtectedHits,
  normaliseBlacklist,
  parseBlacklist,
  readBlacklist,
  removeEntry,
  sshClientAddress,
  type BlacklistEntry,
  type NormalisedBlacklist,
  type ParsedBlacklist,
  type ProtectedRange,
} from './blacklist/index.js';

// Ruleset: pure builders and the comparison verify uses.
export { buildRuleset } from './ruleset/build.js';
export { renderReplaceScript, renderTable } from './ruleset/render.js';
export { parseListing, type ListedTable } from './ruleset/listing.js';
export { compareRuleset, type Drift } from './ruleset/compare.js';
export { TABLE_FAMILY, TABLE_NAME, type NftChain, type NftRule, type NftSet, type Ruleset } from './ruleset/types.js';

// nftables backend: typed objects, transactions, backends.
export type { BackendName, ChainSnapshot, NftBackend, ReadTableOptions, RuleSnapshot, SetSnapshot, TableSnapshot } from './nft/backend.js';
export { NftCli, systemNft, type NftCliOptions } from './nft/cli-backend.js';
export { FakeBackend, type FakeBackendOptions } from './nft/fake-backend.js';
export { selectBackend, type BackendChoice, type BackendPreference } from './nft/select.js';
export { Transaction, type TxOperation } from './nft/transaction.js';
export { addressElements, diffElements, elementTexts, elementsFromTexts, rangeElements, tupleElements, type ElementList } from './nft/model/elements.js';
export type { SetKey, KeyField } from './nft/model/keys.js';
export type { BaseChain, ChainHook, NftSetSpec } from './nft/model/objects.js';
export type { ConcatField, Match, Statement } from './nft/model/rules.js';
export { renderRuleText } from './nft/render/rule-text.js';

// Firewall operations.
export type { BlacklistOptions, FirewallOptions } from './firewall/options.js';
export { planFirewall, type FirewallPlan, type PlanOptions } from './firewall/plan.js';
export { ApplyMismatchError, applyFirewall, type ApplyOptions, type ApplyResult } from './firewall/apply.js';
export { verifyFirewall, type FirewallVerifyResult } from './firewall/verify.js';
export { rollbackFirewall, type RollbackResult } from './firewall/rollback.js';
export { confirmApply, type ArmedConfirm, type ConfirmResult } from './firewall/confirm.js';
export {
  addToBlacklist,
  listBlacklist,
  removeFromBlacklist,
  testBlacklist,
  type BlacklistAddOptions,
  type BlacklistChange,
  type BlacklistListing,
  type BlacklistTestResult,
} from './firewall/blacklist-live.js';
export type { PreparedFirewall } from './firewall/prepare.js';
export type { Backup } from './state/backups.js';
export { DEFAULT_STATE_DIR } from './state/paths.js';

// Kernel settings: role profiles, effective values, apply/verify/persist.
export {
  DEFAULT_PROFILES,
  SysctlError,
  applySysctls,
  judgeSettings,
  loadProfile,
  persistSysctls,
  planSysctls,
  resolveSettings,
  verifySysctls,
  type Profile,
  type SysctlApplyResult,
  type SysctlOptions,
  type SysctlPersistResult,
  type SysctlPlan,
  type SysctlResult,
  type SysctlStatus,
  type SysctlVerifyResult,
  type SysctlWrite,
} from './sysctl/index.js';

// VIPs on lo for real servers.
export { applyVips, planVips, type VipApplyResult, type VipOptions } from './vip/apply.js';
export { planLoVips, type VipAction, type VipPlan, type VipWarning } from './vip/plan.js';
export { readLinks, type HostAddress, type HostLink } from './vip/addresses.js';

// The whole host: sysctls, VIPs, firewall in one call each.
export { HOST_PARTS, type HostOptions, type HostPart } from './host/options.js';
export { applyHost, type HostApplyResult } from './host/apply.js';
export { planHost, verifyHost, type HostPlan, type HostPlanOptions, type HostVerifyResult } from './host/plan.js';

// keepalived.conf.
export { hostFromKeepalived, mergeKeepalived, parseKeepalived, readKeepalived } from './keepalived/index.js';
export type { KeepalivedModel } from './keepalived/index.js';
export { loadConfigWithNotes, type LoadedConfig } from './config/load.js';

// lbfw doctor: facts (the only host reader), pure checks, report.
export {
  CHECKS,
  FactsError,
  ProcFileError,
  checkIds,
  collectFacts,
  parseFacts,
  probeArp,
  readFactsFile,
  renderReport,
  runChecks,
  selectChecks,
  type Check,
  type DoctorReport,
  type Facts,
  type Finding,
  type FixSteps,
  fixText,
  type Severity,
} from './doctor/index.js';

// lbfw overlimit and the ban table (inet lbfw_ban).
export {
  BATCH_ROWS,
  ConnRows4,
  ConnTableScanner,
  type ScanOptions,
  parseConnTable,
  scanConnTable,
  toConnRow,
  type ConnRow,
  type ConnRowView,
  type ConnScanStats,
  CONN_STATES,
  IPV4_CLIENT,
  IPV4_VIP,
  IPV4_DEST,
} from './overlimit/conn-table.js';
export { ConnCounter, type ClientCount, type ConnCounts, type CountOptions, type ServiceCount } from './overlimit/count.js';
export { exemptRanges, widenedExempt, type HostSurroundings } from './overlimit/exempt.js';
export { findOffenders, planBans, type BanAction, type BanPlan, type Offence, type OffenceHistory, type Offender, type PlanInput } from './overlimit/plan.js';
export { runOverlimit, type OverlimitOptions, type OverlimitResult } from './overlimit/run.js';
export { formatConnRow, type KernelRow } from './overlimit/format.js';
export { BanError, ConnTableError, ConnTableTooSlowError } from './overlimit/errors.js';
export { addBan, banTarget, listBans, promoteBan, removeBan, type Ban, type BanOptions, type BanTarget } from './ban/manage.js';
export { fillAlarms, type FillAlarm } from './ban/fill.js';
export { BAN_TABLE, renderEnsureScript, type BanSetName, type BanTableSpec } from './ban/table.js';
export type { BanBackend, BanCounter, BanElement, ListedBan, SetFill } from './nft/ban-backend.js';
export { NftBanCli } from './nft/ban-cli.js';
export { banBackend, type NetlinkBanOptions } from './nft/ban-select.js';
export { verifyBanSets, type BanVerifyResult } from './ban/verify.js';
export { FakeBanBackend } from './nft/ban-fake.js';
export type { OverlimitConfig, OverlimitServiceLimit, SynRateConfig } from './config/model.js';
