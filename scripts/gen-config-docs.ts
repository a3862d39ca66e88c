// Regenerates the config reference in README.md from the zod schema (between the markers), so the
// manual cannot drift from what muster accepts. `npm run docs:config`; a test checks it is current.
import { readFile, writeFile } from 'node:fs/promises';
import { configReferenceMarkdown } from '../src/config/reference.js';

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

const readme = await readFile('README.md', 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
const updated = `${readme.slice(0, start + START.length)}\n${configReferenceMarkdown()}${readme.slice(end)}`;
if (updated !== readme) await writeFile('README.md', updated);
console.log(updated === readme ? 'README.md config reference is current' : 'README.md config reference updated');
