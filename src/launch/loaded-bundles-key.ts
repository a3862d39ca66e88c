/**
 * Where the loader (dist/main.js) leaves its loadedBundles() for the bundle it runs: `muster
 * version` reports from it whether the compiled code came from the cache. A registered symbol,
 * because the two are built separately and share no module.
 */
export const LOADED_BUNDLES_KEY = Symbol.for('muster.loadedBundles');

export interface LoadedBundleInfo {
  file: string;
  cacheAccepted: boolean;
}
