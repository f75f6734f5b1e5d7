/**
 * The boundary between lbfw and nftables. Everything above it speaks nft
 * text; a native libnftables binding can replace the `nft` program behind
 * this interface without touching callers.
 */

/** NftTextBackend (being replaced by the typed NftBackend of backend.ts) runs nft scripts and lists lbfw's table. */
export interface NftTextBackend {
  /** run commits `script` as one transaction (`nft -f -`): all of it or nothing. */
  run(script: string): Promise<void>;
  /** check asks the kernel to validate `script` without committing (`nft -c -f -`). */
  check(script: string): Promise<void>;
  /** listTable returns `nft list table inet lbfw` text, or undefined when the table does not exist. */
  listTable(): Promise<string | undefined>;
  /**
   * getElement returns the elements of `set` that contain `element` as nft
   * prints them (e.g. the covering prefix of an interval set), or [] when none.
   */
  getElement(set: string, element: string): Promise<string[]>;
  /** tableExists says whether `table inet lbfw` is loaded (cheap: no elements are listed). */
  tableExists(): Promise<boolean>;
  /** listRuleset returns `nft list ruleset` text (every table, for display and tests). */
  listRuleset(): Promise<string>;
}
