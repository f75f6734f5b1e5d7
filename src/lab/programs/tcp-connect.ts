/**
 * Program (not library): `node tcp-connect.js HOST PORT TIMEOUT_MS`, run
 * inside a namespace. Exit code 0 when the TCP connection is accepted, 3 on
 * timeout (a dropped SYN shows only as silence), 4 on an error (refused,
 * unreachable).
 */
import { connect } from 'node:net';

const [, , host = '', port = '0', timeoutMs = '5000'] = process.argv;
const socket = connect({ host, port: Number(port) });
socket.setTimeout(Number(timeoutMs), () => {
  process.exitCode = 3;
  socket.destroy();
});
socket.on('connect', () => {
  process.exitCode = 0;
  socket.destroy();
});
socket.on('error', () => {
  process.exitCode = 4;
});
