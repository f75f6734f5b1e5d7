/**
 * Replacing a file so that readers (and a crash) see either the old content
 * or the new, never a mix: write a temporary file next to it, flush it to
 * disk, rename it over the original, then flush the directory so the rename
 * itself survives a power cut (rename(2) is atomic, but only durable once
 * the directory entry is on disk).
 *
 * Each flush is a disk round trip (1-3 ms here, more on a busy disk), and a
 * boot-time apply writes several files, so a caller may ask for less
 * ({@link AtomicWriteOptions}) where a power cut cannot make the lesser
 * guarantee matter.
 */
import { open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Mode of a file that did not exist before. */
const NEW_FILE_MODE = 0o644;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * The file to replace: a symlink is followed so the link stays a link and the
 * file it points to gets the new content.
 */
async function targetOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if (isMissing(error)) return path;
    throw error;
  }
}

/** Mode, owner and group of the file being replaced (undefined owner: a new file, created as whoever runs). */
async function ownershipOf(path: string): Promise<{ mode: number; uid?: number; gid?: number }> {
  try {
    const stats = await stat(path);
    return { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid };
  } catch (error) {
    if (isMissing(error)) return { mode: NEW_FILE_MODE };
    throw error;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * AtomicWriteOptions: how much of the write must survive a power cut.
 * Readers and a killed process see the old content or the new whatever is
 * chosen (the rename is atomic); only a power cut or a kernel crash sees
 * the difference.
 */
export interface AtomicWriteOptions {
  /**
   * 'all' (default): content and rename are on disk when the call returns.
   * 'content': the content is flushed before the rename, the directory is
   * not: after a power cut the file is whole, old or new, never torn. For
   * records of kernel state that a power cut erases anyway.
   * 'none': nothing is flushed; after a power cut the file may be torn. For
   * notes whose readers take a torn file as absent.
   */
  readonly durable?: 'all' | 'content' | 'none';
}

/**
 * writeFileAtomic replaces `path` with `content` (UTF-8), keeping the
 * original file's permission bits, owner and group (0644 for a new file). On any failure the
 * temporary file is removed, the original is untouched, and the error is
 * rethrown.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const durable = options.durable ?? 'all';
  const target = await targetOf(path);
  const { mode, uid, gid } = await ownershipOf(target);
  const dir = dirname(target);
  // Same directory, so the rename never crosses a filesystem; the pid and a
  // random part, so two writers never share a temporary file (and 'wx'
  // refuses one that exists). Math.random, not node:crypto: nothing here is
  // secret, and loading crypto cost every start-up about 3 ms.
  const temp = join(dir, `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 12)}.tmp`);
  let handle: FileHandle | undefined;
  let created = false;
  try {
    // Created private, widened only once the content is complete.
    handle = await open(temp, 'wx', 0o600);
    created = true;
    await handle.writeFile(content, typeof content === 'string' ? 'utf8' : undefined);
    // The operator's file stays theirs: same owner and group (root may give
    // them away; anyone else can only keep their own, which is already so).
    if (uid !== undefined && gid !== undefined && (uid !== process.getuid?.() || gid !== process.getgid?.())) await handle.chown(uid, gid);
    // chmod after chown (chown clears set-id bits), not the open mode: the umask would narrow that.
    await handle.chmod(mode);
    if (durable !== 'none') await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    // Only a file this call created: after EEXIST the name belongs to someone else.
    if (created) await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  if (durable === 'all') await syncDirectory(dir);
}
