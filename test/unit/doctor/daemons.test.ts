import test from 'ava';
import { detectDaemon, type DaemonSystem } from '../../../src/doctor/daemons.js';

interface FakeProcess {
  readonly comm: string;
  readonly state: string;
  readonly exe?: string;
  readonly ns?: string;
}

/** A /proc of the given processes, seen from network namespace net:[1]. */
function fakeProc(processes: Record<number, FakeProcess>): DaemonSystem {
  const byPid = new Map(Object.entries(processes).map(([pid, p]) => [Number(pid), p]));
  const pidOf = (file: string): FakeProcess | undefined => byPid.get(Number(/^\/proc\/(\d+)\//.exec(file)?.[1]));
  return {
    readFile: async (file) => {
      const p = pidOf(file);
      if (p === undefined) return undefined;
      if (file.endsWith('/comm')) return `${p.comm}\n`;
      if (file.endsWith('/stat')) return `42 (${p.comm}) ${p.state} 1 42 42 0 -1\n`;
      return undefined;
    },
    listDir: async (dir) => (dir === '/proc' ? ['self', ...[...byPid.keys()].map(String)] : undefined),
    readlink: async (file) => {
      if (file === '/proc/self/ns/net') return 'net:[1]';
      const p = pidOf(file);
      if (file.endsWith('/exe')) return p?.exe;
      if (file.endsWith('/ns/net')) return p?.ns;
      return undefined;
    },
  };
}

/** detect finds keepalived among `processes`. */
const detect = (processes: Record<number, FakeProcess>) => detectDaemon(fakeProc(processes), 'keepalived');

test('keepalived in this namespace runs; one in another namespace is elsewhere', async (t) => {
  const fact = await detect({
    100: { comm: 'keepalived', state: 'S', exe: '/usr/sbin/keepalived', ns: 'net:[1]' },
    200: { comm: 'keepalived', state: 'S', exe: '/usr/sbin/keepalived', ns: 'net:[2]' },
  });
  t.deepEqual(fact, { name: 'keepalived', running: true, pids: [100], elsewhere: [200] });
});

test('an exited keepalived not yet reaped (a zombie: no exe, no namespace) is not running here', async (t) => {
  const fact = await detect({
    300: { comm: 'keepalived', state: 'Z' },
    301: { comm: 'keepalived', state: 'X' },
    400: { comm: 'keepalived', state: 'S', exe: '/usr/sbin/keepalived', ns: 'net:[2]' },
  });
  t.deepEqual(fact, { name: 'keepalived', running: false, pids: [], elsewhere: [400] });
});

test('a process that only names keepalived in its command line, or runs another program as keepalived, is not keepalived', async (t) => {
  const fact = await detect({
    500: { comm: 'sleep', state: 'S', exe: '/usr/bin/sleep', ns: 'net:[1]' },
    501: { comm: 'keepalived', state: 'S', exe: '/usr/bin/python3', ns: 'net:[1]' },
  });
  t.false(fact.running);
});
