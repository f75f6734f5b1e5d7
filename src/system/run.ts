/**
 * Running programs: the one place lbfw spawns a process and collects its
 * output (nft, ip, arping, the lab's programs). A non-zero exit is data,
 * not an exception, unless runOk is asked for.
 */
import { spawn } from 'node:child_process';

/** RunResult: exit code and output of a finished program. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** run executes `argv` and collects its output. */
export function run(argv: readonly string[], input?: string): Promise<RunResult> {
  const [command, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command ?? 'false', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    // EPIPE when the program exits before reading its input shows in its exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** runOk executes `argv` and throws with its stderr when it fails. */
export async function runOk(argv: readonly string[], input?: string): Promise<string> {
  const result = await run(argv, input);
  if (result.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}
