/**
 * Running programs: the one place lbfw spawns a process and collects its
 * output (nft, ip, arping, the lab's programs). A non-zero exit is data,
 * not an exception, unless runOk is asked for.
 *
 * Children die with lbfw: a killed `lbfw apply` must not leave an `nft`
 * behind that commits its table seconds later, after another run already
 * reported success. Every child gets PR_SET_PDEATHSIG=SIGKILL (util-linux
 * `setpriv --pdeathsig KILL`; kept across exec of non-setuid programs, so
 * through `ip netns exec` into nft) and inherits lbfw's lock descriptor, so
 * that until it is gone the lock is still held and no other run can start.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** RunResult: exit code and output of a finished program. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/**
 * withParentDeathSignal prefixes `argv` so that the program is killed when
 * lbfw dies. Without setpriv (util-linux < 2.33) `argv` is returned as is and
 * the inherited lock descriptor alone keeps other runs out.
 */
export function withParentDeathSignal(argv: readonly string[]): string[] {
  return SETPRIV === undefined ? [...argv] : [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv];
}

const inherited = new Set<number>();

/**
 * inheritInChildren makes every program started from now on inherit `fd`
 * (as fd 3 and up) until the returned function is called. The lock uses it:
 * a child that outlives lbfw keeps the lock until it is gone.
 */
export function inheritInChildren(fd: number): () => void {
  inherited.add(fd);
  return () => {
    inherited.delete(fd);
  };
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Descriptors the program gets as fd 3, 4, ... (before any inherited lock descriptor). */
  readonly fds?: readonly number[];
}

/** run executes `argv` and collects its output. */
export function run(argv: readonly string[], input?: string, options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = withParentDeathSignal(argv);
  return new Promise((resolve, reject) => {
    const child = spawn(command ?? 'false', args, { stdio: ['pipe', 'pipe', 'pipe', ...(options.fds ?? []), ...inherited] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    // EPIPE when the program exits before reading its input shows in its exit code.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** runOk executes `argv` and throws with its stderr when it fails. */
export async function runOk(argv: readonly string[], input?: string): Promise<string> {
  const result = await run(argv, input);
  if (result.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}
