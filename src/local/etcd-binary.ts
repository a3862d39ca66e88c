import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MusterError } from '../core/errors.js';

/** Finds the etcd binary (the Debian `etcd-server` package puts it on PATH). */
export function findEtcdBinary(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = explicit ? [explicit] : (env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'etcd'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new MusterError(explicit ? `etcd binary ${explicit} is not executable` : 'etcd is not installed (no etcd on PATH)', {
    code: 'ETCD_MISSING',
    kind: 'missing-dependency',
    hint: 'install it with: sudo apt-get update && sudo apt-get install -y etcd-server etcd-client   (or pass --etcd-bin PATH)',
  });
}
