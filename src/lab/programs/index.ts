/**
 * Paths of the lab's small programs. The lab runs them with `ip netns exec`
 * inside its namespaces (a process cannot change its own network namespace
 * from node), so they are programs of their own, not library code.
 */
import path from 'node:path';
import { packageRoot } from '../../package-info.js';

function program(name: string): string {
  return path.join(packageRoot(), 'dist', 'src', 'lab', 'programs', `${name}.js`);
}

/** The web service: `service.js MARKER NAME HOST PORT`. */
export const SERVICE_PROGRAM = program('service');
/** One TCP connection attempt: `tcp-connect.js HOST PORT TIMEOUT_MS`. */
export const TCP_CONNECT_PROGRAM = program('tcp-connect');
/** HTTP requests through the VIP: `http-probe.js VIP PORT TIMEOUT_MS SOURCE_PORT...`. */
export const HTTP_PROBE_PROGRAM = program('http-probe');
/** Idle TCP connections held open: `hold-connections.js HOST PORT COUNT TIMEOUT_MS`. */
export const HOLD_CONNECTIONS_PROGRAM = program('hold-connections');
