// dist/main.js: muster's entry, built as CommonJS (hence __dirname). It runs the CLI bundle beside
// it through the code-cache loader.
import { join } from 'node:path';
import { loadBundle } from './bundle-loader.js';

loadBundle(join(__dirname, 'cli.js'));
