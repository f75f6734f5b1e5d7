/**
 * What an operator installs: the packed tarball and a git URL, installed
 * with `npm install -g` into a temporary prefix, give a working `lbfw` on
 * PATH, the man page, and the library with its types for a scratch project.
 * Runs on a copy of the checkout, so packing never touches this dist/.
 */
import test from 'ava';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(path.join(tmpdir(), 'lbfw-t-pack-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

function sh(argv: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const [command, ...args] = argv;
  const result = spawnSync(command ?? 'false', args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result;
}

/** A copy of the checkout as git would clone it (tracked and new files, never dist/ or node_modules/). */
function copyCheckout(): string {
  const dir = path.join(work, 'checkout');
  const files = sh(['git', 'ls-files', '-co', '--exclude-standard', '-z'], REPO).stdout.split('\0').filter((f) => f !== '' && existsSync(path.join(REPO, f)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(REPO, file), path.join(dir, file));
  }
  return dir;
}

const checkout = copyCheckout();
const npm = (args: string[], cwd: string, env: Record<string, string> = {}) => sh(['npm', '--no-audit', '--no-fund', '--loglevel=error', ...args], cwd, env);

/** What the installed library answers when asked for the netlink backend: its name, or the reason it cannot. */
function forcedNetlink(installed: string): string {
  const script = `const { selectBackend } = await import(${JSON.stringify(path.join(installed, 'dist/src/index.js'))});
try { console.log(selectBackend({ env: { LBFW_BACKEND: 'netlink' } }).name); } catch (error) { console.log(String(error.message)); }`;
  return sh([process.execPath, '--input-type=module', '-e', script], work).stdout.trim();
}

test.serial('npm pack --dry-run builds dist and lists exactly what the package needs', (t) => {
  t.timeout(6 * 60_000);
  symlinkSync(path.join(REPO, 'node_modules'), path.join(checkout, 'node_modules'));
  const [report] = JSON.parse(npm(['pack', '--dry-run', '--json'], checkout).stdout) as [{ files: { path: string }[] }];
  const files = report.files.map((f) => f.path);
  for (const needed of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/lbfw', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/man/lbfw.1', 'profiles/base.yaml']) {
    t.true(files.includes(needed), `${needed} is packed`);
  }
  const native = files.filter((f) => f.startsWith('native/'));
  if (existsSync(path.join(checkout, 'native'))) t.true(native.length > 0, 'native/ sources are packed');
  for (const file of files) t.false(/^(src|test|bench|dist\/test|dist\/bench|node_modules|\.ci)\//.test(file) || file.endsWith('.ts') && !file.endsWith('.d.ts'), `${file} is not packed`);
  const license = readFileSync(path.join(checkout, 'LICENSE'), 'utf8');
  t.is((JSON.parse(readFileSync(path.join(checkout, 'package.json'), 'utf8')) as { license: string }).license, 'MIT');
  t.regex(license, /^MIT License\n/);
});

test.serial('npm install -g of the tarball gives lbfw on PATH, its man page, and the typed library', (t) => {
  t.timeout(6 * 60_000);
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], checkout).stdout) as [{ filename: string }];
  const prefix = path.join(work, 'prefix');
  npm(['install', '-g', '--prefix', prefix, path.join(work, packed.filename)], work);
  const version = sh([path.join(prefix, 'bin/lbfw'), '--version'], work, { PATH: `${path.join(prefix, 'bin')}:${process.env['PATH'] ?? ''}` });
  t.is(version.stdout.trim(), VERSION);
  t.true(existsSync(path.join(prefix, 'share/man/man1/lbfw.1')));
  // The package's own install step built the binding with this host's compiler.
  const installed = path.join(prefix, 'lib/node_modules/lbfw');
  t.true(existsSync(path.join(installed, 'native/build/lbfw_netlink.node')), 'the netlink binding is built on install');
  t.false(existsSync(path.join(installed, 'native/build/UNAVAILABLE')));
  t.is(forcedNetlink(installed), 'netlink');
  // install-units names this installed copy, not the checkout.
  t.regex(sh([path.join(prefix, 'bin/lbfw'), 'install-units', '--print'], work).stdout, new RegExp(`ExecStart=\\S+ ${path.join(prefix, 'lib/node_modules/lbfw/bin/lbfw')} apply --only firewall`));

  const scratch = path.join(work, 'scratch');
  mkdirSync(path.join(scratch, 'node_modules'), { recursive: true });
  symlinkSync(path.join(prefix, 'lib/node_modules/lbfw'), path.join(scratch, 'node_modules/lbfw'));
  writeFileSync(path.join(scratch, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    path.join(scratch, 'use.ts'),
    "import { buildRuleset, parseBlacklist, type HostConfig } from 'lbfw';\nexport const role: HostConfig['role'] = 'director';\nexport const fns = [buildRuleset, parseBlacklist];\n",
  );
  writeFileSync(
    path.join(scratch, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['use.ts'] }),
  );
  const tsc = spawnSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', scratch], { encoding: 'utf8' });
  t.is(tsc.status, 0, tsc.stdout);
  const imported = sh([process.execPath, '--input-type=module', '-e', "const m = await import('lbfw'); console.log(typeof m.buildRuleset, typeof m.parseBlacklist)"], scratch);
  t.is(imported.stdout.trim(), 'function function');
});

