// Where a run's wall time goes, from a V8 CPU profile:
//   ip netns exec NS node --cpu-prof --cpu-prof-dir=D --cpu-prof-interval 250 bin/lbfw apply ...
//   node scripts/cpuprofile-summary.mjs D/*.cpuprofile [top=40] [bucket-ms=5]
// Prints self time per function, inclusive time per function, and a
// timeline in buckets: idle (the main thread waits: I/O, the kernel, a
// worker thread), GC, and the lbfw functions (the bundle's) that ran. A
// profile costs time itself (source positions, sampling): compare shares
// and gaps, not absolute times, and time the real thing without it.
import { readFileSync } from 'node:fs';

const [file, topArg, bucketArg] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node scripts/cpuprofile-summary.mjs FILE.cpuprofile [top] [bucket-ms]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const top = Number(topArg ?? 40);
const bucket = Number(bucketArg ?? 5);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const own = (n) => n.callFrame.url.includes('lbfw.cjs') || n.callFrame.url.includes('/dist/src/');

const self = new Map();
const total = new Map();
const buckets = new Map();
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  // A sample stands for the time until the next one.
  const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  const node = byId.get(profile.samples[i]);
  self.set(name(node), (self.get(name(node)) ?? 0) + ms);
  const seen = new Set();
  let label;
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const frame = byId.get(id);
    const key = name(frame);
    if (!seen.has(key)) {
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + ms);
    }
    if (label === undefined && own(frame) && frame.callFrame.functionName) label = frame.callFrame.functionName;
  }
  const b = Math.floor(at / 1000 / bucket);
  const entry = buckets.get(b) ?? { idle: 0, gc: 0, js: 0, frames: new Map() };
  const fn = node.callFrame.functionName;
  if (fn === '(idle)') entry.idle += ms;
  else if (fn === '(garbage collector)') entry.gc += ms;
  else {
    entry.js += ms;
    const key = label ?? name(node);
    entry.frames.set(key, (entry.frames.get(key) ?? 0) + ms);
  }
  buckets.set(b, entry);
}
const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
console.log(`profile ${((profile.endTime - profile.startTime) / 1000).toFixed(1)} ms`);
console.log('--- self ms');
for (const [k, v] of sorted(self).slice(0, top)) console.log(v.toFixed(1).padStart(7), k);
console.log('--- inclusive ms');
for (const [k, v] of sorted(total).slice(0, top)) console.log(v.toFixed(1).padStart(7), k);
console.log(`--- timeline, ${bucket} ms buckets: idle, gc, js (the lbfw functions that ran most)`);
for (const [b, e] of [...buckets].sort((x, y) => x[0] - y[0])) {
  const frames = sorted(e.frames).slice(0, 3).map(([k, v]) => `${k}=${v.toFixed(1)}`).join(' ');
  console.log(`${String(b * bucket).padStart(5)}  idle ${e.idle.toFixed(1).padStart(4)}  gc ${e.gc.toFixed(1).padStart(4)}  js ${e.js.toFixed(1).padStart(4)}  ${frames}`);
}
