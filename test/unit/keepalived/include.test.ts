import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ConfigError } from '../../../src/errors.js';
import { readKeepalived } from '../../../src/keepalived/index.js';

/** tree writes `files` (relative path -> text) under a fresh temp dir and returns the dir. */
async function tree(t: ExecutionContext, files: Readonly<Record<string, string>>): Promise<string> {
  // The real path: error messages of include cycles name real paths.
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'lbfw-keepalived-')));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const service = (vip: string, rip: string) => `virtual_server ${vip} 443 {
    lvs_sched rr
    lvs_method DR
    protocol TCP
    real_server ${rip} 443 {
        TCP_CHECK {
            connect_port 443
        }
    }
}
`;

const MAIN = `global_defs {
    router_id lb1
}
vrrp_instance VI_WEB {
    interface eth0
    virtual_router_id 51
    unicast_peer {
        192.0.2.3
    }
}
include services/*.conf
`;

test('keepalived.conf with services/<domain>.conf files is read as one configuration', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': MAIN,
    'services/shop.example.com.conf': service('192.0.2.20', '198.51.100.21'),
    'services/blog.example.org.conf': service('192.0.2.30', '198.51.100.31'),
    'services/README': 'not a configuration file',
  });
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'), { configId: 'lb1' });
  const blog = path.join(dir, 'services/blog.example.org.conf');
  const shop = path.join(dir, 'services/shop.example.com.conf');
  // glob(3) sorts the matches: blog.example.org before shop.example.com.
  t.deepEqual(model.files, [path.join(dir, 'keepalived.conf'), blog, shop]);
  t.deepEqual(model.includes, [{ file: path.join(dir, 'keepalived.conf'), line: 11, variant: 'include', pattern: 'services/*.conf', matched: [blog, shop] }]);
  t.deepEqual(
    model.virtualServers.map((s) => [s.target.kind === 'address' ? s.target.address : '', s.file, s.line]),
    [
      ['192.0.2.30', blog, 1],
      ['192.0.2.20', shop, 1],
    ],
  );
  t.like(model.virtualServers[0]?.realServers[0], { address: '198.51.100.31', file: blog, line: 5 });
  t.is(model.vrrpInstances[0]?.name, 'VI_WEB');
});

test('a glob that matches nothing is a warning, not an error, as in keepalived', async (t) => {
  const dir = await tree(t, { 'keepalived.conf': MAIN });
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'), { configId: 'lb1' });
  t.deepEqual(model.includes[0]?.matched, []);
  t.deepEqual(model.virtualServers, []);
  t.deepEqual(model.warnings, [{ file: path.join(dir, 'keepalived.conf'), line: 11, message: 'include services/*.conf: no file matches, so nothing is included (keepalived reads on)' }]);
});

test('includew asks for at least one match', async (t) => {
  const dir = await tree(t, { 'keepalived.conf': 'includew conf.d/*.conf\n' });
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.is(error?.line, 1);
  t.regex(error?.message ?? '', /includew conf\.d\/\*\.conf: no file matches/);
});

