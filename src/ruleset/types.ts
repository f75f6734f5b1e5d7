/**
 * Ruleset data: what lbfw means to load into `table inet lbfw`, as the
 * typed objects of the nft boundary (src/nft/model). Builders produce it,
 * a Transaction carries it to a backend, and verify compares it with the
 * snapshot the backend reads back.
 */
export { TABLE_FAMILY, TABLE_NAME, type BaseChain, type ChainHook, type NftChain, type NftSet, type NftSetSpec, type Ruleset } from '../nft/model/objects.js';
export type { NftRule } from '../nft/model/rules.js';
