// Builds the CLI into dist/ for the npm package and a checkout (scripts/bundles.mjs says how):
// dist/main.js, the entry, loads dist/cli.js and dist/vendor/*.js with their code caches.
import { buildBundles, buildLoader, removeLeftovers, trainCodeCaches } from './bundles.mjs';

const written = await buildBundles({ outdir: 'dist', sea: false });
// A hashbang so that `./dist/main.js` runs.
written.push(...(await buildLoader('src/launch/main.ts', 'dist/main.js', '#!/usr/bin/env node')));
// What an earlier build left (the chunks of the ES-module bundle, a vendor no longer split out,
// caches of files rebuilt just now) goes; the single executable (dist/muster-linux-x64, dist/sea/) stays.
removeLeftovers('dist', written);
trainCodeCaches('dist');
