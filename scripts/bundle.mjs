// Start-up build, from dist/src (tsc's output):
// - dist/bundle/profiles.json: the shipped profiles already parsed
//   (src/sysctl/profile-cache.ts), so no start-up parses their YAML;
// - dist/bundle/lbfw.cjs: the CLI in one CommonJS file, which bin/lbfw
//   loads when it is newer than dist/src/cli/main.js. Node resolves, reads
//   and compiles about 115 modules (and yaml's and commander's own) for a
//   small `lbfw apply`; one file cuts that cost (measured in bench/startup.ts);
// - dist/bundle/lbfw.cjs.cache: V8's code cache of that file
//   (bin/load-bundle.cjs), made by running the commands' start-up once;
// - dist/bundle/overlimit.cjs (and .cache): the same for `lbfw overlimit`
//   alone (src/cli/overlimit-entry.ts), which bin/lbfw loads for that command;
// - dist/bundle/apply.cjs (and .cache): `lbfw apply` and `lbfw verify` alone
//   (src/cli/apply-entry.ts), for the boot units and monitoring.
// Lazy commands stay lazy: esbuild keeps their modules' bodies behind
// initialisers that run on first import, and V8 compiles a function only
// when it first runs. Without esbuild (no devDependencies) this says so and
// exits 0: lbfw then runs from dist/src as before.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// LBFW_BUNDLE_OUT: elsewhere (the unit test builds its own copy).
const outdir = process.env.LBFW_BUNDLE_OUT ?? path.join(root, 'dist', 'bundle');
await mkdir(outdir, { recursive: true });
const { writeCompiledProfiles } = await import(path.join(root, 'dist', 'src', 'sysctl', 'profile-cache.js'));
await writeCompiledProfiles(path.join(root, 'profiles'), path.join(outdir, 'profiles.json'));

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (error) {
  console.error(`lbfw: no start-up bundle (esbuild is not installed: ${error.message.split('\n')[0]}); lbfw runs from dist/src`);
  process.exit(0);
}
/**
 * Builtins the bundle loads only when a function of theirs is first used:
 * commander requires node:child_process at its top (for executable
 * subcommands, which lbfw has none of), and loading it (with net, dgram and
 * the stream modules it pulls in) is about 4 ms of every start, 6% of
 * `node -e 0`, while a boot-time `lbfw apply` on the netlink backend runs no
 * program at all. Each import of one of these gets a stand-in with a getter
 * per export (the names read from the real module at build time) that
 * requires the real module on first use.
 */
const LAZY_BUILTINS = ['child_process'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    build.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin' ? undefined : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const names = Object.keys(await import(`node:${args.path}`)).filter((name) => name !== 'default');
      return {
        loader: 'js',
        contents: [
          'let real;',
          `const load = () => (real ??= require(${JSON.stringify(`node:${args.path}`)}));`,
          `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
        ].join('\n'),
      };
    });
  },
};

/**
 * Builds the bundle of `entryName` (dist/src/cli/ENTRY.js) into `name`.cjs
 * and its code cache, made by running the entry's warmUp in a child.
 */
async function buildBundle(entryName, name) {
  const entry = path.join(root, 'dist', 'src', 'cli', `${entryName}.js`);
  await stat(entry);
  const outfile = path.join(outdir, `${name}.cjs`);
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    // ASCII: bin/load-bundle.cjs then reads the source as one-byte text, without UTF-8 decoding.
    charset: 'ascii',
    minifyWhitespace: true,
    bundle: true,
    platform: 'node',
    // CommonJS: vm.Script (and so a code cache) compiles scripts, not ES
    // modules; esbuild turns each lazy import() into an initialiser call.
    format: 'cjs',
    target: 'node20',
    // The native binding and the nft program are found at run time, by path.
    // systeminformation (the doctor's facts only) stays a package, loaded when
    // the doctor runs: a third of the bundle, and its non-ASCII regular
    // expressions would make the whole source two-byte text.
    external: ['*.node', 'systeminformation'],
    // The modules find lbfw's files from their own URL (src/package-info.ts).
    define: { 'import.meta.url': 'lbfwBundleUrl' },
    banner: { js: "const lbfwBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [lazyBuiltins],
    logLevel: 'warning',
  });
  // vm.Script runs without an ES module loader: an import() left in the bundle would fail at run time.
  const bundled = await readFile(outfile, 'utf8');
  if (/\bimport\(/.test(bundled)) throw new Error(`${outfile}: esbuild left a dynamic import() in the bundle`);
  // Non-ASCII source is read as UTF-8 and held as two-byte text (slower to decode and to compile lazily).
  const nonAscii = /[^\x00-\x7f]/.exec(bundled);
  if (nonAscii !== null) console.warn(`lbfw: the bundle is not ASCII (${JSON.stringify(bundled.slice(Math.max(0, nonAscii.index - 40), nonAscii.index + 10))}): it starts slower`);

  // The cache holds what a start-up compiles: the entry's warmUp
  // (src/cli/warm-up.ts, warm-up-overlimit.ts) runs that path once,
  // unprivileged and in a temporary directory. Made in a child, whose output is not ours.
  const warm = `
    const { writeCodeCache } = require(${JSON.stringify(path.join(root, 'bin', 'load-bundle.cjs'))});
    writeCodeCache(${JSON.stringify(outfile)}, ({ warmUp }) => warmUp()).catch((error) => { console.error(error); process.exitCode = 1; });`;
  const cached = spawnSync(process.execPath, ['-e', warm], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Without a cache lbfw works, only starts slower: say so, and let the build (npm install) go on.
  if (cached.status !== 0) {
    await rm(`${outfile}.cache`, { force: true });
    console.warn(`lbfw: no code cache for the start-up bundle ${name}.cjs (the warm-up exited ${cached.status ?? cached.signal}); lbfw starts slower`);
  }
}

await buildBundle('bundle-entry', 'lbfw');
// `lbfw overlimit` alone (a timer runs it every minute): a third of the full bundle to load.
await buildBundle('overlimit-entry', 'overlimit');
// `lbfw apply` and `lbfw verify` (the boot units, monitoring): no doctor, lab or other command to load.
await buildBundle('apply-entry', 'apply');
