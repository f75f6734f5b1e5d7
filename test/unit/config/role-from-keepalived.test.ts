import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';
import { UsageError } from '../../../src/errors.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/keepalived/keepalived.conf', import.meta.url));

test('without a config and --role, a keepalived.conf with vrrp_instance or virtual_server makes a director', async (t) => {
  const config = await loadConfig({ keepalivedPath: EXAMPLE, defaultPath: '/nonexistent/lbfw.yaml' });
  t.is(config.role, 'director');
  t.deepEqual(config.peers.map((p) => p.address), ['192.0.2.2']);
  // The default keepalived.conf counts as well as a named one.
  t.is((await loadConfig({ defaultKeepalivedPath: EXAMPLE, defaultPath: '/nonexistent/lbfw.yaml' })).role, 'director');
});

test('a keepalived.conf without VRRP or virtual servers cannot tell the role: one line saying to pass --role', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbfw-t-'));
  try {
    const file = path.join(dir, 'keepalived.conf');
    await writeFile(file, 'global_defs {\n  router_id lb1\n}\n');
    const error = await t.throwsAsync(loadConfig({ keepalivedPath: file, defaultPath: '/nonexistent/lbfw.yaml' }), { instanceOf: UsageError });
    t.is(error?.message, `${file} has no vrrp_instance or virtual_server, so lbfw cannot tell this host's role: pass --role director|realserver or write /etc/lbfw/lbfw.yaml`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
