import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runProgram, waitForExit } from '../../src/core/process.js';
import { startStaticEtcd, type RunningEtcd } from './etcd-process.js';
import { etcdctl, waitFor } from './etcdctl.js';
import { loopbackPrefix } from './loopback.js';

/**
 * A real Kubernetes API server (kube-apiserver 1.20.2, built from Debian's `kubernetes` source by
 * scripts/build-kube-apiserver.sh into a cache outside the checkout) on its own loopback address
 * (PREFIX.1, a fresh 127.x.y.0/24), backed by its own one-member etcd on the same address
 * (test/support/etcd-process.ts). No kubelet, scheduler or controller manager runs: Nodes and Pods
 * are made through the API and their `status` set by hand (test/support/kube-objects.ts).
 *
 * - TLS: a fresh CA (caFile) signs the serving certificate for PREFIX.1, 127.0.0.1 and localhost,
 *   so clients verify it for real.
 * - Authentication: a static token file. `token` is `muster-admin` in system:masters;
 *   `readonlyToken` is `muster-kube-dns` in no group at all (only system:authenticated, which
 *   RBAC's bootstrap policy lets do discovery and nothing else) — grant it a ClusterRole to test
 *   the controller's RBAC needs.
 * - Authorization: RBAC only (the bootstrap roles exist once /readyz answers).
 * - Watch cache off by default (`--watch-cache=false`), so watches read etcd and compact() really
 *   makes an older resourceVersion `410 Gone`; `watchCache: true` serves watches from the cache
 *   instead (as real clusters do), where compaction alone does not expire resourceVersions.
 * - Admission: ServiceAccount is off (nothing would create the `default` service account a Pod
 *   needs). Namespaces are never finalized (no controller manager): deleting one leaves it
 *   Terminating.
 * All state is in a temp dir (`dir`), removed by stop(); the server's log is `logFile` there.
 */
export interface KubeApiServerOptions {
  /** The /24 to use (PREFIX.1 is the address); a fresh one by default. */
  prefix?: string;
  /** The secure port on PREFIX.1; 6443 by default (the address is this server's own). */
  port?: number;
  /** Serve watches and lists from the apiserver's watch cache, as real clusters do (default false). */
  watchCache?: boolean;
  /**
   * More kube-apiserver flags (`--name=value`). E.g. `--min-request-timeout=2` makes the server
   * end every watch after 2–4 s (default 1800–3600 s), so a client resumes from its last
   * resourceVersion soon: after a compact(), client-node's informer then gets the 410 and lists again.
   */
  extraArgs?: readonly string[];
  /** How long to wait for /readyz at each start (default 90 s: 2 busy cores). */
  readyTimeoutMs?: number;
}

