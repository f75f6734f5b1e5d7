/** Moved to src/nft/parse/listing.ts (the nft backend's reader); kept for the library's callers. */
export { parseListedRule, parseListing, type ListedChain, type ListedRule, type ListedSet, type ListedTable } from '../nft/parse/listing.js';
