// What the build knows and the running muster cannot find out by itself: its version and the
// commit it was built from (`muster version`), and whether it is the single executable.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function buildConstants({ sea }) {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty !== '') commit += '-dirty';
  } catch {
    // not a git checkout (an npm tarball): the commit stays unknown
  }
  return {
    __MUSTER_VERSION__: JSON.stringify(version),
    __MUSTER_COMMIT__: JSON.stringify(commit),
    __MUSTER_SEA__: JSON.stringify(sea),
  };
}
