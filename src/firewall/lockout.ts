/**
 * Lock-out guard: an apply over SSH must leave the operator a way back in.
 * The running session survives any apply (its packets are `ct state
 * established`), so the danger is the NEXT login: refuse a ruleset that
 * would drop a new connection on the exact path of this session, from this
 * client to this server address and port.
 */
import type { HostConfig } from '../config/model.js';
import { LbfwError } from '../errors.js';
import { addressToRange, cidrToRange, rangesOverlap } from '../net/address.js';
import { sshClientAddress, sshServerAddress } from '../blacklist/safety.js';

/** LockoutError: the ruleset would not let this SSH client log in again. */
export class LockoutError extends LbfwError {
  readonly client: string;
  readonly port: number;

  constructor(client: string, port: number, server: string | undefined, sshPort: number, clientIsManagement: boolean) {
    const to = server === undefined ? `port ${port}` : `${server} port ${port}`;
    // A client inside the management sources whose sshd listens elsewhere needs ssh_port, not another source.
    const remedy = clientIsManagement
      ? `sshd listens on port ${port} but management.ssh_port is ${sshPort}: set management.ssh_port: ${port}`
      : `add ${client} or its network to management.sources (--mgmt)`;
    super(
      'LOCKOUT',
      `this firewall would refuse new SSH logins from ${client} (your session, SSH_CONNECTION) to ${to}: ` +
        `${remedy}, or pass --force (--confirm SECONDS brings the old firewall back if you cannot confirm)`,
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
 * drop a new connection from the SSH client of `env` to the server address
 * and port of `env`, or undefined when the client may come back (or lbfw
 * does not run over SSH). Each way in is judged on the whole path: a
 * management or allow rule by client and port (any local address), a VIP
 * service by server address and port, a VIP without a port by server
 * address, a real server's health-check ports by port.
 */
export function lockoutFor(config: HostConfig, env: Readonly<Record<string, string | undefined>>): LockoutError | undefined {
  const client = sshClientAddress(env);
  const port = sshServerPort(env);
  if (client === undefined || port === undefined || config.inputPolicy === 'accept') return undefined;
  const server = sshServerAddress(env);
  const from = addressToRange(client);
  const { sources, sshPort, allow } = config.management;
  const clientIsManagement = sources.some((c) => rangesOverlap(cidrToRange(c), from));
  const viaSsh = sshPort === port && clientIsManagement;
  const viaAllow = allow.some((r) => r.protocol === 'tcp' && r.port === port && r.sources.some((c) => rangesOverlap(cidrToRange(c), from)));
  const toServer = (address: string): boolean => server !== undefined && server.address === address;
  const viaVip = config.services.some((s) => s.protocol === 'tcp' && s.port === port && toServer(s.address));
  const viaVipAddress = (config.vipAddresses ?? []).some((v) => toServer(v.address));
  // A real server accepts its service ports on every local address (the directors' health checks).
  const viaHealthCheck = config.role === 'realserver' && config.services.some((s) => s.protocol === 'tcp' && s.port === port);
  return viaSsh || viaAllow || viaVip || viaVipAddress || viaHealthCheck
    ? undefined
    : new LockoutError(client.address, port, server?.address, sshPort, clientIsManagement);
}