test('nested includes are relative to the file that holds the include line', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': 'include services/*.conf\n',
    'services/web.conf': `virtual_server 192.0.2.20 80 {
    protocol TCP
    real_server 198.51.100.21 80 {
        include checks/http.conf
    }
}
`,
    // The nested include resolves next to services/web.conf, not next to keepalived.conf.
    'services/checks/http.conf': 'HTTP_GET {\n    url {\n        path /\n    }\n}\n',
    'checks/http.conf': 'TCP_CHECK {\n}\n',
  });
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'));
  const checker = model.virtualServers[0]?.realServers[0]?.healthCheckers[0];
  t.is(checker?.kind, 'HTTP_GET');
  t.is(checker?.file, path.join(dir, 'services/checks/http.conf'));
  t.is(checker?.line, 1);
  t.deepEqual(model.files.map((f) => path.relative(dir, f)), ['keepalived.conf', 'services/web.conf', 'services/checks/http.conf']);
});

test('brace alternatives are expanded like GLOB_BRACE', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': 'include {vrrp,lvs}/*.conf\n',
    'lvs/a.conf': service('192.0.2.20', '198.51.100.21'),
    'vrrp/a.conf': 'vrrp_instance VI_1 {\n    interface eth0\n}\n',
  });
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'));
  // Each alternative in turn, as glob(3) with GLOB_BRACE returns them.
  t.deepEqual(model.files.map((f) => path.relative(dir, f)), ['keepalived.conf', 'vrrp/a.conf', 'lvs/a.conf']);
});

test('parameters defined in keepalived.conf apply in the included files', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': '$RS_PORT=8443\ninclude services/*.conf\n',
    'services/app.conf': 'virtual_server 192.0.2.20 8443 {\n    protocol TCP\n    real_server 198.51.100.21 $RS_PORT {\n    }\n}\n',
  });
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'));
  t.is(model.virtualServers[0]?.realServers[0]?.port, 8443);
});

test('an include of a missing file named without wildcards is an error on the include line', async (t) => {
  const dir = await tree(t, { 'keepalived.conf': 'global_defs {\n}\ninclude services/web.conf\n' });
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.is(error?.file, path.join(dir, 'keepalived.conf'));
  t.is(error?.line, 3);
  t.regex(error?.message ?? '', /services\/web\.conf does not exist; expected the keepalived configuration/);
});

test('a missing main file is an error naming it', async (t) => {
  const dir = await tree(t, {});
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.is(error?.file, path.join(dir, 'keepalived.conf'));
  t.is(error?.line, 0);
});

test('an include cycle is an error naming the chain', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': 'include a.conf\n',
    'a.conf': '# a\ninclude sub/b.conf\n',
    'sub/b.conf': 'include ../a.conf\n',
  });
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.is(error?.file, path.join(dir, 'sub/b.conf'));
  t.is(error?.line, 1);
  const a = path.join(dir, 'a.conf');
  t.true(error?.message.includes(`include cycle: ${a} -> ${path.join(dir, 'sub/b.conf')} -> ${a}`), error?.message);
});

test('a glob that matches the including file itself is a cycle', async (t) => {
  const dir = await tree(t, { 'keepalived.conf': 'include *.conf\n', 'vrrp.conf': 'vrrp_instance VI_1 {\n}\n' });
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.is(error?.line, 1);
  t.regex(error?.message ?? '', /include cycle/);
});

test('a cycle through a symbolic link is found by the real path', async (t) => {
  const dir = await tree(t, { 'keepalived.conf': 'include link.conf\n' });
  await symlink(path.join(dir, 'keepalived.conf'), path.join(dir, 'link.conf'));
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /include cycle/);
});

test('a file included twice side by side is not a cycle', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': 'vrrp_instance VI_1 {\n    include peers.conf\n}\nvrrp_instance VI_2 {\n    include peers.conf\n}\n',
    'peers.conf': 'unicast_peer {\n    192.0.2.3\n}\n',
  });
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'));
  t.deepEqual(
    model.vrrpInstances.map((i) => i.unicastPeer.map((p) => p.address)),
    [['192.0.2.3'], ['192.0.2.3']],
  );
});

test('an unbalanced brace in an included file is reported in that file', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': 'include services/*.conf\n',
    'services/web.conf': 'virtual_server 192.0.2.20 80 {\n    protocol TCP\n',
  });
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.is(error?.file, path.join(dir, 'services/web.conf'));
  t.is(error?.line, 1);
  t.regex(error?.message ?? '', /'\{' is never closed/);
});

test('a bad address in an included file is a warning naming that file and line', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': '# services\ninclude services/*.conf\n',
    'services/web.conf': service('192.0.2.20', '198.51.100.300'),
  });
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'));
  t.deepEqual(model.warnings, [
    {
      file: path.join(dir, 'services/web.conf'),
      line: 5,
      message: 'real_server: expected an IPv4 or IPv6 address; got "198.51.100.300"; keepalived skips this real_server and its block',
    },
  ]);
});

test('an included directory named without wildcards is an error', async (t) => {
  const dir = await tree(t, { 'keepalived.conf': 'include services\n', 'services/web.conf': '' });
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /include services: is a directory; expected a file or a glob pattern such as services\/\*\.conf/);
});

test('include patterns are read after parameters and conditionals, as keepalived reads them', async (t) => {
  const dir = await tree(t, {
    'keepalived.conf': '$DIR=services\ninclude ${_PWD}/conf.d/*.conf\ninclude ${DIR}/web.conf\n@lb1 include lb1.conf\n@lb2 include lb2.conf\n',
    'conf.d/a.conf': service('192.0.2.20', '198.51.100.21'),
    'services/web.conf': service('192.0.2.30', '198.51.100.31'),
    'lb1.conf': service('192.0.2.40', '198.51.100.41'),
    'lb2.conf': service('192.0.2.50', '198.51.100.51'),
  });
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'), { configId: 'lb1' });
  t.deepEqual(
    model.virtualServers.map((s) => (s.target.kind === 'address' ? s.target.address : '')),
    ['192.0.2.20', '192.0.2.30', '192.0.2.40'],
  );
  t.deepEqual(model.warnings, []);
});

test('an include pattern with a parameter left after substitution is an error that says why', async (t) => {
  const dir = await tree(t, { 'keepalived.conf': '$DIR=services\ninclude $DIR/*.conf\ninclude ${NOPE}/x.conf\n' });
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.deepEqual(error?.problems.map((p) => p.line), [2, 3]);
  t.regex(error?.problems[0]?.message ?? '', /include \$DIR\/\*\.conf: \$DIR is not replaced .* so write \$\{NAME\}/);
});

test('an executable file is skipped by keepalived, so including it is an error', async (t) => {
  const dir = await tree(t, { 'keepalived.conf': 'include x.conf\n', 'x.conf': service('192.0.2.20', '198.51.100.21') });
  await chmod(path.join(dir, 'x.conf'), 0o755);
  const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /executable, and keepalived skips executable files/);
});

const bounded = test.macro({
  async exec(t, files: Readonly<Record<string, string>>, fragment: RegExp) {
    const dir = await tree(t, files);
    const started = Date.now();
    const error = await t.throwsAsync(readKeepalived(path.join(dir, 'keepalived.conf')), { instanceOf: ConfigError });
    t.regex(error?.message ?? '', fragment);
    t.true((error?.message.length ?? 0) < 20_000, 'the message stays short');
    t.log(`${Date.now() - started} ms`);
  },
  title: (given) => given ?? '',
});

test('include /dev/zero is refused as not a regular file', bounded, { 'keepalived.conf': 'include /dev/zero\n' }, /\/dev\/zero is a character device; expected the keepalived configuration as a regular file/);
test('include /proc/*/task/*/* is bounded', bounded, { 'keepalived.conf': 'include /proc/*/task/*/*\n' }, /keepalived.conf:1: include \/proc\/\*\/task\/\*\/\*: matches/);
test('two includes per level, 21 levels deep, are bounded', bounded, Object.fromEntries(
  Array.from({ length: 22 }, (_, i) => [i === 0 ? 'keepalived.conf' : `l${i}.conf`, i === 21 ? 'x\n' : `include l${i + 1}.conf\ninclude l${i + 1}.conf\n`]),
), /includes nested more than 16 deep|more than 1000 files included/);
test('5000 unclosed blocks are an error at the line that went too deep', bounded, { 'keepalived.conf': 'vrrp_instance V {\n'.repeat(5000) }, /keepalived.conf:33: blocks nested more than 32 deep/);
test('a 10 MB line is an error naming its size, not an echo of it', bounded, { 'keepalived.conf': `router_id ${'x'.repeat(10 * 1024 * 1024)}\n` }, /keepalived.conf:1: line of 10485770 bytes/);
test('a million bad lines report the first 100 and count the rest', bounded, { 'keepalived.conf': '}\n'.repeat(1_000_000) }, /and 999900 more$/);

test('100,000 real servers are read (linear work: no copying per server)', async (t) => {
  t.timeout(180_000);
  const servers = Array.from({ length: 100_000 }, (_, i) => `  real_server 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} 80 {\n    weight 1\n  }\n`).join('');
  const dir = await tree(t, { 'keepalived.conf': `virtual_server 192.0.2.10 80 {\n  lvs_method DR\n  protocol TCP\n${servers}}\n` });
  const started = Date.now();
  const model = await readKeepalived(path.join(dir, 'keepalived.conf'));
  t.is(model.virtualServers[0]?.realServers.length, 100_000);
  t.log(`${Date.now() - started} ms`);
});
