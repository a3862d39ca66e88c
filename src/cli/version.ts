import { readFileSync } from 'node:fs';
import { LOADED_BUNDLES_KEY, type LoadedBundleInfo } from '../launch/loaded-bundles-key.js';

export interface BuildInfo {
  version: string;
  commit: string;
  /** How this muster was delivered: the single executable, or Node.js running the bundle or the sources. */
  form: 'single executable' | 'node';
  /**
   * Whether the bundles loaded so far ran from their V8 code cache (dist/*.cache, or the single
   * executable's assets): 'used', or 'not used' (made by another Node.js, or the bundle changed
   * since). Absent when muster runs from its sources (tsx).
   */
  code_cache?: 'used' | 'not used';
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
  const codeCache = codeCacheState();
  return { version: musterVersion(), commit, form: isSingleExecutable() ? 'single executable' : 'node', ...(codeCache === undefined ? {} : { code_cache: codeCache }) };
}

function codeCacheState(): BuildInfo['code_cache'] {
  const loaded = (globalThis as Record<symbol, unknown>)[LOADED_BUNDLES_KEY];
  if (typeof loaded !== 'function') return undefined;
  const bundles = (loaded as () => LoadedBundleInfo[])();
  if (bundles.length === 0) return undefined;
  return bundles.every((bundle) => bundle.cacheAccepted) ? 'used' : 'not used';
}
