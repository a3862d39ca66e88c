import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { configReferenceMarkdown } from './reference.js';

describe('README config reference', () => {
  it('is the one generated from the schema (run `npm run docs:config` after changing the schema)', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('<!-- config-reference:start -->\n') + '<!-- config-reference:start -->\n'.length;
    const end = readme.indexOf('<!-- config-reference:end -->');
    assert.equal(readme.slice(start, end), configReferenceMarkdown());
  });

  it('documents every key with a description', () => {
    const undocumented = configReferenceMarkdown()
      .split('\n')
      .filter((line) => line.startsWith('| `') && !line.includes('.type` |') && /\|\s*\|$/.test(line));
    assert.deepEqual(undocumented, []);
  });
});
