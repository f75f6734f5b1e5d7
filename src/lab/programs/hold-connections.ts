/**
 * Program (not library): `node hold-connections.js HOST PORT COUNT
 * TIMEOUT_MS`, run in a lab client. Opens COUNT TCP connections to
 * HOST:PORT and keeps them open, idle, as a client hogging a service does;
 * prints `held COUNT` once every one is established (or `failed: WHY` and
 * exits 1), then holds them until its standard input closes.
 */
import { connect, type Socket } from 'node:net';

const [, , host = '', port = '0', count = '0', timeoutMs = '5000'] = process.argv;

/** Every socket opened, so a failure can close the ones that did connect and let the program end by itself. */
const opened: Socket[] = [];

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    opened.push(socket);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, Number(timeoutMs));
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code ?? e.message));
    });
  });
}

try {
  const sockets = await Promise.all(Array.from({ length: Number(count) }, () => open()));
  // Errors after the connect (the director's ban drops them) must not end the hold.
  for (const s of sockets) s.on('error', () => undefined);
  process.stdout.write(`held ${sockets.length}\n`);
  process.stdin.resume();
  // Once stdin ends and the sockets are closed nothing holds the event loop: the program ends with status 0.
  process.stdin.on('end', () => {
    for (const s of sockets) s.destroy();
    process.stdin.pause();
  });
} catch (error) {
  process.stdout.write(`failed: ${(error as Error).message}\n`);
  for (const s of opened) s.destroy();
  process.exitCode = 1;
}