test.serial('npm install -g of the tarball on a host without a C compiler installs, with the nft program as the fallback', (t) => {
  t.timeout(6 * 60_000);
  const packed = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (packed === undefined) throw new Error(`no tarball in ${work}: the tarball test runs first`);
  const prefix = path.join(work, 'prefix-nocc');
  // CC names the compiler native/build.sh uses; one that does not exist is a host without it.
  npm(['install', '-g', '--prefix', prefix, path.join(work, packed)], work, { CC: path.join(work, 'no-such-cc') });
  const installed = path.join(prefix, 'lib/node_modules/lbfw');
  t.is(sh([path.join(prefix, 'bin/lbfw'), '--version'], work).stdout.trim(), VERSION);
  t.false(existsSync(path.join(installed, 'native/build/lbfw_netlink.node')));
  t.regex(readFileSync(path.join(installed, 'native/build/UNAVAILABLE'), 'utf8'), /no C compiler/);
  // Asked for netlink, the library names why it cannot; auto falls back to nft.
  t.regex(forcedNetlink(installed), /LBFW_BACKEND=netlink, but .*no C compiler/);
});

test.serial('a git URL is prepared by npm (clone, dev dependencies, build) into a package that installs and works', (t) => {
  t.timeout(8 * 60_000);
  const clone = path.join(work, 'repo');
  cpSync(checkout, clone, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes(`${path.sep}dist`) });
  const git = (args: string[]) => sh(['git', '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], clone);
  git(['init', '-q']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'snapshot']);
  // The command the README gives. npm clones the URL, prepares the clone
  // (scripts/build-package.sh installs its dev dependencies and builds, which
  // a global install would not otherwise do) and installs a copy of the result.
  const prefix = path.join(work, 'prefix-git');
  npm(['install', '-g', '--install-links', '--prefix', prefix, `git+file://${clone}`], work);
  t.is(sh([path.join(prefix, 'bin/lbfw'), '--version'], work).stdout.trim(), VERSION);
  t.true(existsSync(path.join(prefix, 'lib/node_modules/lbfw/dist/src/index.d.ts')));
  t.true(existsSync(path.join(prefix, 'lib/node_modules/lbfw/native/build/lbfw_netlink.node')), 'the binding is built on install');
  t.false(lstatSync(path.join(prefix, 'lib/node_modules/lbfw')).isSymbolicLink(), 'a copy, not a link into npm\'s temporary clone');
});
