// `npm run bench`: every benchmark, printed as ratios measured side by side in one run.
import { benchAgent } from './agent.js';
import { benchBootLatency } from './boot-latency.js';
import { benchCertificates } from './certificates.js';
import { benchColdStart } from './cold-start.js';
import { benchDnsSync } from './dns-sync.js';
import { benchElect } from './elect.js';
import { benchFormation, benchReplacement } from './formation.js';
import { benchImages } from './images.js';
import { benchKubeDns } from './kube-dns.js';
import { benchRender } from './render.js';
import { printRows } from './stats.js';
import { benchSingleExecutable } from './single-executable.js';
import { benchSwarm } from './swarm.js';
import { benchUnits } from './units.js';
import { benchVsphere } from './vsphere.js';

const only = process.argv.slice(2);
const want = (name: string): boolean => only.length === 0 || only.includes(name);

console.log(`# muster benchmarks (${new Date().toISOString()}, node ${process.version})`);
if (want('cold-start')) printRows('(c) cold start', await benchColdStart());
if (want('boot-latency')) printRows('what muster adds to a boot', await benchBootLatency());
if (want('formation')) printRows('(a) etcd formation', await benchFormation());
if (want('replacement')) printRows('(b) member replacement', await benchReplacement());
if (want('dns')) printRows('DNS sync of 10,000 records', await benchDnsSync());
if (want('single-executable')) printRows('single executable', await benchSingleExecutable());
if (want('images')) printRows('container images (a private Docker engine)', await benchImages());
if (want('units')) printRows('the units step', await benchUnits());
if (want('render')) printRows('muster render (the example models)', benchRender());
if (want('elect')) printRows('muster elect (network namespaces, real multicast)', await benchElect());
if (want('swarm')) printRows('Docker Swarm formation (private engines)', await benchSwarm());
if (want('agent')) printRows('muster agent: events, memory, etcd writes', await benchAgent());
if (want('vsphere')) printRows('vSphere discovery (govmomi simulator)', await benchVsphere());
if (want('certificates')) printRows('time to a valid node certificate at boot, per issuer', await benchCertificates());
if (want('kube-dns')) printRows('muster kube-dns under load, against kuberoute\'s way (one kube-apiserver 1.20, BIND 9 rfc2136)', await benchKubeDns());
