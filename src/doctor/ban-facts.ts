/**
 * What the doctor knows of the peer director's overlimit protection, read
 * from the peer's own facts file (`lbfw facts` run there): whether it has a
 * ban table and which overlimit settings it runs with.
 */
import type { OverlimitConfig } from '../config/model.js';
import { readFactsFile } from './facts-file.js';
import { hasTable } from './view.js';

/** PeerBanFacts: the peer's ban table and thresholds, or why they could not be read. */
export interface PeerBanFacts {
  readonly file: string;
  readonly hostname?: string;
  readonly hasBanTable?: boolean;
  /** The peer's overlimit section; absent when it runs with the defaults. */
  readonly overlimit?: OverlimitConfig;
  readonly error?: string;
}

/** readPeerBanFacts reads the peer's facts file; a bad file is recorded, not thrown. */
export async function readPeerBanFacts(file: string): Promise<PeerBanFacts> {
  try {
    const peer = await readFactsFile(file);
    return {
      file,
      hostname: peer.host.hostname,
      hasBanTable: hasTable(peer, 'inet', 'lbfw_ban'),
      ...(peer.config.overlimit === undefined ? {} : { overlimit: peer.config.overlimit }),
    };
  } catch (error) {
    return { file, error: error instanceof Error ? error.message : String(error) };
  }
}
