/**
 * The ban table's structure from the host config: set sizes, prefixes, the
 * exempt sets (widened to whole ban prefixes) and the VIP services the
 * SYN-rate meters watch. Pure.
 */
import type { HostConfig, OverlimitConfig } from '../config/model.js';
import type { ProtectedRange } from '../blacklist/safety.js';
import { DEFAULT_OVERLIMIT } from '../config/overlimit.js';
import { widenedExempt } from '../overlimit/exempt.js';
import type { BanTableSpec } from './table.js';

/** overlimitSettings gives the host's overlimit settings, the defaults where the config has none. */
export function overlimitSettings(config: HostConfig): OverlimitConfig {
  return config.overlimit ?? DEFAULT_OVERLIMIT;
}

/** banTableSpec builds the ban table's structure for `config` with the exempt ranges. */
export function banTableSpec(config: HostConfig, exempt: readonly ProtectedRange[]): BanTableSpec {
  const settings = overlimitSettings(config);
  const syn = settings.synRate;
  const services = (family: 4 | 6): string[] =>
    [...new Set(config.services.filter((s) => s.family === family && s.protocol === 'tcp').map((s) => `${s.address} . tcp . ${s.port}`))].sort();
  return {
    setSize: settings.setSize,
    prefix4: settings.prefix4,
    prefix6: settings.prefix6,
    exempt4: widenedExempt(exempt, 4, settings.prefix4),
    exempt6: widenedExempt(exempt, 6, settings.prefix6),
    ...(syn === undefined ? {} : { synRate: { ...syn, services4: services(4), services6: services(6) } }),
  };
}
