import { hasBind9, startBind9, type Bind9 } from './bind9.js';
import { hasKubeApiServer, startKubeApiServer, type KubeApiServer } from './kube-apiserver.js';

/** The zone and the three Nodes both kube-dns test files publish into and from. */
export const ZONE = 'kube.muster.test.';
export const NODES = [
  { name: 'node-1', internalIP: '10.0.0.1', externalIP: '203.0.113.1' },
  { name: 'node-2', internalIP: '10.0.0.2', externalIP: '203.0.113.2' },
  { name: 'node-3', internalIP: '10.0.0.3', externalIP: '203.0.113.3' },
] as const;

/** Node n (1-based). */
export const nodeOf = (n: number): (typeof NODES)[number] => NODES[n - 1] ?? NODES[0];

/** Why the kube-dns tests cannot run here, or false. */
export async function kubeDnsSkipReason(): Promise<string | false> {
  if (!(await hasKubeApiServer())) return 'needs etcd and a kube-apiserver (or Go to build one)';
  if (!(await hasBind9())) return 'needs BIND 9 (named) and dig';
  return false;
}

/**
 * The API server and BIND both kube-dns test files start, together. When one fails to start, the
 * other is stopped before the error is thrown: a kube-apiserver left running (the suite's after
 * hook never learns of it) kept the test file's process alive for ever.
 */
export async function startApiServerAndBind(): Promise<{ server: KubeApiServer; bind: Bind9 }> {
  const [server, bind] = await Promise.allSettled([startKubeApiServer(), startBind9({ zone: ZONE })]);
  if (server.status === 'fulfilled' && bind.status === 'fulfilled') return { server: server.value, bind: bind.value };
  await Promise.all([server.status === 'fulfilled' ? server.value.stop() : undefined, bind.status === 'fulfilled' ? bind.value.stop() : undefined]);
  throw server.status === 'rejected' ? server.reason : (bind as PromiseRejectedResult).reason;
}
