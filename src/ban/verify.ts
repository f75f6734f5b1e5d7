/**
 * The ban table's part of `lbfw verify`: on a director, the fill of its
 * dynamic sets (a full set fails open, see fill.ts). A missing ban table is
 * no failure: `lbfw overlimit` creates it at its first run.
 */
import type { BanBackend, SetFill } from '../nft/ban-backend.js';
import { NftBanCli } from '../nft/ban-cli.js';
import { fillAlarms, type FillAlarm } from './fill.js';

/** BanVerifyResult: whether the table is there, its sets' fill and the alarms. */
export interface BanVerifyResult {
  /** False when a set is at or past the alarm ratio. */
  readonly ok: boolean;
  readonly tablePresent: boolean;
  readonly fill: readonly SetFill[];
  readonly alarms: readonly FillAlarm[];
}

/** verifyBanSets reads the ban table's set fill (default backend: nft in this namespace, or `netns`). */
export async function verifyBanSets(backend: BanBackend = new NftBanCli()): Promise<BanVerifyResult> {
  if (!(await backend.tableExists())) return { ok: true, tablePresent: false, fill: [], alarms: [] };
  const fill = await backend.fill();
  const alarms = fillAlarms(fill);
  return { ok: alarms.length === 0, tablePresent: true, fill, alarms };
}
