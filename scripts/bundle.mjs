// Start-up bundle: dist/src (tsc's output) as a few files, dist/bundle/lbfw.mjs and its chunks, that
// bin/lbfw loads when it is newer than dist/src/cli/main.js. Node resolves,
// reads and compiles about 115 modules (and yaml's and commander's own) for
// a small `lbfw apply`; one file cuts that cost (measured in bench/startup.ts).
// Lazy commands stay lazy: esbuild keeps their modules' bodies behind
// initialisers that run on first import. Without esbuild (no devDependencies)
// this says so and exits 0: lbfw then runs from dist/src as before.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let esbuild;
try {
  esbuild = await import('esbuild');
} catch (error) {
  console.error(`lbfw: no start-up bundle (esbuild is not installed: ${error.message.split('\n')[0]}); lbfw runs from dist/src`);
  process.exit(0);
}
const entry = path.join(root, 'dist', 'src', 'cli', 'main.js');
await stat(entry);
await esbuild.build({
  entryPoints: [entry],
  // LBFW_BUNDLE_OUT: elsewhere (the unit test builds its own copy).
  outdir: process.env.LBFW_BUNDLE_OUT ?? path.join(root, 'dist', 'bundle'),
  // Each lazily imported command becomes its own chunk, read only when that
  // command runs: `apply` does not compile the doctor or systeminformation.
  splitting: true,
  entryNames: 'lbfw',
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
  minifyWhitespace: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The native binding and the nft program are found at run time, by path.
  external: ['*.node'],
  // CommonJS packages (yaml, commander, systeminformation) call require.
  banner: { js: "import { createRequire as lbfwCreateRequire } from 'node:module'; const require = lbfwCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
