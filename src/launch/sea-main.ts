// The single executable's main script: the bundles and their code caches are its assets
// (scripts/build-sea.mjs), read in place from the executable, under the names they have in dist/.
import { dirname, join, relative } from 'node:path';
import { getRawAsset } from 'node:sea';
import { loadBundle, type BundleStore } from './bundle-loader.js';

// Where the bundles would be if they were files: their __filename, and what stack traces show.
const root = dirname(process.execPath);

function asset(key: string): Buffer | undefined {
  try {
    // An ArrayBuffer over the executable's own mapped bytes: viewed, not copied.
    const data = getRawAsset(key);
    return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  } catch {
    return undefined; // not in the executable (a cache the build could not make)
  }
}

const assets: BundleStore = {
  source: (file) => {
    const data = asset(relative(root, file));
    if (data === undefined) throw new Error(`muster: ${relative(root, file)} is not in this executable; rebuild it (npm run dist)`);
    return data;
  },
  cache: (file) => asset(`${relative(root, file)}.cache`),
};

loadBundle(join(root, 'cli.js'), assets);
