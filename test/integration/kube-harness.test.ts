import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { hasKubeApiServer, httpsGet, startKubeApiServer, type KubeApiServer } from '../support/kube-apiserver.js';
import {
  createNamespace,
  createNode,
  createPod,
  createService,
  grantClusterRole,
  httpStatus,
  kubeClients,
  recordWatch,
  setLoadBalancerIngress,
  setPodReady,
  type KubeClients,
} from '../support/kube-objects.js';
import { startS3rver, type S3rver } from '../support/s3rver.js';

const NS = 'kube-harness';

// The harness of `muster kube-dns`'s tests: a real kube-apiserver with RBAC, objects whose status
// is set by hand, restarts, compaction, and an S3 server.
describe('kube-dns test harness', { skip: !(await hasKubeApiServer()) && 'needs etcd and a kube-apiserver (or Go to build one)' }, () => {
  let server: KubeApiServer;
  let admin: KubeClients;

  before(async () => {
    server = await startKubeApiServer();
    console.log(`kube-apiserver ready in ${server.lastStartMs} ms at ${server.url}`);
    admin = kubeClients(server);
  });
  after(async () => {
    await server?.stop();
  });

  it('serves /readyz over TLS that verifies against caFile, and writes a kubeconfig', async () => {
    const ca = await readFile(server.caFile, 'utf8');
    const ready = await httpsGet(new URL('/readyz', server.url), ca, server.token);
    assert.equal(ready.status, 200);
    assert.equal(ready.body, 'ok');
    const config = parse(await readFile(server.kubeconfigPath, 'utf8')) as { 'current-context': string; clusters: { cluster: { server: string } }[] };
    assert.equal(config['current-context'], 'muster-test');
    assert.equal(config.clusters[0]?.cluster.server, server.url);
    assert.equal(admin.kc.getCurrentContext(), 'muster-test');
  });

  it('holds Nodes, a Pod and a Service with the status set by hand', async () => {
    await createNamespace(admin.core, NS);
    await createNode(admin.core, 'node-a', { internalIP: '10.0.0.11', externalIP: '203.0.113.11' });
    await createNode(admin.core, 'node-b', { internalIP: '10.0.0.12', ready: false, unschedulable: true });
    await createPod(admin.core, NS, 'web-1', { labels: { app: 'web' }, nodeName: 'node-a', hostIP: '10.0.0.11', podIP: '10.244.0.5', phase: 'Running', ready: false });
    await setPodReady(admin.core, NS, 'web-1', true);
    await createService(admin.core, NS, 'web', {
      labels: { 'muster.dev/dns': 'true' },
      annotations: { 'muster.dev/hostname': 'web.example.test' },
      selector: { app: 'web' },
      type: 'NodePort',
    });
    await createService(admin.core, NS, 'lb', { selector: { app: 'web' }, type: 'LoadBalancer' });
    await setLoadBalancerIngress(admin.core, NS, 'lb', [{ ip: '198.51.100.7' }, { hostname: 'lb.example.test' }]);

    const nodes = (await admin.core.listNode()).items;
    const a = nodes.find((node) => node.metadata?.name === 'node-a');
    const b = nodes.find((node) => node.metadata?.name === 'node-b');
    assert.deepEqual(
      a?.status?.addresses?.map((address) => [address.type, address.address]),
      [
        ['InternalIP', '10.0.0.11'],
        ['ExternalIP', '203.0.113.11'],
        ['Hostname', 'node-a'],
      ],
    );
    assert.equal(a?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(b?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.equal(b?.spec?.unschedulable, true);

    const pods = (await admin.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' })).items;
    assert.equal(pods.length, 1);
    const pod = pods[0];
    assert.equal(pod?.spec?.nodeName, 'node-a');
    assert.equal(pod?.status?.phase, 'Running');
    assert.equal(pod?.status?.hostIP, '10.0.0.11');
    assert.equal(pod?.status?.podIP, '10.244.0.5');
    assert.equal(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    const services = (await admin.core.listNamespacedService({ namespace: NS, labelSelector: 'muster.dev/dns=true' })).items;
    assert.deepEqual(
      services.map((service) => service.metadata?.name),
      ['web'],
    );
    const web = services[0];
    assert.equal(web?.spec?.type, 'NodePort');
    assert.equal(web?.metadata?.annotations?.['muster.dev/hostname'], 'web.example.test');
    const nodePort = web?.spec?.ports?.[0]?.nodePort ?? 0;
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
    assert.match(web?.spec?.clusterIP ?? '', /^10\.96\.0\.\d+$/);
    const lb = await admin.core.readNamespacedService({ namespace: NS, name: 'lb' });
    assert.deepEqual(
      lb.status?.loadBalancer?.ingress?.map((ingress) => ({ ...ingress })),
      [{ ip: '198.51.100.7' }, { hostname: 'lb.example.test' }],
    );
  });

  it('denies the muster-kube-dns user until a ClusterRole is bound to it (RBAC)', async () => {
    const user = kubeClients(server, 'readonly');
    await assert.rejects(user.core.listServiceForAllNamespaces(), (error) => httpStatus(error) === 403);
    await grantClusterRole(admin.rbac, 'muster-kube-dns', server.readonlyUser, [
      { apiGroups: [''], resources: ['services', 'pods', 'nodes', 'endpoints'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const list = await user.core.listServiceForAllNamespaces();
        assert.ok(list.items.some((service) => service.metadata?.name === 'web'));
        break;
      } catch (error) {
        if (httpStatus(error) !== 403 || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // Granted verbs only: it still may not create.
    await assert.rejects(createNamespace(user.core, 'not-allowed'), (error) => httpStatus(error) === 403);
  });

  it('streams watch events, keeps every object over a restart, and expires old resourceVersions after compaction', async () => {
    const list = await admin.core.listNamespacedPod({ namespace: NS });
    const oldVersion = list.metadata?.resourceVersion ?? '';
    assert.notEqual(oldVersion, '');
    const watch = await recordWatch<V1Pod>(admin.kc, `/api/v1/namespaces/${NS}/pods`, { resourceVersion: oldVersion });
    await createPod(admin.core, NS, 'web-2', { labels: { app: 'web' }, nodeName: 'node-a', hostIP: '10.0.0.11', podIP: '10.244.0.6', ready: true });
    const added = await watch.next((event) => event.type === 'ADDED' && event.object.metadata?.name === 'web-2');
    assert.ok(added.type === 'ADDED');
    assert.equal(added.object.spec?.nodeName, 'node-a');

    const started = Date.now();
    await server.restart();
    console.log(`kube-apiserver restarted in ${Date.now() - started} ms (start ${server.lastStartMs} ms)`);
    // The watch the restart cut ends; the objects are all still there.
    await watch.ended;
    watch.stop();
    const pods = (await admin.core.listNamespacedPod({ namespace: NS })).items.map((pod) => pod.metadata?.name).sort();
    assert.deepEqual(pods, ['web-1', 'web-2']);
    assert.equal((await admin.core.readNode({ name: 'node-a' })).status?.addresses?.[0]?.address, '10.0.0.11');
    assert.equal((await admin.core.readNamespacedService({ namespace: NS, name: 'web' })).metadata?.labels?.['muster.dev/dns'], 'true');

    // A resourceVersion from before the compaction is gone: 200, then an ERROR event with a 410 Status.
    const revision = await server.compact();
    assert.ok(revision > Number(oldVersion));
    const expired = await recordWatch(admin.kc, `/api/v1/namespaces/${NS}/pods`, { resourceVersion: oldVersion });
    try {
      const error = await expired.next((event) => event.type === 'ERROR');
      assert.ok(error.type === 'ERROR');
      assert.equal(error.object.kind, 'Status');
      assert.equal(error.object.code, 410);
      assert.equal(error.object.reason, 'Expired');
    } finally {
      expired.stop();
    }
    // And a list at that resourceVersion (exact match) is 410 too.
    await assert.rejects(admin.core.listNamespacedPod({ namespace: NS, resourceVersion: oldVersion, resourceVersionMatch: 'Exact' }), (error) => httpStatus(error) === 410);
  });
});

describe('s3rver harness', () => {
  let s3: S3rver;
  before(async () => {
    s3 = await startS3rver({ bucket: 'muster-dns' });
  });
  after(async () => {
    await s3?.stop();
  });

  it('keeps the body, content type, cache control and metadata of a PutObject; the ACL only in the request', async () => {
    await s3
      .client()
      .send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: 'zones/example.test.json',
          Body: '{"records":[]}',
          ContentType: 'application/json',
          CacheControl: 'max-age=30',
          ACL: 'public-read',
          Metadata: { 'written-by': 'muster' },
        }),
      );
    const object = await s3.getObject('zones/example.test.json');
    assert.equal(object.body, '{"records":[]}');
    assert.equal(object.contentType, 'application/json');
    assert.equal(object.cacheControl, 'max-age=30');
    assert.deepEqual(object.metadata, { 'written-by': 'muster' });
    assert.deepEqual(await s3.listKeys('zones/'), ['zones/example.test.json']);
    assert.equal(await s3.headObject('zones/missing.json'), undefined);
    const put = s3.requests.find((request) => request.method === 'PUT' && request.url.startsWith(`/${s3.bucket}/zones/example.test.json`));
    assert.equal(put?.headers['x-amz-acl'], 'public-read');
  });
});
