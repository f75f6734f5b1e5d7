import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { NO_CONFIG_MESSAGE, loadConfig } from '../../../src/config/load.js';
import { ConfigError, UsageError } from '../../../src/errors.js';

/** A temp dir with three configs that differ in their single VIP port. */
async function fixture(t: { teardown: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lbfw-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const write = async (name: string, port: number) => {
    const file = path.join(dir, name);
    await writeFile(file, `role: director\nservices: [192.0.2.10:${port}]\nblacklist: bl\n`);
    return file;
  };
  return {
    dir,
    flag: await write('flag.yaml', 1001),
    env: await write('env.yaml', 1002),
    fallback: await write('default.yaml', 1003),
    missing: path.join(dir, 'missing.yaml'),
  };
}

const portOf = (config: { services: ReadonlyArray<{ port: number }> }) => config.services[0]?.port;

test('--config wins over LBFW_CONFIG and the default file', async (t) => {
  const f = await fixture(t);
  const config = await loadConfig({ configPath: f.flag, env: { LBFW_CONFIG: f.env }, defaultPath: f.fallback });
  t.is(portOf(config), 1001);
  t.is(config.file, f.flag);
});

test('LBFW_CONFIG wins over the default file', async (t) => {
  const f = await fixture(t);
  t.is(portOf(await loadConfig({ env: { LBFW_CONFIG: f.env }, defaultPath: f.fallback })), 1002);
});

test('an empty LBFW_CONFIG is ignored', async (t) => {
  const f = await fixture(t);
  t.is(portOf(await loadConfig({ env: { LBFW_CONFIG: '' }, defaultPath: f.fallback })), 1003);
});

test('the default file is read when it exists', async (t) => {
  const f = await fixture(t);
  const config = await loadConfig({ env: {}, defaultPath: f.fallback });
  t.is(portOf(config), 1003);
  t.is(config.blacklistPath, path.join(f.dir, 'bl'));
});

test('without any file, --role builds the config from flags', async (t) => {
  const f = await fixture(t);
  const config = await loadConfig({ env: {}, defaultPath: f.missing, flags: { role: 'realserver', vip: ['192.0.2.10:80'] } });
  t.is(config.role, 'realserver');
  t.is(config.file, undefined);
  t.deepEqual(config.services[0]?.origin, { kind: 'flag', flag: '--vip' });
});

test('without any file and without --role the caller is told how to give a config', async (t) => {
  const f = await fixture(t);
  const error = await t.throwsAsync(loadConfig({ env: {}, defaultPath: f.missing, flags: { vip: ['192.0.2.10:80'] } }), {
    instanceOf: UsageError,
  });
  t.is(error?.message, NO_CONFIG_MESSAGE);
  t.is(error?.code, 'USAGE');
});

test('a missing --config file is a config error on line 0', async (t) => {
  const f = await fixture(t);
  const error = await t.throwsAsync(loadConfig({ configPath: f.missing, env: {}, defaultPath: f.fallback, flags: { role: 'director' } }), {
    instanceOf: ConfigError,
  });
  t.is(error?.file, f.missing);
  t.is(error?.line, 0);
  t.regex(error?.message ?? '', /cannot read the config: no such file/);
});

test('a missing LBFW_CONFIG file is a config error', async (t) => {
  const f = await fixture(t);
  const error = await t.throwsAsync(loadConfig({ env: { LBFW_CONFIG: f.missing }, defaultPath: f.fallback }), { instanceOf: ConfigError });
  t.is(error?.file, f.missing);
});

test('a directory given as the config is a config error', async (t) => {
  const f = await fixture(t);
  const error = await t.throwsAsync(loadConfig({ configPath: f.dir, env: {} }), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /directory/);
});

test('an unreadable default file is a config error, not a silent fallback to flags', async (t) => {
  if (process.getuid?.() === 0) {
    t.pass('root reads any file; nothing to test');
    return;
  }
  const f = await fixture(t);
  await chmod(f.fallback, 0o000);
  const error = await t.throwsAsync(loadConfig({ env: {}, defaultPath: f.fallback, flags: { role: 'director' } }), {
    instanceOf: ConfigError,
  });
  t.regex(error?.message ?? '', /permission denied/);
});

test('a relative --config is resolved and relative paths in it follow its directory', async (t) => {
  const f = await fixture(t);
  await mkdir(path.join(f.dir, 'sub'));
  await writeFile(path.join(f.dir, 'sub', 'lbfw.yaml'), 'role: director\nblacklist: ../lists/bl\n');
  const relative = path.relative(process.cwd(), path.join(f.dir, 'sub', 'lbfw.yaml'));
  const config = await loadConfig({ configPath: relative, env: {} });
  t.is(config.file, path.join(f.dir, 'sub', 'lbfw.yaml'));
  t.is(config.blacklistPath, path.join(f.dir, 'lists', 'bl'));
});

test('flags are laid over the file', async (t) => {
  const f = await fixture(t);
  const config = await loadConfig({ configPath: f.flag, env: {}, flags: { vip: ['192.0.2.10:1001', '192.0.2.10:2000'], inputPolicy: 'accept' } });
  t.deepEqual(
    config.services.map((s) => s.port),
    [1001, 2000],
  );
  t.is(config.inputPolicy, 'accept');
});

test('problems in the file are reported with the resolved file name', async (t) => {
  const f = await fixture(t);
  await writeFile(f.flag, 'role: director\nservices: [192.0.2.10]\n');
  const error = await t.throwsAsync(loadConfig({ configPath: f.flag, env: {} }), { instanceOf: ConfigError });
  t.is(error?.file, f.flag);
  t.is(error?.line, 2);
});

test('a --role conflicting with the file is refused', async (t) => {
  const f = await fixture(t);
  const error = await t.throwsAsync(loadConfig({ configPath: f.flag, env: {}, flags: { role: 'realserver' } }), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /--role: realserver conflicts with "role: director"/);
});
