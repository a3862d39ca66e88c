import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { decodeCodeCache, encodeCodeCache, sourceChecksum } from './code-cache-file.js';
import { LOADED_BUNDLES_KEY, type LoadedBundleInfo } from './loaded-bundles-key.js';

/** Where bundles and their caches are read from: files beside each other, or the single executable's assets. */
export interface BundleStore {
  source(file: string): Buffer;
  cache(file: string): Buffer | undefined;
}

export const filesBesideEachOther: BundleStore = {
  source: (file) => readFileSync(file),
  cache: (file) => {
    try {
      return readFileSync(`${file}.cache`);
    } catch {
      return undefined; // no cache beside the bundle (a build that could not make one): compile it
    }
  },
};

interface LoadedBundle {
  file: string;
  /** Of the source: kept instead of the source itself, which would stay in memory for nothing. */
  checksum: number | undefined;
  script: Script;
  cacheAccepted: boolean;
  module: { exports: unknown };
}

const bundles = new Map<string, LoadedBundle>();

/**
 * Runs muster's CommonJS bundles (dist/cli.js and dist/vendor/*.js) with V8's code cache: the
 * functions a boot runs arrive compiled instead of being parsed and compiled at every start.
 * Node 20 has no compile cache of its own (module.enableCompileCache is Node 22), and none at all
 * for ES modules, which is why the bundles are CommonJS. A bundle requires another bundle by a
 * relative path; that goes through here too. Anything else (node: builtins, a native addon a
 * library tries and does without) is Node's ordinary require.
 */
export function loadBundle(file: string, store: BundleStore = filesBesideEachOther): unknown {
  const known = bundles.get(file);
  if (known !== undefined) return known.module.exports;
  // --enable-source-maps maps stack traces only for code Node's own loader compiled.
  if (process.sourceMapsEnabled && store === filesBesideEachOther) return createRequire(file)(file);
  const source = store.source(file);
  const checksum = sourceChecksum(source);
  const stored = checksum === undefined ? undefined : store.cache(file);
  const cachedData = stored === undefined || checksum === undefined ? undefined : decodeCodeCache(checksum, stored);
  // No dynamic-import hook: Node's is experimental (it warns), and functions V8 takes from the
  // cache lose it anyway. The bundles hold no import(): the build checks.
  const script = new Script(Module.wrap(source.toString('utf8')), { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
  const module = { exports: {} as unknown, id: file, filename: file, loaded: false };
  // Recorded before it runs, so that a bundle required again while it loads gets its exports so far (CommonJS's rule).
  bundles.set(file, { file, checksum, script, cacheAccepted: cachedData !== undefined && !script.cachedDataRejected, module });
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  try {
    wrapper.call(module.exports, module.exports, requireFrom(file, store), module, file, dirname(file));
  } catch (error) {
    // As Node's own loader does: a bundle that threw is not kept half set up for the next require.
    bundles.delete(file);
    throw error;
  }
  module.loaded = true;
  return module.exports;
}

function requireFrom(file: string, store: BundleStore): NodeJS.Require {
  const nodeRequire = createRequire(file);
  const here = dirname(file);
  const bundleRequire = (id: string): unknown => ((id.startsWith('./') || id.startsWith('../')) && id.endsWith('.js') ? loadBundle(join(here, id), store) : nodeRequire(id));
  return Object.assign(bundleRequire, { resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: nodeRequire.main, extensions: nodeRequire.extensions });
}

/** What was loaded and whether its cache was used (`muster version` says). */
export function loadedBundles(): LoadedBundleInfo[] {
  return [...bundles.values()].map(({ file, cacheAccepted }) => ({ file, cacheAccepted }));
}
(globalThis as Record<symbol, unknown>)[LOADED_BUNDLES_KEY] = loadedBundles;

/**
 * Writes each loaded bundle's code cache beside it, as V8 has it now: with every function that has
 * run so far compiled in. The build calls this at the end of each training run, on the files (the
 * single executable's assets are those files, with these caches). Each is written whole, then
 * renamed into place.
 */
export function writeCodeCaches(): string[] {
  const written: string[] = [];
  for (const { file, checksum, script } of bundles.values()) {
    if (checksum === undefined) continue;
    const data = encodeCodeCache(checksum, script.createCachedData());
    const staged = `${file}.cache.${process.pid}.tmp`;
    writeFileSync(staged, data, { mode: 0o644 });
    renameSync(staged, `${file}.cache`);
    written.push(`${file}.cache`);
  }
  return written;
}
