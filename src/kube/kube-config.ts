import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { MusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { KubernetesAccess } from './config-schema.js';

/**
 * The API server and credentials, by kuberoute's three kinds: the pod's service account, a
 * kubeconfig file, or a bare URL (kuberoute's kubernetes_url; muster adds an optional token).
 */
export interface KubeAccess {
  kubeConfig: KubeConfig;
  server: string;
  /** The namespace the service account lives in (in-cluster), for the Lease. */
  namespace: string | undefined;
}

export function kubeAccess(access: KubernetesAccess, logger: Logger, env: NodeJS.ProcessEnv = process.env): KubeAccess {
  const kubeConfig = new KubeConfig();
  let namespace: string | undefined;
  try {
    switch (access.auth) {
      case 'in-cluster': {
        const host = env['KUBERNETES_SERVICE_HOST'];
        const port = env['KUBERNETES_SERVICE_PORT'];
        if (host === undefined || port === undefined) {
          throw new MusterError('kube-dns: kubernetes.auth in-cluster, but KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are not set: this is not a pod', {
            code: 'KUBE_ACCESS',
            kind: 'config',
            hint: 'run it in the cluster (contrib/kubernetes/), or set kube_dns.kubernetes.auth: kubeconfig or url',
          });
        }
        const dir = access.service_account_dir;
        const token = readRequired(join(dir, 'token'), 'the service account token');
        readRequired(join(dir, 'ca.crt'), 'the service account CA');
        try {
          namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim();
        } catch {
          namespace = undefined;
        }
        const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
        kubeConfig.loadFromOptions({
          clusters: [{ name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
          users: [{ name: 'in-cluster', token }],
          contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', ...(namespace === undefined ? {} : { namespace }) }],
          currentContext: 'in-cluster',
        });
        break;
      }
      case 'kubeconfig': {
        const file = access.kubeconfig ?? env['KUBECONFIG']?.split(':')[0] ?? join(env['HOME'] ?? '/root', '.kube', 'config');
        readRequired(file, 'the kubeconfig');
        kubeConfig.loadFromFile(file);
        if (access.context !== undefined) {
          if (!kubeConfig.getContexts().some((context) => context.name === access.context)) {
            throw new MusterError(`kube-dns: ${file} has no context "${access.context}" (it has: ${kubeConfig.getContexts().map((context) => context.name).join(', ') || 'none'})`, {
              code: 'KUBE_ACCESS',
              kind: 'config',
              hint: 'fix kube_dns.kubernetes.context, or leave it out to use the current-context',
            });
          }
          kubeConfig.setCurrentContext(access.context);
        }
        namespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
        break;
      }
      case 'url': {
        const token = access.token_file === undefined ? undefined : readRequired(access.token_file, 'the token file').trim();
        if (!access.verify) logger.warn({ url: access.url }, 'kube-dns: TLS verification of the API server is off (kubernetes.verify: false)');
        kubeConfig.loadFromOptions({
          clusters: [{ name: 'url', server: access.url, skipTLSVerify: !access.verify, ...(access.ca_file === undefined ? {} : { caFile: access.ca_file }) }],
          users: [{ name: 'url', ...(token === undefined ? {} : { token }) }],
          contexts: [{ name: 'url', cluster: 'url', user: 'url' }],
          currentContext: 'url',
        });
        break;
      }
    }
  } catch (error) {
    if (error instanceof MusterError) throw error;
    throw new MusterError(`kube-dns: cannot load the Kubernetes access (${access.auth}): ${error instanceof Error ? error.message : String(error)}`, { code: 'KUBE_ACCESS', kind: 'config', hint: 'check kube_dns.kubernetes', cause: error });
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new MusterError('kube-dns: the kubeconfig names no cluster for its current context', { code: 'KUBE_ACCESS', kind: 'config', hint: 'set current-context, or kube_dns.kubernetes.context' });
  return { kubeConfig, server, namespace };
}

function readRequired(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new MusterError(`kube-dns: cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { code: 'KUBE_ACCESS', kind: 'config', hint: 'check the path in kube_dns.kubernetes', cause: error });
  }
}
