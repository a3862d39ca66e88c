import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RbacV1Subject, V1ClusterRoleBinding, V1RoleBinding } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { runProgram } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';
import type { Bind9 } from '../support/bind9.js';
import { startStaticEtcd, type RunningEtcd } from '../support/etcd-process.js';
import { etcdctl, waitFor } from '../support/etcdctl.js';
import type { KubeApiServer } from '../support/kube-apiserver.js';
import { etcdKeys, portIsFree, spawnGroup, type GroupProcess } from '../support/kube-dns-compat.js';
import { startKubeDns, type KubeDnsProcess } from '../support/kube-dns-process.js';
import { createNamespace, createNode, createPod, createService, deleteService, kubeClients, setLoadBalancerIngress, setPodReady, type KubeClients } from '../support/kube-objects.js';
import { kubeDnsSkipReason, nodeOf, NODES, startApiServerAndBind, ZONE } from '../support/kube-dns-fixture.js';
import { freePort, loopbackPrefix } from '../support/loopback.js';
import { README_EXAMPLE } from '../support/kuberoute-readme.js';
import { startS3rver, type S3rver } from '../support/s3rver.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const contrib = join(root, 'contrib', 'kubernetes');


const skip = await kubeDnsSkipReason();

/** The id muster gives one value under its name's key path (layout.ts): sha256 of "TYPE value", 16 hex digits. */
const valueId = (type: string, value: string): string => createHash('sha256').update(`${type} ${value}`).digest('hex').slice(0, 16);
const ownerText = (owner: string, type: string, name: string): string => `heritage=muster,muster/owner=${owner},muster/record=${type}/${name}`;

