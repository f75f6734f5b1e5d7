/**
 * The real servers' web service: a tiny node HTTP server that answers every
 * request with its node's name, so a client can tell which real server it
 * reached. It runs detached, so a lab left up by `lbfw lab up` keeps serving
 * after lbfw exits; Netns.delete() kills it with the namespace.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Netns } from './netns.js';
import { SERVICE_PROGRAM } from './programs/index.js';

/** Marker in the service's command line: how stopHttpService finds it again. */
export const HTTP_SERVICE_MARKER = 'lbfw-lab-http';


/** HttpService: where a node's service listens. */
export interface HttpService {
  /** What the service answers: the node's name. */
  readonly name: string;
  /** Bind address: `0.0.0.0` (every address, the VIP on lo included), the VIP, or a mistake such as the RIP. */
  readonly host: string;
  readonly port: number;
  /** IPV6_V6ONLY on an IPv6 socket: `[::]` then takes IPv6 clients only. */
  readonly ipv6Only?: boolean;
}

/**
 * startHttpService starts the service inside `ns` and resolves once it
 * listens; it rejects with the service's error (e.g. the port is taken).
 */
export async function startHttpService(ns: Netns, service: HttpService): Promise<void> {
  const child = spawn(
    'ip',
    ['netns', 'exec', ns.name, process.execPath, SERVICE_PROGRAM, HTTP_SERVICE_MARKER, service.name, service.host, String(service.port), service.ipv6Only === true ? 'v6only' : ''],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('error', reject);
      child.once('close', (code) =>
        reject(new Error(`HTTP service ${service.name} on ${service.host}:${service.port} in ${ns.name} exited (${code}): ${stderr.trim()}`)),
      );
    });
  } finally {
    child.removeAllListeners('close');
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref();
  }
}

/** servicePids lists the pids of the lab's HTTP services running inside `ns`. */
async function servicePids(ns: Netns): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await ns.pids()) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(HTTP_SERVICE_MARKER)) found.push(pid);
  }
  return found;
}

/** stopHttpService stops every lab HTTP service inside `ns` and waits until they are gone. */
export async function stopHttpService(ns: Netns): Promise<void> {
  for (const pid of await servicePids(ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    // A killed process leaves /proc/PID once its parent (init, for a detached
    // child of an exited lbfw, or us) reaps it; until then the port may still be bound.
    for (let i = 0; i < 200 && (await readFile(`/proc/${pid}/cmdline`, 'utf8').then((c) => c !== '', () => false)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** restartHttpService replaces the node's service with one bound as `service` says. */
export async function restartHttpService(ns: Netns, service: HttpService): Promise<void> {
  await stopHttpService(ns);
  await startHttpService(ns, service);
}
