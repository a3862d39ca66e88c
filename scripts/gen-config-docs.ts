// Regenerates the config references in README.md from the zod schemas (between the markers): the
// node's muster.yaml, render's cluster model and kube-dns's config, so the manual cannot drift from what muster
// accepts. `npm run docs:config`; a test checks both are current.
import { readFile, writeFile } from 'node:fs/promises';
import { configReferenceMarkdown, referenceMarkdown } from '../src/config/reference.js';
import { kubeDnsJsonSchema } from '../src/kube/config-load.js';
import { clusterJsonSchema } from '../src/render/cluster-load.js';

const SECTIONS: [string, string][] = [
  ['config-reference', configReferenceMarkdown()],
  ['cluster-reference', referenceMarkdown(clusterJsonSchema(), 'cluster.yaml: top level')],
  ['kube-dns-reference', referenceMarkdown(kubeDnsJsonSchema(), 'kube-dns.yaml: top level')],
];

const original = await readFile('README.md', 'utf8');
let readme = original;
for (const [marker, markdown] of SECTIONS) {
  const START = `<!-- ${marker}:start -->`;
  const END = `<!-- ${marker}:end -->`;
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  readme = `${readme.slice(0, start + START.length)}\n${markdown}${readme.slice(end)}`;
}
if (readme !== original) await writeFile('README.md', readme);
console.log(readme === original ? 'README.md config references are current' : 'README.md config references updated');
