/**
 * Lock-out guard: an apply over SSH must leave the operator a way back in.
 * The running session survives any apply (its packets are `ct state
 * established`), so the danger is the NEXT login: refuse a ruleset that
 * would drop new connections from this client to this SSH port.
 */
import type { HostConfig } from '../config/model.js';
import { LbfwError } from '../errors.js';
import { addressToRange, cidrToRange, rangesOverlap } from '../net/address.js';
import { sshClientAddress } from '../blacklist/safety.js';

/** LockoutError: the ruleset would not let this SSH client log in again. */
export class LockoutError extends LbfwError {
  readonly client: string;
  readonly port: number;

  constructor(client: string, port: number) {
    super(
      'LOCKOUT',
      `this firewall would refuse new SSH logins from ${client} (your session, SSH_CONNECTION) to port ${port}: ` +
        `add ${client} or its network to management.sources (--mgmt), or pass --force ` +
        '(--confirm SECONDS brings the old firewall back if you cannot confirm)',
    );
    this.client = client;
    this.port = port;
  }
}

/** sshServerPort reads the server port of `SSH_CONNECTION`, if any. */
export function sshServerPort(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const port = Number(env['SSH_CONNECTION']?.trim().split(/\s+/)[3]);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/**
 * lockoutFor returns the error to raise when the config's input rules would
 * drop a new connection from the SSH client of `env`, or undefined when the
 * client may come back (or lbfw does not run over SSH).
 */
export function lockoutFor(config: HostConfig, env: Readonly<Record<string, string | undefined>>): LockoutError | undefined {
  const client = sshClientAddress(env);
  const port = sshServerPort(env);
  if (client === undefined || port === undefined || config.inputPolicy === 'accept') return undefined;
  const from = addressToRange(client);
  const { sources, sshPort, allow } = config.management;
  const viaSsh = sshPort === port && sources.some((c) => rangesOverlap(cidrToRange(c), from));
  const viaAllow = allow.some((r) => r.protocol === 'tcp' && r.port === port && r.sources.some((c) => rangesOverlap(cidrToRange(c), from)));
  const anyPortVip = (config.vipAddresses ?? []).length > 0 || config.services.some((s) => s.protocol === 'tcp' && s.port === port);
  return viaSsh || viaAllow || anyPortVip ? undefined : new LockoutError(client.address, port);
}
