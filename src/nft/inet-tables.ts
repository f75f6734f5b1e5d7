/**
 * The inet tables of a namespace, by name, for `lbfw uninstall`: which of
 * lbfw's tables are loaded, and removing one. Run through the nft program
 * like every other nft call (src/nft is the one boundary to nftables).
 */
import { NftProgram, type NftCliOptions } from './nft-program.js';

/** listInetTables names the loaded `inet` tables; none when nft cannot list them (no nftables, not permitted). */
export async function listInetTables(options: NftCliOptions = {}): Promise<string[]> {
  const result = await new NftProgram(options).exec(['-j', 'list', 'tables', 'inet']);
  if (result.code !== 0) return [];
  const data = JSON.parse(result.stdout) as { nftables?: { table?: { name?: string } }[] };
  return (data.nftables ?? []).map((x) => x.table?.name).filter((n): n is string => n !== undefined);
}

/** deleteInetTable removes `table inet NAME` with everything in it; a refusal is a typed error. */
export async function deleteInetTable(name: string, options: NftCliOptions = {}): Promise<void> {
  const program = new NftProgram(options);
  const result = await program.exec(['delete', 'table', 'inet', name]);
  if (result.code !== 0) program.fail(`delete table inet ${name}`, result, '');
}
