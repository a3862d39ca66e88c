import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

export interface AppliedCloudConfig {
  /** Every path written, as the node would see it. */
  written: string[];
  runcmd: string[][];
}

/**
 * What cloud-init's write_files does with a cloud-config, under a directory instead of /: each
 * file decoded (plain, b64, gz+b64) and written with its permissions. runcmd is returned for the
 * test to run or inspect; owners are not applied (the test is not running as those users).
 */
export async function applyCloudConfig(userData: Buffer, root: string): Promise<AppliedCloudConfig> {
  const text = (userData[0] === 0x1f && userData[1] === 0x8b ? gunzipSync(userData) : userData).toString('utf8');
  if (!text.startsWith('#cloud-config\n')) throw new Error('not a #cloud-config');
  const document = parse(text) as { write_files?: { path: string; content?: string; encoding?: string; permissions?: string }[]; runcmd?: (string | string[])[] };
  const written: string[] = [];
  for (const file of document.write_files ?? []) {
    const content = file.content ?? '';
    const bytes = file.encoding === 'b64' ? Buffer.from(content, 'base64') : file.encoding === 'gz+b64' ? gunzipSync(Buffer.from(content, 'base64')) : Buffer.from(content);
    const target = join(root, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
    await chmod(target, parseInt(file.permissions ?? '0644', 8));
    written.push(file.path);
  }
  return { written, runcmd: (document.runcmd ?? []).map((command) => (Array.isArray(command) ? command : ['sh', '-c', command])) };
}
