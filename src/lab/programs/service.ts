/**
 * Program (not library): the lab's web service, run inside a namespace as
 * `node service.js MARKER NAME HOST PORT [v6only]`. It answers every HTTP request
 * with NAME, so a client can tell which host it reached, and prints one
 * `listening` line once bound. MARKER only makes the process findable by
 * its command line. Connections reset by clients (probes that give up,
 * plain TCP connects) never end it; nothing is written after the ready
 * line, since stdout may be a closed pipe by then.
 */
import { createServer } from 'node:http';

const [, , , name = '', host = '0.0.0.0', port = '80', v6only = ''] = process.argv;
process.stdout.on('error', () => undefined);
const server = createServer((req, res) => {
  req.on('error', () => undefined);
  res.on('error', () => undefined);
  res.setHeader('connection', 'close');
  res.end(`${name}\n`);
});
server.on('connection', (socket) => socket.on('error', () => undefined));
server.on('clientError', (_error, socket) => socket.destroy());
server.on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
server.listen({ host, port: Number(port), ipv6Only: v6only === 'v6only' }, () => process.stdout.write('listening\n'));
