import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/keepalived/keepalived.conf', import.meta.url));
const NOWHERE = '/nonexistent/lbfw/keepalived.conf';

test('--keepalived fills VIP services, real servers, peers and the VIP interface, each with its keepalived line', async (t) => {
  const config = await loadConfig({ flags: { role: 'director' }, keepalivedPath: EXAMPLE, defaultPath: '/nonexistent/lbfw.yaml' });
  t.deepEqual(
    config.services.map((s) => `${s.address} ${s.protocol}/${s.port}`),
    ['192.0.2.10 tcp/80', '2001:db8::10 tcp/443'],
  );
  t.deepEqual(config.peers.map((p) => p.address), ['192.0.2.2']);
  t.deepEqual(config.realServers.map((r) => `${r.address}:${r.port}`), ['192.0.2.21:80', '192.0.2.22:80', '2001:db8::21:443']);
  t.is(config.interfaces.vip, 'eth0');
  t.deepEqual(config.services[0]?.origin, { kind: 'keepalived', file: path.join(path.dirname(EXAMPLE), 'services/example.com.conf'), line: 2 });
  t.is(config.keepalivedPath, EXAMPLE);
});

test('keepalived: in the config file is read relative to it, and explicit settings win', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-t-'));
  try {
    const file = path.join(dir, 'lbfw.yaml');
    await writeFile(
      file,
      `role: director\ninterfaces:\n  vip: bond0\nservices: ["192.0.2.10:80/tcp"]\nkeepalived: ${path.relative(dir, EXAMPLE)}\n`,
    );
    const config = await loadConfig({ configPath: file, defaultKeepalivedPath: NOWHERE });
    t.is(config.interfaces.vip, 'bond0');
    t.deepEqual(config.services[0]?.origin, { kind: 'config', file, line: 4 });
    t.is(config.services.length, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a keepalived.conf named on the command line that does not exist is an error naming it', async (t) => {
  const error = await t.throwsAsync(loadConfig({ flags: { role: 'director' }, keepalivedPath: NOWHERE, defaultPath: '/nonexistent/lbfw.yaml' }));
  t.regex(error?.message ?? '', /\/nonexistent\/lbfw\/keepalived\.conf/);
});

test('without a named keepalived.conf and no file at the default path, none is read', async (t) => {
  const config = await loadConfig({ flags: { role: 'director' }, defaultPath: '/nonexistent/lbfw.yaml', defaultKeepalivedPath: NOWHERE });
  t.deepEqual(config.services, []);
  t.is(config.keepalivedPath, undefined);
});
