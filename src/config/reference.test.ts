import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { kubeDnsJsonSchema } from '../kube/config-load.js';
import { clusterJsonSchema } from '../render/cluster-load.js';
import { configReferenceMarkdown, referenceMarkdown } from './reference.js';

const between = (readme: string, marker: string): string => {
  const start = readme.indexOf(`<!-- ${marker}:start -->\n`) + `<!-- ${marker}:start -->\n`.length;
  return readme.slice(start, readme.indexOf(`<!-- ${marker}:end -->`));
};

describe('README config references', () => {
  it('are the ones generated from the schemas (run `npm run docs:config` after changing a schema)', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    assert.equal(between(readme, 'config-reference'), configReferenceMarkdown());
    assert.equal(between(readme, 'cluster-reference'), referenceMarkdown(clusterJsonSchema(), 'cluster.yaml: top level'));
    assert.equal(between(readme, 'kube-dns-reference'), referenceMarkdown(kubeDnsJsonSchema(), 'kube-dns.yaml: top level'));
  });

  it('document every key with a description', () => {
    const undocumented = [configReferenceMarkdown(), referenceMarkdown(clusterJsonSchema(), 'cluster.yaml: top level'), referenceMarkdown(kubeDnsJsonSchema(), 'kube-dns.yaml: top level')]
      .join('\n')
      .split('\n')
      .filter((line) => line.startsWith('| `') && !line.includes('.type` |') && /\|\s*\|$/.test(line));
    assert.deepEqual(undocumented, []);
  });
});
