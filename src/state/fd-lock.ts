/**
 * The kernel lock under lbfw's lock file: an exclusive flock(2) on an open
 * file descriptor. The kernel drops it when the last descriptor of that open
 * file closes, which includes the death of every process holding one, so a
 * crashed run can never leave a lock behind and nothing ever judges a lock
 * "stale" or deletes it.
 *
 * Node has no flock(2). The native addon (native/) has one: it takes the
 * lock at once when it is free, which is nearly always, with no child
 * process. Waiting for a held lock, or without the addon, util-linux's
 * `flock FD` does it: the child inherits lbfw's descriptor (the same open
 * file), locks it and exits; the lock stays with the open file, that is with
 * lbfw. Both lock the same open file, so the result is the same lock.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LockError } from '../errors.js';
import { withParentDeathSignal } from '../system/run.js';
import { loadNative } from '../nft/netlink/native.js';

/** FdLocker takes an exclusive flock(2) on an open file descriptor. */
export interface FdLocker {
  /** What implements it, for messages. */
  readonly name: string;
  /**
   * lock waits at most `waitSeconds` (0: not at all) for an exclusive lock
   * on `fd`. Resolves true once held, false when the wait ran out; throws
   * when locking itself failed.
   */
  lock(fd: number, waitSeconds: number): Promise<boolean>;
}

const FLOCK_PATHS = ['/usr/bin/flock', '/bin/flock', '/usr/sbin/flock'];
/** Exit code asked of flock(1) for "the wait ran out" (EX_TEMPFAIL), apart from its other failures. */
const TIMED_OUT = 75;

/** flockProgram locks with util-linux `flock -x -w SECONDS 3`, fd 3 being lbfw's own descriptor. */
export const flockProgram: FdLocker = {
  name: 'util-linux flock(1)',
  lock(fd: number, waitSeconds: number): Promise<boolean> {
    const flock = FLOCK_PATHS.find((p) => existsSync(p)) ?? 'flock';
    const wait = waitSeconds <= 0 ? ['-n'] : ['-w', String(waitSeconds)];
    const [command, ...args] = withParentDeathSignal([flock, '-x', ...wait, '-E', String(TIMED_OUT), '3']);
    return new Promise((resolve, reject) => {
      const child = spawn(command ?? flock, args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
      const err: Buffer[] = [];
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      child.on('error', (error) => reject(new LockError(`cannot run ${flock} to take lbfw's lock: ${error.message} (install util-linux)`, '')));
      child.on('close', (code) => {
        if (code === 0) resolve(true);
        else if (code === TIMED_OUT) resolve(false);
        else reject(new LockError(`${flock} could not lock lbfw's lock file (exit ${code}): ${Buffer.concat(err).toString().trim()}`, ''));
      });
    });
  },
};

/**
 * nativeThenProgram tries the addon's non-blocking flock(2) first (no child
 * process: the boot-time apply's start-up); a lock held by another run, or
 * no addon, goes to {@link flockProgram}, which can wait with a timeout.
 */
export const nativeThenProgram: FdLocker = {
  name: 'flock(2) by the netlink binding, else util-linux flock(1)',
  async lock(fd: number, waitSeconds: number): Promise<boolean> {
    const binding = loadNative();
    if (typeof binding !== 'string') {
      try {
        binding.flock(fd, binding.LOCK_EX | binding.LOCK_NB);
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === 'EWOULDBLOCK' || code === 'EAGAIN') && waitSeconds <= 0) return false;
        // Held (wait with a timeout, which flock(2) itself cannot), or any other failure: flock(1) decides.
      }
    }
    return flockProgram.lock(fd, waitSeconds);
  },
};

let locker: FdLocker = nativeThenProgram;

/** fdLocker returns the locker in use. */
export function fdLocker(): FdLocker {
  return locker;
}

/** useFdLocker replaces the locker (the native addon's flock, or a test's). */
export function useFdLocker(next: FdLocker): void {
  locker = next;
}
