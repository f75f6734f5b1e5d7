/**
 * The static_blacklist: parsing, reading, normalising into nft elements,
 * safety checks, and the text edits behind `lbfw blacklist add/remove`.
 */
export {
  EXPECTED_ENTRY,
  assertBlacklistValid,
  parseBlacklist,
  parseEntry,
  type BlacklistEntry,
  type BlacklistEntryKind,
  type ParsedBlacklist,
  type ParsedEntry,
} from './parse.js';
export { readBlacklist, type ReadBlacklistOptions } from './read.js';
export { normaliseBlacklist, type NormalisedBlacklist } from './normalise.js';
export { findProtectedHits, sshClientAddress, type ProtectedRange } from './safety.js';
export { addEntry, removeEntry, type AddEntryResult, type RemoveEntryResult } from './edit.js';
export { writeFileAtomic } from './atomic-write.js';
