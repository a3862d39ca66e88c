import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { Bind9 } from '../support/bind9.js';
import { waitFor } from '../support/etcdctl.js';
import type { KubeApiServer } from '../support/kube-apiserver.js';
import { startKubeDns, type KubeDnsProcess } from '../support/kube-dns-process.js';
import { createNamespace, createNode, createPod, createService, deletePod, deleteService, kubeClients, patchServiceMetadata, setPodReady, type KubeClients } from '../support/kube-objects.js';
import { kubeDnsSkipReason, nodeOf, NODES, startApiServerAndBind, ZONE } from '../support/kube-dns-fixture.js';
import { freePort } from '../support/loopback.js';


const skip = await kubeDnsSkipReason();

// `muster kube-dns` against a real kube-apiserver 1.20 and a real BIND 9 (rfc2136): Services
// created, pods made ready and moved through the API as a user (or kubelet) would, and the
// results read back with dig.
describe('muster kube-dns', { skip }, () => {
  let server: KubeApiServer;
  let admin: KubeClients;
  let bind: Bind9;
  let dir: string;
  const running: KubeDnsProcess[] = [];

  before(async () => {
    ({ server, bind } = await startApiServerAndBind());
    admin = kubeClients(server);
    dir = await mkdtemp(join(tmpdir(), 'muster-kube-dns-'));
    for (const node of NODES) await createNode(admin.core, node.name, node);
    await bind.nsupdate([`update add foreign.${ZONE} 300 A 192.0.2.7`, 'send']);
  });
  after(async () => {
    await Promise.all(running.map((controller) => controller.stop('SIGKILL')));
    await Promise.all([server?.stop(), bind?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const dig = async (name: string, type = 'A'): Promise<string[]> => (await bind.dig(['+short', name, type])).trim().split('\n').filter(Boolean).sort();

  /** A kube-dns config for one namespace and one owner, on BIND. */
  async function controller(name: string, kubeDns: Record<string, unknown>, options: { dns?: Record<string, unknown>; start?: boolean; args?: string[] } = {}): Promise<KubeDnsProcess> {
    const config = join(dir, `${name}.yaml`);
    await writeFile(
      config,
      stringify({
        kube_dns: { kubernetes: { auth: 'kubeconfig', kubeconfig: server.kubeconfigPath }, namespaces: [name], debounce: '100ms', leader_election: { enabled: false }, listen_address: '127.0.0.1', ...kubeDns },
        dns: { owner_id: `kd-${name}`, zones: [ZONE], provider: { type: 'rfc2136', server: bind.server, tsig: { name: bind.key.name, algorithm: 'hmac-sha256', secret_file: bind.key.file } }, ...options.dns },
      }),
    );
    const process = startKubeDns(config, await freePort(), options.args ?? []);
    running.push(process);
    if (options.start !== false) await process.waitReady(60_000);
    return process;
  }

  async function pod(namespace: string, name: string, node: number, ready = true, labels: Record<string, string> = { app: 'web' }): Promise<void> {
    const { name: nodeName, internalIP } = nodeOf(node);
    await createPod(admin.core, namespace, name, { labels, nodeName, hostIP: internalIP, phase: 'Running', ready });
  }

  const labeled = (name: string, extra: Record<string, string> = {}) => ({ kuberoute_domain: 'kube.muster.test', kuberoute_name: name, ...extra });

  it('publishes a labeled NodePort Service as its nodes\' ExternalIPs; records follow the pods; a deleted Service\'s records go, foreign ones stay', async () => {
    const ns = 'follow';
    await createNamespace(admin.core, ns);
    await pod(ns, 'web-a', 1);
    await pod(ns, 'web-b', 2);
    await pod(ns, 'web-c', 2); // two pods on one node: one address
    await pod(ns, 'web-d', 3, false); // not ready: not published
    await createService(admin.core, ns, 'web', { type: 'NodePort', labels: labeled('web'), selector: { app: 'web' } });
    await createService(admin.core, ns, 'inside', { type: 'ClusterIP', labels: labeled('inside'), selector: { app: 'web' } });
    const kd = await controller(ns, { address_type: 'ExternalIP' });

    await waitFor('web A', async () => (await dig(`web.${ZONE}`)).join() === '203.0.113.1,203.0.113.2', 20_000);
    assert.deepEqual(await dig(`_muster-owner.a.web.${ZONE}`, 'TXT'), [`"heritage=muster,muster/owner=kd-${ns},muster/record=A/web.${ZONE}"`]);
    assert.deepEqual(await dig(`inside.${ZONE}`), [], 'a ClusterIP Service has no outside address');
    const state = await kd.state();
    assert.match(state.invalid.find((entry) => entry.service === `${ns}/inside`)?.reason ?? '', /ClusterIP/);

    // The pods move: node-1's goes, node-3's becomes ready.
    await deletePod(admin.core, ns, 'web-a');
    await setPodReady(admin.core, ns, 'web-d', true);
    await waitFor('web follows the pods', async () => (await dig(`web.${ZONE}`)).join() === '203.0.113.2,203.0.113.3', 10_000);

    await deleteService(admin.core, ns, 'web');
    await waitFor('web deleted', async () => (await dig(`web.${ZONE}`)).length === 0, 10_000);
    assert.deepEqual(await dig(`_muster-owner.a.web.${ZONE}`, 'TXT'), []);
    assert.deepEqual(await dig(`foreign.${ZONE}`), ['192.0.2.7'], 'a record muster does not own is never touched');
    assert.ok((await kd.metric('muster_kube_dns_controller_last_sync_timestamp_seconds')) > 0);
    assert.equal(await kd.metric('muster_kube_dns_registry_errors_total'), 0);
    assert.equal(await kd.stop(), 0, 'SIGTERM ends it cleanly');
  });

  it('switches to the failover CNAME only after failover_after below the quota, back after restore_after, and never flaps under an oscillating pod', async () => {
    const ns = 'quota';
    await createNamespace(admin.core, ns);
    await pod(ns, 'q-1', 1);
    await pod(ns, 'q-2', 2);
    // Quota 60 %: two of the three nodes must serve.
    await createService(admin.core, ns, 'shop', { type: 'NodePort', labels: labeled('shop', { kuberoute_quota: '60', kuberoute_failover: 'failover.example.net' }), selector: { app: 'web' } });
    const kd = await controller(ns, { failover_after: '2500ms', restore_after: '3s' });
    await waitFor('shop A', async () => (await dig(`shop.${ZONE}`)).join() === '10.0.0.1,10.0.0.2', 20_000);

    // q-2 flips between ready and not every 700 ms for 7 s: below the quota each time for less
    // than failover_after, so the name never leaves the pods.
    const seen = new Set<string>();
    const sampler = setInterval(() => void dig(`shop.${ZONE}`, 'CNAME').then((values) => values.length > 0 && seen.add(values.join())), 200);
    for (let i = 0; i < 10; i++) {
      await setPodReady(admin.core, ns, 'q-2', i % 2 === 1);
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    clearInterval(sampler);
    assert.deepEqual([...seen], [], 'no failover CNAME while the pod oscillates');

    // Below for good: the failover comes after failover_after, not before.
    const down = Date.now();
    await setPodReady(admin.core, ns, 'q-2', false);
    await waitFor('shop CNAME', async () => (await dig(`shop.${ZONE}`, 'CNAME')).join() === 'failover.example.net.', 15_000);
    const failedOverAfter = Date.now() - down;
    assert.ok(failedOverAfter >= 2400, `failed over after ${failedOverAfter} ms, failover_after is 2.5 s`);
    const atShop = (await bind.axfr()).filter((set) => set.name === `shop.${ZONE}`).map((set) => set.type);
    assert.deepEqual(atShop, ['CNAME'], 'the A record gave way to the CNAME');
    assert.equal(await kd.metric('muster_kube_dns_failover_active{name="shop.kube.muster.test"}'), 1);

    const up = Date.now();
    await setPodReady(admin.core, ns, 'q-2', true);
    await waitFor('shop A again', async () => (await dig(`shop.${ZONE}`)).join() === '10.0.0.1,10.0.0.2', 15_000);
    const restoredAfter = Date.now() - up;
    assert.ok(restoredAfter >= 2900, `restored after ${restoredAfter} ms, restore_after is 3 s`);
    await kd.stop();
  });

  it('an empty source at start-up deletes nothing; a mass deletion waits for two resyncs that agree, and says so', async () => {
    const ns = 'guard';
    await createNamespace(admin.core, ns);
    for (let i = 1; i <= 5; i++) await createService(admin.core, ns, `g${i}`, { type: 'NodePort', labels: labeled(`g${i}`), selector: { app: 'web' } });
    await pod(ns, 'g-pod', 1);
    const first = await controller(ns, {});
    await waitFor('g1..g5', async () => (await Promise.all([1, 2, 3, 4, 5].map((i) => dig(`g${i}.${ZONE}`)))).every((values) => values.join() === '10.0.0.1'), 20_000);
    await first.stop();

    // The same owner, started on a namespace with nothing in it: what an empty list from the API
    // server looks like. Nothing may go.
    await createNamespace(admin.core, 'guard-empty');
    const config = join(dir, 'guard-empty.yaml');
    await writeFile(
      config,
      stringify({
        kube_dns: { kubernetes: { auth: 'kubeconfig', kubeconfig: server.kubeconfigPath }, namespaces: ['guard-empty'], debounce: '100ms', resync_interval: '1500ms', leader_election: { enabled: false }, listen_address: '127.0.0.1' },
        dns: { owner_id: `kd-${ns}`, zones: [ZONE], provider: { type: 'rfc2136', server: bind.server, tsig: { name: bind.key.name, algorithm: 'hmac-sha256', secret_file: bind.key.file } } },
      }),
    );
    const empty = startKubeDns(config, await freePort());
    running.push(empty);
    await empty.waitReady(60_000);
    await waitFor('the start-up sync', async () => (await empty.state()).zones.some((zone) => zone.heldDeletes !== undefined), 10_000);
    const state = await empty.state();
    assert.match(state.zones[0]?.heldDeletes ?? '', /5 of the 5 record sets .* held until the next resync computes the same deletes/);
    assert.deepEqual(await dig(`g1.${ZONE}`), ['10.0.0.1'], 'nothing deleted on the first, empty view');
    assert.ok((await empty.metric('muster_kube_dns_deletes_held_total')) >= 5);
    assert.match(empty.log(), /deletes held/);
    // Two resyncs (1.5 s apart) computed the same deletes: a real deletion goes through.
    await waitFor('g1..g5 deleted after two agreeing resyncs', async () => (await dig(`g1.${ZONE}`)).length === 0, 15_000);
    await empty.stop();
  });

  it('loses no event when the API server restarts mid-watch, relists on 410 Gone, and deletes nothing meanwhile', async () => {
    const ns = 'restart';
    await createNamespace(admin.core, ns);
    await createNamespace(admin.core, 'restart-noise');
    await pod(ns, 'r-1', 1);
    await createService(admin.core, ns, 'keep', { type: 'NodePort', labels: labeled('keep'), selector: { app: 'web' } });
    await createService(admin.core, ns, 'moves', { type: 'NodePort', labels: labeled('moves'), selector: { app: 'web' } });
    // The relabel below arrives in a relist, not as a watch event: no evidence, so its delete
    // waits for two agreeing resyncs.
    const kd = await controller(ns, { resync_interval: '1500ms' });
    await waitFor('keep and moves', async () => (await dig(`keep.${ZONE}`)).join() === '10.0.0.1' && (await dig(`moves.${ZONE}`)).join() === '10.0.0.1', 20_000);

    await server.restart({ kill: true });
    // Made right after the restart: the watch, resumed from its resourceVersion, must see it.
    await pod(ns, 'r-2', 2);
    await waitFor('r-2 seen after the restart', async () => (await dig(`keep.${ZONE}`)).join() === '10.0.0.1,10.0.0.2', 30_000);

    // Writes elsewhere move etcd's revision past this controller's; compaction then makes its
    // resourceVersion gone, and the next restart makes the watches resume from it: 410.
    for (let i = 0; i < 3; i++) await createPod(admin.core, 'restart-noise', `noise-${i}`, { nodeName: 'node-3', hostIP: '10.0.0.3', phase: 'Running', ready: true });
    await server.compact();
    await server.restart({ kill: true });
    await patchServiceMetadata(admin.core, ns, 'moves', { labels: { kuberoute_name: 'moved' } });
    await waitFor('the relist after 410', async () => (await kd.metric('muster_kube_dns_watch_restarts_total{resource="pods",reason="gone"}')) >= 1, 30_000);
    await waitFor('moved published', async () => (await dig(`moved.${ZONE}`)).join() === '10.0.0.1,10.0.0.2', 30_000);
    assert.deepEqual(await dig(`keep.${ZONE}`), ['10.0.0.1', '10.0.0.2'], 'keep was never deleted');
    await waitFor('moves deleted (relabeled away)', async () => (await dig(`moves.${ZONE}`)).length === 0, 10_000);
    const state = await kd.state();
    assert.equal(state.apiserver_available, true);
    await kd.stop();
  });

  it('two replicas: one writes, the other takes over within the lease duration when it is killed', async () => {
    const ns = 'ha';
    await createNamespace(admin.core, ns);
    await pod(ns, 'h-1', 1);
    await createService(admin.core, ns, 'ha', { type: 'NodePort', labels: labeled('ha'), selector: { app: 'web' } });
    const election = { enabled: true, namespace: ns, lease_duration: '3s', renew_deadline: '2s', retry_period: '500ms' };
    const a = await controller(ns, { leader_election: election });
    const b = await controller(ns, { leader_election: election });
    await waitFor('one leader', async () => [await a.state(), await b.state()].filter((state) => state.leader).length === 1, 15_000);
    await waitFor('ha A', async () => (await dig(`ha.${ZONE}`)).join() === '10.0.0.1', 15_000);
    const [leader, standby] = (await a.state()).leader ? [a, b] : [b, a];
    assert.equal(await standby.metric('muster_kube_dns_dns_write_calls_total'), 0, 'the standby never wrote');
    assert.equal((await standby.get('/readyz')).status, 200, 'the standby is ready: its caches are synced');

    await leader.stop('SIGKILL');
    const killed = Date.now();
    await pod(ns, 'h-2', 2);
    await waitFor('the standby takes over and applies the change', async () => (await dig(`ha.${ZONE}`)).join() === '10.0.0.1,10.0.0.2', 15_000);
    const takeover = Date.now() - killed;
    assert.ok(takeover < 3000 + 1500, `took over in ${takeover} ms (lease_duration 3 s)`);
    assert.equal((await standby.state()).leader, true);
    await standby.stop();
  });
});
