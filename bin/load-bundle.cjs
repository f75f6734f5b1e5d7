'use strict';
// Loads the start-up bundle (dist/bundle/lbfw.cjs, scripts/bundle.mjs) with
// V8's code cache: Node 20 has no module.enableCompileCache, so the
// bundle is compiled here through vm.Script with the cachedData the build
// produced. A cache is used only for the exact bytes it was made from: V8
// itself checks only the source's length, so the cache file holds a copy of
// the bundle it was made from (its length in 4 bytes, the bytes, then V8's
// data) and is compared byte for byte: a memcmp of 1 MB, where a SHA-1
// meant loading node:crypto first (about 4 ms of every start-up). A
// missing, foreign or rejected cache costs time, nothing else.
const { isAscii } = require('node:buffer');
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const LENGTH_BYTES = 4;

function cachedDataFor(bytes, cacheFile) {
  let cache;
  try {
    cache = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const start = LENGTH_BYTES + bytes.length;
  if (cache.length <= start || cache.readUInt32LE(0) !== bytes.length || !cache.subarray(LENGTH_BYTES, start).equals(bytes)) return undefined;
  return cache.subarray(start);
}

/**
 * loadBundle compiles and runs the CommonJS bundle `file` (with its cache
 * `file`.cache when it fits) and returns its exports and the compiled script.
 */
function loadBundle(file, { useCache = true } = {}) {
  const bytes = readFileSync(file);
  const cachedData = useCache ? cachedDataFor(bytes, `${file}.cache`) : undefined;
  // ASCII (the build makes it so): one-byte text, no UTF-8 decoding, which
  // cost ~20 ms for this size when one character was not ASCII.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  return { exports: module.exports, script, bytes, cacheUsed: cachedData !== undefined && script.cachedDataRejected !== true };
}

/**
 * writeCodeCache (the build): loads `file` without a cache, runs `warm`
 * with its exports so the functions a start-up runs get compiled, and
 * writes their code, after a copy of the bundle, to `file`.cache.
 */
async function writeCodeCache(file, warm) {
  const { exports, script, bytes } = loadBundle(file, { useCache: false });
  await warm(exports);
  const tmp = `${file}.cache.${process.pid}.tmp`;
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32LE(bytes.length);
  writeFileSync(tmp, Buffer.concat([length, bytes, script.createCachedData()]));
  renameSync(tmp, `${file}.cache`);
}

module.exports = { loadBundle, writeCodeCache };
