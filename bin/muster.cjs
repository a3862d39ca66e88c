#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the `prepare` script). CommonJS, as
// dist/ is: an ES-module entry would start Node's ES module loader for nothing (~10 ms a start).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  console.error('muster: dist/ is missing. Run `npm ci` (or `npm run build`) in the muster checkout first.');
  process.exit(70);
}
require(main);