export interface KubeApiServer {
  /** https://PREFIX.1:PORT */
  url: string;
  host: string;
  port: number;
  /** PEM file of the CA that signed the serving certificate: what a client must trust. */
  caFile: string;
  /** Bearer token of `muster-admin` (group system:masters). */
  token: string;
  /** Bearer token of the user `muster-kube-dns`, in no group: RBAC allows it nothing until bound. */
  readonlyToken: string;
  /** The user name of readonlyToken, for RoleBinding / ClusterRoleBinding subjects. */
  readonlyUser: string;
  /** Kubeconfig (context `muster-test`) with the CA, the server and the admin token. */
  kubeconfigPath: string;
  /** The same with the `muster-kube-dns` token (context `muster-test`). */
  readonlyKubeconfigPath: string;
  /** The apiserver's etcd: `endpoints` is http://PREFIX.1:2379. */
  etcd: RunningEtcd;
  dir: string;
  /** stdout and stderr of every start of the apiserver, appended. */
  logFile: string;
  /** How long the last start took, spawn to /readyz 200. */
  lastStartMs: number;
  /** The last lines of logFile. */
  logTail(lines?: number): Promise<string>;
  /**
   * Stops the apiserver process only, leaving etcd and every object in place: SIGTERM, and
   * SIGKILL 2 s later if it has not exited (an open watch keeps a SIGTERMed 1.20 apiserver
   * running: Go's http.Server.Shutdown waits for it), or `{ kill: true }`: SIGKILL at once.
   * Open watches then end with node-fetch's "Premature close".
   */
  stopServer(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same address, port, etcd and credentials; resolves at /readyz. */
  startServer(): Promise<void>;
  /** stopServer() then startServer(): "the API server restarted mid-watch". */
  restart(options?: { kill?: boolean }): Promise<void>;
  /**
   * Compacts the apiserver's etcd at its current revision and returns that revision: every
   * resourceVersion older than it is gone, so a watch from one gets 410 Gone (watch cache off).
   */
  compact(): Promise<number>;
  /** Stops the apiserver and etcd and removes the temp dir. */
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const buildScript = join(root, 'scripts', 'build-kube-apiserver.sh');

let built: Promise<string> | undefined;

/** The binary's path, built (≈5 min, once per machine) by scripts/build-kube-apiserver.sh. */
export function kubeApiServerBinary(): Promise<string> {
  built ??= runProgram('bash', [buildScript]).then((result) => {
    if (result.code !== 0) throw new Error(`scripts/build-kube-apiserver.sh failed (${result.code}):\n${result.stderr.split('\n').slice(-30).join('\n')}`);
    return result.stdout.trim().split('\n').at(-1) ?? '';
  });
  built.catch(() => (built = undefined));
  return built;
}

/** The API server can run: its binary is built, or Go is there to build it (and etcd to back it). */
export async function hasKubeApiServer(): Promise<boolean> {
  try {
    if ((await runProgram('etcd', ['--version'])).code !== 0) return false;
  } catch {
    return false;
  }
  for (const cache of [process.env['MUSTER_CACHE_DIR'], '/var/cache/muster-test', join(process.env['HOME'] ?? '/root', '.cache', 'muster')]) {
    if (cache === undefined) continue;
    try {
      await access(join(cache, 'kube-apiserver-1.20.2', 'kube-apiserver'), constants.X_OK);
      return true;
    } catch {
      // not built there
    }
  }
  try {
    return (await runProgram('go', ['version'])).code === 0;
  } catch {
    return false;
  }
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const binary = await kubeApiServerBinary();
  const prefix = options.prefix ?? loopbackPrefix();
  const host = `${prefix}.1`;
  const port = options.port ?? 6443;
  const url = `https://${host}:${port}`;
  const dir = await mkdtemp(join(tmpdir(), 'muster-kube-apiserver-'));
  let etcd: RunningEtcd | undefined;
  try {
    const pki = await makePki(dir, host);
    const token = randomBytes(24).toString('hex');
    const readonlyToken = randomBytes(24).toString('hex');
    const readonlyUser = 'muster-kube-dns';
    const tokenFile = join(dir, 'tokens.csv');
    // token,user,uid[,"group1,group2"]
    await writeFile(tokenFile, `${token},muster-admin,uid-muster-admin,"system:masters"\n${readonlyToken},${readonlyUser},uid-muster-kube-dns\n`, { mode: 0o600 });
    const kubeconfigPath = join(dir, 'kubeconfig');
    const readonlyKubeconfigPath = join(dir, 'kubeconfig-muster-kube-dns');
    await writeFile(kubeconfigPath, kubeconfig(url, pki.caFile, 'muster-admin', token), { mode: 0o600 });
    await writeFile(readonlyKubeconfigPath, kubeconfig(url, pki.caFile, readonlyUser, readonlyToken), { mode: 0o600 });

    const startedEtcd = await startStaticEtcd({ prefix, size: 1 });
    etcd = startedEtcd;
    // Nor its etcd, if the test process ends without stop() (an uncaught error).
    for (const member of startedEtcd.processes) {
      const killOnExit = (): void => void member.kill('SIGKILL');
      process.once('exit', killOnExit);
      member.once('exit', () => process.removeListener('exit', killOnExit));
    }
    await waitFor('the apiserver etcd', async () => (await etcdctl(startedEtcd.endpoints, ['endpoint', 'health'])).code === 0, 30_000);

    const logFile = join(dir, 'kube-apiserver.log');
    const args = [
      `--etcd-servers=${startedEtcd.endpoints}`,
      `--bind-address=${host}`,
      `--advertise-address=${host}`,
      `--secure-port=${port}`,
      '--insecure-port=0',
      `--cert-dir=${join(dir, 'cert-dir')}`,
      `--tls-cert-file=${pki.certFile}`,
      `--tls-private-key-file=${pki.keyFile}`,
      `--client-ca-file=${pki.caFile}`,
      '--service-cluster-ip-range=10.96.0.0/24',
      '--service-node-port-range=30000-32767',
      `--service-account-issuer=${url}`,
      `--service-account-key-file=${pki.saKeyFile}`,
      `--service-account-signing-key-file=${pki.saKeyFile}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=RBAC',
      '--anonymous-auth=false',
      // The `kubernetes` Endpoints may not hold a loopback address: its reconciler would only log errors.
      '--endpoint-reconciler-type=none',
      '--disable-admission-plugins=ServiceAccount',
      `--watch-cache=${options.watchCache === true ? 'true' : 'false'}`,
      '--profiling=false',
      '--logtostderr=true',
      '--v=1',
      ...(options.extraArgs ?? []),
    ];
    const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
    const ca = await readFile(pki.caFile, 'utf8');
    let child: ChildProcess | undefined;

    const logTail = async (lines = 40): Promise<string> =>
      (await readFile(logFile, 'utf8').catch(() => ''))
        .split('\n')
        .slice(-lines - 1)
        .join('\n');

    const stopServer = async (stopOptions: { kill?: boolean } = {}): Promise<void> => {
      const running = child;
      child = undefined;
      if (!running) return;
      await stopChild(running, stopOptions.kill === true ? 0 : 2_000);
    };

    const server: KubeApiServer = {
      url,
      host,
      port,
      caFile: pki.caFile,
      token,
      readonlyToken,
      readonlyUser,
      kubeconfigPath,
      readonlyKubeconfigPath,
      etcd: startedEtcd,
      dir,
      logFile,
      lastStartMs: 0,
      logTail,
      stopServer,
      startServer: async () => {
        if (child) return;
        const started = Date.now();
        const fd = openSync(logFile, 'a');
        let spawned: ChildProcess;
        try {
          spawned = spawn(binary, args, { stdio: ['ignore', fd, fd] });
        } finally {
          closeSync(fd);
        }
        child = spawned;
        // If the test process ends without stop(), the apiserver must not outlive it.
        const killOnExit = (): void => void spawned.kill('SIGKILL');
        process.once('exit', killOnExit);
        spawned.once('exit', () => process.removeListener('exit', killOnExit));
        let spawnError: Error | undefined;
        spawned.once('error', (error) => (spawnError = error));
        const deadline = started + readyTimeoutMs;
        let last: string;
        for (;;) {
          if (spawnError || spawned.exitCode !== null || spawned.signalCode !== null) {
            child = undefined;
            throw new Error(`kube-apiserver exited before it was ready (${spawnError?.message ?? spawned.signalCode ?? spawned.exitCode}):\n${await logTail()}`);
          }
          try {
            const ready = await httpsGet(new URL('/readyz', url), ca, token);
            if (ready.status === 200) break;
            last = `HTTP ${ready.status}: ${ready.body}`;
          } catch (error) {
            last = (error as Error).message;
          }
          if (Date.now() > deadline) {
            await stopServer();
            throw new Error(`kube-apiserver was not ready within ${readyTimeoutMs} ms (last /readyz: ${last}):\n${await logTail()}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        server.lastStartMs = Date.now() - started;
      },
      restart: async (restartOptions = {}) => {
        await server.stopServer(restartOptions);
        await server.startServer();
      },
      compact: async () => {
        const status = await etcdctl(startedEtcd.endpoints, ['endpoint', 'status', '-w', 'json']);
        if (status.code !== 0) throw new Error(`etcdctl endpoint status failed: ${status.stderr}`);
        const revision = Number((JSON.parse(status.stdout) as { Status?: { header?: { revision?: number } } }[])[0]?.Status?.header?.revision);
        if (!Number.isInteger(revision) || revision <= 0) throw new Error(`no revision in etcdctl endpoint status: ${status.stdout}`);
        const compacted = await etcdctl(startedEtcd.endpoints, ['compact', String(revision), '--physical']);
        if (compacted.code !== 0 && !/already been compacted/.test(compacted.stderr)) throw new Error(`etcdctl compact ${revision} failed: ${compacted.stderr}`);
        return revision;
      },
      stop: async () => {
        await stopServer({ kill: true });
        await startedEtcd.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
    await server.startServer();
    return server;
  } catch (error) {
    await etcd?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Pki {
  caFile: string;
  certFile: string;
  keyFile: string;
  saKeyFile: string;
}

/** A CA, a serving certificate it signs for the server's address, and the service-account key. */
async function makePki(dir: string, host: string): Promise<Pki> {
  const file = (name: string): string => join(dir, name);
  const openssl = async (args: readonly string[]): Promise<void> => {
    const result = await runProgram('openssl', args);
    if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  };
  await writeFile(
    file('serving.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=IP:${host},IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc`,
      '',
    ].join('\n'),
  );
  await Promise.all([
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '7', '-subj', '/CN=muster-test-kube-ca']),
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('serving.key'), '-out', file('serving.csr'), '-subj', '/CN=kube-apiserver']),
    openssl(['genrsa', '-out', file('sa.key'), '2048']),
  ]);
  await openssl(['x509', '-req', '-in', file('serving.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('serving.crt'), '-days', '7', '-extfile', file('serving.ext')]);
  return { caFile: file('ca.crt'), certFile: file('serving.crt'), keyFile: file('serving.key'), saKeyFile: file('sa.key') };
}

function kubeconfig(server: string, caFile: string, user: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'muster-test', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'muster-test', context: { cluster: 'muster-test', user, namespace: 'default' } }],
    'current-context': 'muster-test',
  });
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  if (child.pid !== undefined && !(await waitForExit(child.pid, graceMs))) {
    child.kill('SIGKILL');
    await waitForExit(child.pid, 5_000);
  }
}

/** GET over TLS trusting only `ca`, with a bearer token. */
export function httpsGet(url: URL, ca: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ca, timeout: 5_000, headers: { authorization: `Bearer ${token}` } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.href}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}