// `muster kube-dns` doing what kuberoute's users relied on — SkyDNS keys in a real etcd, the
// state report in an S3 bucket, kuberoute's README config run as it is, in-cluster — and what a
// deployment needs: the RBAC of contrib/kubernetes/, LoadBalancer Services, a dry run, --check.
describe('muster kube-dns: kuberoute compatibility and deployment', { skip }, () => {
  let server: KubeApiServer;
  let admin: KubeClients;
  let bind: Bind9;
  let dir: string;
  const running: KubeDnsProcess[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    ({ server, bind } = await startApiServerAndBind());
    admin = kubeClients(server);
    dir = await mkdtemp(join(tmpdir(), 'muster-kube-dns-compat-'));
    for (const node of NODES) await createNode(admin.core, node.name, node);
  });
  after(async () => {
    await Promise.all(running.map((controller) => controller.stop('SIGKILL')));
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await Promise.all([server?.stop(), bind?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const dig = async (name: string, type = 'A'): Promise<string[]> => (await bind.dig(['+short', name, type])).trim().split('\n').filter(Boolean).sort();
  const bindProvider = () => ({ type: 'rfc2136', server: bind.server, tsig: { name: bind.key.name, algorithm: 'hmac-sha256', secret_file: bind.key.file } });

  async function writeConfig(name: string, kubeDns: Record<string, unknown>, dns: Record<string, unknown> = {}): Promise<string> {
    const config = join(dir, `${name}.yaml`);
    await writeFile(
      config,
      stringify({
        kube_dns: { kubernetes: { auth: 'kubeconfig', kubeconfig: server.kubeconfigPath }, namespaces: [name], debounce: '100ms', leader_election: { enabled: false }, listen_address: '127.0.0.1', ...kubeDns },
        dns: { owner_id: `kd-${name}`, zones: [ZONE], provider: bindProvider(), ...dns },
      }),
    );
    return config;
  }

  /** A kube-dns config for one namespace and one owner, on BIND unless dns.provider says otherwise. */
  async function controller(name: string, kubeDns: Record<string, unknown>, options: { dns?: Record<string, unknown>; start?: boolean } = {}): Promise<KubeDnsProcess> {
    const process = startKubeDns(await writeConfig(name, kubeDns, options.dns), await freePort());
    running.push(process);
    if (options.start !== false) await process.waitReady(60_000);
    return process;
  }

  async function pod(namespace: string, name: string, node: number, labels: Record<string, string> = { app: 'web' }): Promise<void> {
    const { name: nodeName, internalIP } = nodeOf(node);
    await createPod(admin.core, namespace, name, { labels, nodeName, hostIP: internalIP, phase: 'Running', ready: true });
  }

  const labeled = (name: string, extra: Record<string, string> = {}, domain = 'kube.muster.test') => ({ kuberoute_domain: domain, kuberoute_name: name, ...extra });

  async function startEtcd(prefix = loopbackPrefix()): Promise<RunningEtcd> {
    const etcd = await startStaticEtcd({ prefix, size: 1 });
    cleanups.push(() => etcd.stop());
    await waitFor('the SkyDNS etcd', async () => (await etcdctl(etcd.endpoints, ['endpoint', 'health'])).code === 0, 30_000);
    return etcd;
  }

  it('coredns-etcd on a real etcd: the SkyDNS layout with {"host": ip} values and ownership keys; a deleted Service\'s keys go, a hand-written key stays', async () => {
    const ns = 'skydns';
    const etcd = await startEtcd();
    const foreign = '/skydns/test/muster/kube/foreign/x1';
    assert.equal((await etcdctl(etcd.endpoints, ['put', foreign, '{"host":"192.0.2.7"}'])).code, 0);
    await createNamespace(admin.core, ns);
    await pod(ns, 'web-a', 1);
    await pod(ns, 'web-b', 2);
    await createService(admin.core, ns, 'web', { type: 'NodePort', labels: labeled('web'), selector: { app: 'web' } });
    const kd = await controller(ns, {}, { dns: { provider: { type: 'coredns-etcd', endpoints: [etcd.endpoints] } } });

    const name = `web.${ZONE}`;
    const owner = ownerText(`kd-${ns}`, 'A', name);
    const expected = new Map([
      [`/skydns/test/muster/kube/web/${valueId('A', '10.0.0.1')}`, { host: '10.0.0.1', ttl: 60 }],
      [`/skydns/test/muster/kube/web/${valueId('A', '10.0.0.2')}`, { host: '10.0.0.2', ttl: 60 }],
      [`/skydns/test/muster/kube/web/a/_muster-owner/${valueId('TXT', owner)}`, { text: owner, ttl: 60 }],
    ]);
    const under = async (path: string) => new Map([...(await etcdKeys(etcd.endpoints)).entries()].filter(([key]) => key.startsWith(path)));
    await waitFor('web\'s SkyDNS keys', async () => (await under('/skydns/test/muster/kube/web/')).size === 3, 20_000);
    const keys = await under('/skydns/test/muster/kube/web/');
    assert.deepEqual([...keys.keys()].sort(), [...expected.keys()].sort(), `the keys: ${[...keys.keys()].join(', ')}`);
    for (const [key, value] of expected) assert.deepEqual(JSON.parse(keys.get(key) ?? 'null'), value, key);

    await deleteService(admin.core, ns, 'web');
    await waitFor('web\'s keys deleted', async () => (await under('/skydns/test/muster/kube/web')).size === 0, 15_000);
    const left = await etcdKeys(etcd.endpoints);
    assert.deepEqual([...left.keys()], [foreign], 'only the hand-written key is left');
    assert.equal(left.get(foreign), '{"host":"192.0.2.7"}');
    assert.equal(await kd.metric('muster_kube_dns_registry_errors_total'), 0);
    assert.equal(await kd.stop(), 0);
  });

  it('the state report in S3 (s3rver): kuberoute\'s JSON, application/json, x-amz-acl public-read; rewritten on a change, not otherwise; the file copy is atomic and 0644', async () => {
    const ns = 'report';
    const s3: S3rver = await startS3rver();
    cleanups.push(() => s3.stop());
    const key = 'kube-dns/state.json';
    const reportFile = join(dir, 'report', 'state.json');
    await createNamespace(admin.core, ns);
    await pod(ns, 'shop-1', 1);
    await pod(ns, 'shop-2', 2);
    await createService(admin.core, ns, 'shop', { type: 'NodePort', labels: labeled('shop', { kuberoute_quota: '50' }), selector: { app: 'web' } });
    const kd = await controller(ns, {
      resync_interval: '1s',
      report: { file: reportFile, s3: { bucket: s3.bucket, key, region: 'us-east-1', endpoint: s3.endpoint, acl: 'public-read', access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } },
    });

    const nodes = Object.fromEntries(NODES.map((node) => [node.name, { ready: true, schedulable: true }]));
    const text = (service: { current_quota: number; endpoints: string[]; healthy: boolean; quota: number }): string =>
      JSON.stringify({ apiserver_available: true, nodes, services: { 'shop.kube.muster.test': service } }, null, 4);
    const puts = () => s3.requests.filter((request) => request.method === 'PUT' && request.url.split('?')[0] === `/${s3.bucket}/${key}`);
    const body = async () => (await s3.getObject(key)).body;

    const first = text({ current_quota: 66, endpoints: ['10.0.0.1', '10.0.0.2'], healthy: true, quota: 50 });
    await waitFor('the report in S3', async () => (await body()) === first, 20_000);
    const object = await s3.getObject(key);
    assert.equal(object.body, first, 'kuberoute\'s shape: sorted keys, 4-space indent');
    assert.equal(object.contentType, 'application/json');
    assert.equal(puts().length, 1);
    assert.equal(puts()[0]?.headers['x-amz-acl'], 'public-read', 'the PutObject carried the canned ACL');
    assert.equal(puts()[0]?.headers['content-type'], 'application/json');
    assert.equal(await readFile(reportFile, 'utf8'), first);
    const before = await stat(reportFile);
    assert.equal(before.mode & 0o777, 0o644);

    // A pod becomes unready: the report changes, and is put again.
    await setPodReady(admin.core, ns, 'shop-2', false);
    const second = text({ current_quota: 33, endpoints: ['10.0.0.1'], healthy: false, quota: 50 });
    await waitFor('the report rewritten', async () => (await body()) === second, 15_000);
    assert.equal(puts().length, 2);
    assert.equal(puts()[1]?.headers['x-amz-acl'], 'public-read');
    await waitFor('the file rewritten', async () => (await readFile(reportFile, 'utf8')) === second, 5_000);
    const rewritten = await stat(reportFile);
    assert.equal(rewritten.mode & 0o777, 0o644);
    assert.notEqual(rewritten.ino, before.ino, 'a new file renamed into place, not the old one rewritten in place');
    assert.deepEqual(await readdir(join(dir, 'report')), ['state.json'], 'no temp file left beside it');

    // Nothing changes for 4 s (4 resyncs): no further PutObject, the file untouched.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    assert.equal(puts().length, 2, `no PutObject while nothing changes; got ${puts().length}`);
    assert.equal((await stat(reportFile)).mtimeMs, rewritten.mtimeMs);
    assert.equal(await kd.stop(), 0);
  });

  it('kuberoute\'s README INI example runs unchanged, in-cluster (service account files, etcd.server.url:2379, port 8081)', async (t) => {
    if (!(await portIsFree(8081))) {
      t.skip('port 8081 (the README example\'s port) is taken on this machine');
      return;
    }
    // etcd.server.url, resolved through a private /etc/hosts, is this etcd's own loopback address.
    const prefix = loopbackPrefix();
    const etcd = await startEtcd(prefix);
    assert.equal(etcd.endpoints, `http://${prefix}.1:2379`);
    const work = join(dir, 'readme');
    await mkdir(work);
    const ini = join(work, 'config');
    await writeFile(ini, README_EXAMPLE);
    const hosts = join(work, 'hosts');
    await writeFile(hosts, `127.0.0.1 localhost\n::1 localhost ip6-localhost\n${prefix}.1 etcd.server.url\n`);
    const token = join(work, 'token');
    await writeFile(token, server.token, { mode: 0o600 });
    // /var/run is /run here: the service-account directory is under /run/secrets, a tmpfs in the
    // controller's own mount namespace (the empty mount point is left on the host, removed after).
    assert.equal(await realpath('/var/run'), '/run');
    if (!existsSync('/run/secrets')) cleanups.push(() => rmdir('/run/secrets'));
    const script = [
      'set -e',
      'mount --bind "$KD_HOSTS" /etc/hosts',
      'mkdir -p /run/secrets',
      'mount -t tmpfs -o mode=0755 tmpfs /run/secrets',
      'sa=/var/run/secrets/kubernetes.io/serviceaccount',
      'mkdir -p "$sa"',
      'cp "$KD_TOKEN" "$sa/token"',
      'cp "$KD_CA" "$sa/ca.crt"',
      'printf default > "$sa/namespace"',
      'exec "$@"',
    ].join('\n');
    const { command, args } = musterInvocation();
    const env: NodeJS.ProcessEnv = { ...process.env, KD_HOSTS: hosts, KD_TOKEN: token, KD_CA: server.caFile, KUBERNETES_SERVICE_HOST: server.host, KUBERNETES_SERVICE_PORT: String(server.port) };
    delete env['MUSTER_CONFIG'];
    await pod('default', 'readme-1', 1, { app: 'readme' });
    await pod('default', 'readme-2', 2, { app: 'readme' });
    await createService(admin.core, 'default', 'readme', { type: 'NodePort', labels: labeled('readme', {}, 'ini.muster.test'), selector: { app: 'readme' } });
    const kd: GroupProcess = spawnGroup('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', command, ...args, 'kube-dns', '-c', ini], env);
    cleanups.push(() => kd.stop(2_000));
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:8081${path}`, { signal: AbortSignal.timeout(10_000) });
      return { status: response.status, body: await response.text() };
    };
    const fail = (what: string) => (error: unknown) => {
      throw new Error(`${what}: ${(error as Error).message}; ${kd.child.exitCode === null ? 'still runs' : `exited ${kd.child.exitCode}`}:\n${kd.output().slice(-3000)}`);
    };

    const expected = new Map([
      [`/skydns/test/muster/ini/readme/${valueId('A', '10.0.0.1')}`, { host: '10.0.0.1', ttl: 60 }],
      [`/skydns/test/muster/ini/readme/${valueId('A', '10.0.0.2')}`, { host: '10.0.0.2', ttl: 60 }],
    ]);
    await waitFor('the README controller leads', async () => (JSON.parse((await get('/state')).body) as { leader: boolean }).leader, 60_000).catch(fail('leader'));
    await waitFor('readme\'s SkyDNS keys', async () => {
      const now = await etcdKeys(etcd.endpoints);
      return [...expected.keys()].every((key) => now.has(key));
    }, 20_000).catch(fail('keys'));
    const keys = await etcdKeys(etcd.endpoints);
    for (const [key, value] of expected) assert.deepEqual(JSON.parse(keys.get(key) ?? 'null'), value, key);
    assert.ok([...keys.keys()].some((key) => key.startsWith('/skydns/test/muster/ini/readme/a/_muster-owner/')), 'its ownership key');

    assert.deepEqual(await get('/health'), { status: 200, body: 'I am healthy' });
    assert.deepEqual(await get('/'), { status: 200, body: 'Updated record sets.' });
    assert.match(kd.output(), /namespace is read as namespaces/, 'the README\'s `namespace` spelling is noticed');
    await kd.stop();
    assert.equal(await portIsFree(8081), true, 'the whole group is gone');
  });

  it('contrib/kubernetes/: every manifest passes kubectl apply --dry-run=server', async () => {
    // The Namespace is one of the manifests, but a server dry run creates nothing: the namespaced
    // objects need it to exist already.
    await createNamespace(admin.core, 'muster-system');
    const files = ['namespace.yaml', 'rbac.yaml', 'configmap.yaml', 'deployment.yaml'].map((file) => join(contrib, file));
    const result = await runProgram('kubectl', ['--kubeconfig', server.kubeconfigPath, 'apply', '--dry-run=server', ...files.flatMap((file) => ['-f', file])]);
    console.log(`kubectl apply --dry-run=server (rc ${result.code}):\n${result.stdout}${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    let objects = 0;
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
        const object = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
        if (object?.kind === undefined) continue;
        objects += 1;
        assert.match(result.stdout, new RegExp(`^${object.kind.toLowerCase()}(\\.[a-z0-9.]+)?/${object.metadata?.name ?? ''} (created|configured|unchanged) \\(server dry run\\)$`, 'm'), `${object.kind} ${object.metadata?.name ?? ''}`);
      }
    }
    assert.equal(result.stdout.trim().split('\n').length, objects, 'one answer per manifest object');
  });

  it('the least-privilege RBAC of contrib/kubernetes/rbac.yaml: denied before it (403, with the hint), leader and publishing with it', async () => {
    const ns = 'rbac';
    await createNamespace(admin.core, ns);
    await pod(ns, 'r-1', 3);
    await createService(admin.core, ns, 'granted', { type: 'NodePort', labels: labeled('granted'), selector: { app: 'web' } });
    const limited = {
      kubernetes: { auth: 'kubeconfig', kubeconfig: server.readonlyKubeconfigPath },
      leader_election: { enabled: true, namespace: ns, lease_duration: '3s', renew_deadline: '2s', retry_period: '500ms' },
    };

    // "HTTP 403", as muster logs an API status: a bare /403/ also matched a port such as 40335.
    const forbidden = /\bHTTP 403\b/;
    const denied = await controller(ns, limited, { start: false });
    await waitFor('a 403 in the log', () => Promise.resolve(forbidden.test(denied.log())), 30_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}:\n${denied.log().slice(-3000)}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal((await denied.get('/readyz')).status, 503, 'not ready without the grants');
    const deniedLog = denied.log();
    await denied.stop();

    // The manifest's roles, bound to the test's limited user instead of the ServiceAccount.
    const subjects: RbacV1Subject[] = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: server.readonlyUser }];
    for (const doc of parseAllDocuments(await readFile(join(contrib, 'rbac.yaml'), 'utf8'))) {
      const object = doc.toJS() as { kind?: string; metadata: Record<string, unknown> };
      const namespaced = { ...object, metadata: { ...object.metadata, namespace: ns } };
      switch (object.kind) {
        case 'ClusterRole':
          await admin.rbac.createClusterRole({ body: object });
          break;
        case 'ClusterRoleBinding':
          await admin.rbac.createClusterRoleBinding({ body: { ...(object as unknown as V1ClusterRoleBinding), subjects } });
          break;
        case 'Role':
          await admin.rbac.createNamespacedRole({ namespace: ns, body: namespaced });
          break;
        case 'RoleBinding':
          await admin.rbac.createNamespacedRoleBinding({ namespace: ns, body: { ...(namespaced as unknown as V1RoleBinding), subjects } });
          break;
        case 'ServiceAccount':
          break; // the subjects are the test's user
        default:
          assert.fail(`rbac.yaml holds a ${String(object.kind)}`);
      }
    }
    // The authorizer reads RBAC through an informer: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const kd = await controller(ns, limited);
    await waitFor('the limited controller leads', async () => (await kd.state()).leader, 15_000);
    await waitFor('granted A', async () => (await dig(`granted.${ZONE}`)).join() === '10.0.0.3', 15_000);
    const lease = await admin.coordination.readNamespacedLease({ namespace: ns, name: 'muster-kube-dns' });
    assert.ok(lease.spec?.holderIdentity, 'the Lease names its holder');
    assert.doesNotMatch(kd.log(), forbidden, 'nothing forbidden with the manifest\'s grants');
    assert.equal(await kd.stop(), 0);
    // Checked last, so that the grants above are tested even when this fails.
    assert.match(deniedLog, /contrib\/kubernetes\/rbac\.yaml/, `the 403 in the log names the fix; got:\n${deniedLog.split('\n').filter((line) => forbidden.test(line)).slice(0, 4).join('\n')}`);
  });

  it('a LoadBalancer Service: an ingress IP is an A record, an ingress host name a CNAME', async () => {
    const ns = 'lb';
    await createNamespace(admin.core, ns);
    await createService(admin.core, ns, 'lb', { type: 'LoadBalancer', labels: labeled('lb'), selector: { app: 'web' } });
    const kd = await controller(ns, {});
    await setLoadBalancerIngress(admin.core, ns, 'lb', [{ ip: '198.51.100.10' }]);
    await waitFor('lb A', async () => (await dig(`lb.${ZONE}`)).join() === '198.51.100.10', 15_000);
    await setLoadBalancerIngress(admin.core, ns, 'lb', [{ hostname: 'lb-1.elb.example.net' }]);
    await waitFor('lb CNAME', async () => (await dig(`lb.${ZONE}`, 'CNAME')).join() === 'lb-1.elb.example.net.', 15_000);
    const atLb = (await bind.axfr()).filter((set) => set.name === `lb.${ZONE}`);
    assert.deepEqual(atLb.map((set) => `${set.type} ${set.values.join(',')}`), ['CNAME lb-1.elb.example.net.'], 'the A record gave way to the CNAME');
    assert.equal(await kd.stop(), 0);
  });

  it('--once --dry-run prints the plan and writes nothing; --check on the README INI prints the mapped config, its notices, and no secret', async () => {
    const ns = 'dryrun';
    await createNamespace(admin.core, ns);
    await pod(ns, 'dry-1', 1);
    await createService(admin.core, ns, 'dry', { type: 'NodePort', labels: labeled('dry'), selector: { app: 'web' } });
    const reportFile = join(dir, 'dry-report.json');
    const config = await writeConfig(ns, { report: { file: reportFile } });
    const { command, args } = musterInvocation();
    const zoneBefore = await bind.axfr();
    const dry = await runProgram(command, [...args, 'kube-dns', '-c', config, '--once', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^would create .*dry\.kube\.muster\.test\./m, `the plan; got:\n${dry.stdout}`);
    assert.doesNotMatch(dry.stdout, /^(create|update|delete) /m, 'every line is a "would"');
    assert.deepEqual(await bind.axfr(), zoneBefore, 'the zone is untouched');
    assert.deepEqual(await dig(`dry.${ZONE}`), []);
    assert.equal(existsSync(reportFile), false, 'no report written');

    const ini = join(dir, 'check.ini');
    await writeFile(ini, README_EXAMPLE);
    const secret = 'abcdefghijk12334677246';
    const check = await runProgram(command, [...args, 'kube-dns', '-c', ini, '--check']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, new RegExp(`^# ${ini.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(kuberoute-ini\\): valid$`, 'm'));
    assert.match(check.stdout, /type: coredns-etcd/);
    assert.match(check.stdout, /http:\/\/etcd\.server\.url:2379/);
    assert.match(check.stdout, /auth: in-cluster/);
    assert.match(check.stderr, /^notice: .*namespace is read as namespaces/m);
    assert.match(check.stderr, /^notice: .*take_over/m);
    assert.ok(!(check.stdout + check.stderr).includes(secret), 'the [route53] secret is not shown');
    const json = await runProgram(command, [...args, 'kube-dns', '-c', ini, '--check', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const shown = JSON.parse(json.stdout) as { format: string; notices: string[]; config: { dns: { provider: { type: string } } } };
    assert.equal(shown.format, 'kuberoute-ini');
    assert.equal(shown.config.dns.provider.type, 'coredns-etcd');
    assert.ok(!(json.stdout + json.stderr).includes(secret), 'nor in --json');
  });
});
