/**
 * The one-line endpoint grammar shared by the YAML string forms and the
 * `--vip` / `--realserver` flags:
 *
 *     ADDR[:PORT[/PROTO]]      192.0.2.10:80   192.0.2.11:53/udp
 *     [IPV6][:PORT[/PROTO]]    [2001:db8::10]:443/tcp
 *     IPV6                     2001:db8::10    (bare IPv6 only without a port)
 *
 * A VIP service in the config file always needs a port (see {@link parseVipSpec});
 * `--vip` may name a bare address (see {@link parseVipFlag}); a real server may
 * omit it (see {@link parseRealServerSpec}).
 */
import type { Address, Family, Protocol } from './model.js';
import { type Checked, checkHostAddress, checkPortText, checkProtocol, fail, ok } from './values.js';

/** VipSpec is one VIP service written as text. */
export interface VipSpec {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly protocol: Protocol;
}

/** RealServerSpec is one real server written as text; `port` is absent when any port is meant. */
export interface RealServerSpec {
  readonly family: Family;
  readonly address: string;
  readonly port?: number;
}

/** The grammar, for messages. */
export const VIP_SPEC_GRAMMAR = 'ADDR:PORT[/PROTO], e.g. 192.0.2.10:80, 192.0.2.11:53/udp or [2001:db8::10]:443/tcp';
/** The real server grammar, for messages. */
export const REALSERVER_SPEC_GRAMMAR = 'ADDR[:PORT], e.g. 192.0.2.21, 192.0.2.21:80 or [2001:db8::21]:80';

interface Endpoint {
  readonly address: string;
  readonly port?: string;
  readonly protocol?: string;
}

/** splitEndpoint cuts text into its address, port and protocol parts without judging them. */
function splitEndpoint(text: string): Checked<Endpoint> {
  let rest = text.trim();
  let protocol: string | undefined;
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return fail(`"${text}" has "[" without "]"`);
    const after = rest.slice(close + 1);
    const address = rest.slice(1, close);
    if (after === '') return ok(withOptional({ address }, undefined, protocol));
    if (!after.startsWith(':')) return fail(`"${text}" has text after "]" that is not ":PORT"`);
    return ok(withOptional({ address }, after.slice(1), protocol));
  }
  const colons = rest.split(':').length - 1;
  if (colons !== 1 && protocol !== undefined && /^\d+$/.test(protocol)) {
    return fail(`"${text}" is a prefix, not a single address`);
  }
  if (colons === 1) {
    const colon = rest.indexOf(':');
    return ok(withOptional({ address: rest.slice(0, colon) }, rest.slice(colon + 1), protocol));
  }
  // No colon (IPv4 or a name) or several (bare IPv6): there is no port.
  return ok(withOptional({ address: rest }, undefined, protocol));
}

function withOptional(base: { address: string }, port: string | undefined, protocol: string | undefined): Endpoint {
  return {
    ...base,
    ...(port === undefined ? {} : { port }),
    ...(protocol === undefined ? {} : { protocol }),
  };
}

/**
 * parseVipSpec reads `ADDR:PORT[/PROTO]`. The protocol defaults to tcp. A VIP
 * without a port is refused rather than read as "all ports" or "port 80": the
 * firewall opens exactly what the operator names, and an operator who typed
 * `--vip 192.0.2.10` is better served by the question than by a guess.
 */
export function parseVipSpec(text: string): Checked<VipSpec> {
  const split = splitEndpoint(text);
  if (!split.ok) return fail(`${split.problem}; expected ${VIP_SPEC_GRAMMAR}`);
  const endpoint = split.value;
  if (endpoint.port === undefined) {
    const hint = endpoint.address.includes(':') ? ' (put an IPv6 address in brackets before the port)' : '';
    return fail(`"${text}" has no port; a VIP service is ${VIP_SPEC_GRAMMAR}${hint}`);
  }
  const address = checkHostAddress(endpoint.address);
  if (!address.ok) return fail(address.problem);
  const port = checkPortText(endpoint.port);
  if (!port.ok) return fail(port.problem);
  let protocol: Protocol = 'tcp';
  if (endpoint.protocol !== undefined) {
    const checked = checkProtocol(endpoint.protocol);
    if (!checked.ok) return fail(checked.problem);
    protocol = checked.value;
  }
  return ok({ ...address.value, port: port.value, protocol });
}

/**
 * parseVipFlag reads `--vip`: `ADDR:PORT[/PROTO]` as parseVipSpec, or a bare
 * `ADDR`, which names a VIP whose every port is to be accepted (the quick
 * path `lbfw apply --role realserver --vip 198.51.100.50 --iface eth0`). The
 * config file keeps asking for ports.
 */
export function parseVipFlag(text: string): Checked<VipSpec | Address> {
  const split = splitEndpoint(text);
  if (split.ok && split.value.port === undefined && split.value.protocol === undefined) {
    const address = checkHostAddress(split.value.address);
    return address.ok ? ok(address.value) : fail(`${address.problem}; expected ADDR or ${VIP_SPEC_GRAMMAR}`);
  }
  return parseVipSpec(text);
}

/**
 * parseRealServerSpec reads `ADDR[:PORT]`. Without a port the real server
 * takes any port of the service that forwards to it. A protocol is refused:
 * the virtual service decides it, not the real server.
 */
export function parseRealServerSpec(text: string): Checked<RealServerSpec> {
  const split = splitEndpoint(text);
  if (!split.ok) return fail(`${split.problem}; expected ${REALSERVER_SPEC_GRAMMAR}`);
  const endpoint = split.value;
  if (endpoint.protocol !== undefined) {
    return fail(`"${text}": a real server has no protocol of its own; expected ${REALSERVER_SPEC_GRAMMAR}`);
  }
  const address = checkHostAddress(endpoint.address);
  if (!address.ok) return fail(address.problem);
  if (endpoint.port === undefined) return ok(address.value);
  const port = checkPortText(endpoint.port);
  if (!port.ok) return fail(port.problem);
  return ok({ ...address.value, port: port.value });
}
