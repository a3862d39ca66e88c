import { readFileSync } from 'node:fs';

export interface BuildInfo {
  version: string;
  commit: string;
  /** How this muster was delivered: the single executable, or Node.js running the bundle or the sources. */
  form: 'single executable' | 'node';
}

/** True inside the single executable (dist/muster-linux-x64), where there is no file beside the code. */
export function isSingleExecutable(): boolean {
  return typeof __MUSTER_SEA__ !== 'undefined' && __MUSTER_SEA__ === true;
}

/** muster's version: fixed by the build, else from its package.json (one level up from dist/, two from src/cli/). */
export function musterVersion(): string {
  if (typeof __MUSTER_VERSION__ !== 'undefined' && __MUSTER_VERSION__ !== undefined) return __MUSTER_VERSION__;
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'muster' && parsed.version) return parsed.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

export function buildInfo(): BuildInfo {
  const commit = typeof __MUSTER_COMMIT__ !== 'undefined' && __MUSTER_COMMIT__ !== undefined ? __MUSTER_COMMIT__ : 'unknown';
  return { version: musterVersion(), commit, form: isSingleExecutable() ? 'single executable' : 'node' };
}
