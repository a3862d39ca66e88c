import { join, resolve } from 'node:path';

/** Where everything of one sandbox lives: one directory per simulated node, used as its root. */
export interface SandboxLayout {
  dir: string;
  /** The group's DNS zone directory, shared by every node (see bootNode). */
  zoneDir: string;
  /** The sandbox CA (`muster ca init`) and the operator's etcdctl client certificate (admin.pem). */
  caDir: string;
  nodeRoot(name: string): string;
  nodeConfig(name: string): string;
  nodeLog(name: string): string;
  nodePid(name: string): string;
}

export function sandboxLayout(dir: string): SandboxLayout {
  const absolute = resolve(dir);
  const nodeRoot = (name: string): string => join(absolute, name);
  return {
    dir: absolute,
    zoneDir: join(absolute, 'zones'),
    caDir: join(absolute, 'ca'),
    nodeRoot,
    nodeConfig: (name) => join(nodeRoot(name), 'etc', 'muster', 'muster.yaml'),
    nodeLog: (name) => join(nodeRoot(name), 'var', 'log', 'muster-etcd.log'),
    nodePid: (name) => join(nodeRoot(name), 'run', 'muster', 'etcd-wrapper.pid'),
  };
}
