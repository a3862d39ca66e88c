import { hasBind9 } from './bind9.js';
import { hasKubeApiServer } from './kube-apiserver.js';

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
