/**
 * Program (not library): `node http-probe.js VIP PORT TIMEOUT_MS
 * SOURCE_PORT...`, run in the lab client. Sends one HTTP request to VIP:PORT
 * from each source port and prints a JSON array: the body (who answered) or
 * the error, and the MAC the client's neighbour table holds for the VIP.
 */
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';

const [, , vip = '', port = '80', timeoutMs = '2000', ...sources] = process.argv;

function vipMac(): string {
  try {
    const entries = JSON.parse(execFileSync('ip', ['-j', 'neigh', 'show', vip, 'dev', 'eth0']).toString() || '[]') as { lladdr?: string }[];
    return entries[0]?.lladdr ?? '';
  } catch {
    return '';
  }
}

function request(localPort: number): Promise<{ body?: string; error?: string }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: { body?: string; error?: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const failure = (e: NodeJS.ErrnoException): void => finish({ error: e.code ?? e.message });
    const req = get({ host: vip, port: Number(port), localPort, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => finish({ body: body.trim() }));
      res.on('error', failure);
    });
    req.on('error', failure);
    const timer = setTimeout(() => {
      finish({ error: 'timeout' });
      req.destroy();
    }, Number(timeoutMs));
  });
}

const out: object[] = [];
for (const source of sources) out.push({ port: Number(source), ...(await request(Number(source))), vipMac: vipMac() });
process.stdout.write(JSON.stringify(out));
