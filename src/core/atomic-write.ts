import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode set when the temp file is created, so a secret is never readable by others, even briefly. */
  mode?: number;
  /** Mode for directories created on the way. */
  dirMode?: number;
}

/**
 * Writes `path` so that readers see either the old or the new content, never a half-written
 * file: a temp file in the same directory, fsync, rename, fsync of the directory.
 * Returns false and touches nothing when the file already has this content and mode.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<boolean> {
  const mode = options.mode ?? 0o644;
  if (await hasContent(path, content, mode)) return false;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o755 });
  // Unique enough with 'wx' refusing an existing name; not from node:crypto, which a start that
  // writes only an env file would load for this alone (~4 ms).
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode); // the umask may have narrowed the mode given to open()
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
  return true;
}

async function hasContent(path: string, content: string | Uint8Array, mode: number): Promise<boolean> {
  try {
    const [current, info] = await Promise.all([readFile(path), stat(path)]);
    return (info.mode & 0o7777) === mode && current.equals(typeof content === 'string' ? Buffer.from(content) : Buffer.from(content));
  } catch {
    return false;
  }
}

/** fsync of a directory: what makes a rename or an unlink in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
