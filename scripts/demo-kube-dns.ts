/**
 * kuberoute's job on this one machine, done by `muster kube-dns` against a real Kubernetes API
 * server (the test one: kube-apiserver 1.20 built once from Debian's source, ~5 min, cached in
 * /var/cache/muster-test; no kubelet, so nodes and pods are made through the API):
 *
 *   sudo node --import tsx scripts/demo-kube-dns.ts            (after `npm ci && npm run build`)
 *
 * 1. three Nodes, a Service `quatsch` labeled kuberoute_domain / kuberoute_name / kuberoute_quota
 *    80 / kuberoute_failover, and Ready pods on all three nodes;
 * 2. `muster kube-dns` with a zone file: quatsch.demo.muster.test. A holds the three hosts;
 * 3. a pod goes unready (66 % < 80 %): after failover_after (5 s) the name is a CNAME to the
 *    failover; the pod comes back: after restore_after (5 s) the A record returns.
 * The zone file is printed after each step; /state and /metrics stay up until Ctrl-C (or
 * --exit-after SECONDS), then everything is removed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startKubeApiServer } from '../test/support/kube-apiserver.js';
import { createNamespace, createNode, createPod, createService, kubeClients, setPodReady } from '../test/support/kube-objects.js';
import { freePort } from '../test/support/loopback.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ZONE = 'demo.muster.test.';
const { values } = parseArgs({ options: { 'exit-after': { type: 'string' } } });
const say = (line: string): void => void process.stderr.write(`\n== ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

say('starting a Kubernetes API server (kube-apiserver 1.20 and its etcd; the first run builds it)');
const server = await startKubeApiServer();
const dir = await mkdtemp(join(tmpdir(), 'muster-demo-kube-dns-'));
const zoneFile = join(dir, 'demo.muster.test.zone');
const { core } = kubeClients(server);
say(`API server ready at ${server.url} (kubeconfig ${server.kubeconfigPath})`);

const nodes = [1, 2, 3].map((n) => ({ name: `node-${n}`, internalIP: `10.0.0.${n}`, externalIP: `203.0.113.${n}` }));
for (const node of nodes) await createNode(core, node.name, node);
await createNamespace(core, 'shop');
for (const [i, node] of nodes.entries()) await createPod(core, 'shop', `web-${i + 1}`, { labels: { app: 'web' }, nodeName: node.name, hostIP: node.internalIP, phase: 'Running', ready: true });
await createService(core, 'shop', 'quatsch', {
  type: 'NodePort',
  selector: { app: 'web' },
  labels: { kuberoute_domain: 'demo.muster.test', kuberoute_name: 'quatsch', kuberoute_quota: '80', kuberoute_failover: 'failover.example.net' },
});
say('made 3 Nodes, 3 Ready pods and the NodePort Service shop/quatsch (quota 80 %, failover failover.example.net)');

const port = await freePort();
const config = join(dir, 'kube-dns.yaml');
await writeFile(
  config,
  stringify({
    kube_dns: { kubernetes: { auth: 'kubeconfig', kubeconfig: server.kubeconfigPath }, address_type: 'ExternalIP', failover_after: '5s', restore_after: '5s', listen_address: '127.0.0.1', report: { file: join(dir, 'state.json') } },
    dns: { owner_id: 'demo', zones: [ZONE], provider: { type: 'zone-file', path: zoneFile } },
  }),
);
const controller = spawn(process.execPath, [join(REPO, 'dist', 'main.js'), 'kube-dns', '-c', config, '--port', String(port)], { stdio: ['ignore', 'inherit', 'inherit'] });
const zone = async (): Promise<string> => (await readFile(zoneFile, 'utf8').catch(() => '(not written yet)\n')).split('\n').filter((line) => /quatsch|_muster-owner/.test(line)).join('\n');
const waitZone = async (pattern: RegExp, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(await zone())) {
    if (Date.now() > deadline || controller.exitCode !== null) throw new Error(`the zone never showed ${String(pattern)}:\n${await zone()}`);
    await sleep(200);
  }
};
try {
  await waitZone(/quatsch\S*\s+\d+\s+IN\s+A\s+203\.0\.113\.3/, 60_000);
  say(`muster kube-dns published the Service (zone file ${zoneFile}):`);
  process.stderr.write(`${await zone()}\n`);
  say('web-3 goes unready: 2 of 3 nodes is 66 % < 80 %; the failover follows after 5 s');
  await setPodReady(core, 'shop', 'web-3', false);
  await waitZone(/quatsch\S*\s+\d+\s+IN\s+CNAME\s+failover\.example\.net\./, 30_000);
  process.stderr.write(`${await zone()}\n`);
  say('web-3 is Ready again: the A record returns after 5 s above the quota');
  await setPodReady(core, 'shop', 'web-3', true);
  await waitZone(/quatsch\S*\s+\d+\s+IN\s+A\s+203\.0\.113\.3/, 30_000);
  process.stderr.write(`${await zone()}\n`);
  say(`kuberoute's state report: ${join(dir, 'state.json')}`);
  process.stderr.write(`${await readFile(join(dir, 'state.json'), 'utf8')}\n`);
  say(`try: curl -s 127.0.0.1:${port}/state; curl -s 127.0.0.1:${port}/metrics | grep muster_kube_dns_; KUBECONFIG=${server.kubeconfigPath} kubectl get svc -A`);
  const exitAfter = values['exit-after'] === undefined ? undefined : Number(values['exit-after']) * 1000;
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM'), ...(exitAfter === undefined ? [] : [sleep(exitAfter)])]);
} finally {
  say('stopping');
  controller.kill('SIGTERM');
  if (controller.exitCode === null) await once(controller, 'close');
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
