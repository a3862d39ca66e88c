import { isAbsolute, join, resolve } from 'node:path';

/**
 * Every path muster writes goes through here: `root` (NodeReg's chroot_path) prefixes it, so
 * muster can run in a container that mounts the host at /media/root, and the local sandbox can
 * give each simulated node its own directory.
 */
export function underRoot(root: string, path: string): string {
  if (!isAbsolute(path)) throw new Error(`expected an absolute path, got ${path}`);
  return root === '/' ? path : join(resolve(root), path);
}
