import { MusterError } from '../../core/errors.js';
import type { BootStepModule } from '../step.js';

/**
 * Create or safely join the cluster (it discovers again as part of its own retry loop: the
 * membership may have changed while DNS was written); on a worker (etcd.mode gateway or
 * grpc-proxy), point the local proxy at the members instead.
 */
export const etcdStep: BootStepModule = {
  name: 'etcd',
  configured: () => true,
  async run({ config, platform, logger, dryRun }) {
    if (config.etcd.mode !== 'member') {
      const { configureProxy } = await import('../../etcd/proxy.js');
      const proxy = await configureProxy(config, logger, dryRun);
      return { lines: [`${proxy.mode} in front of cluster ${proxy.clusterId}: ${proxy.endpoints.join(', ')}`, `etcd ${proxy.args.join(' ')}`, ...proxy.changes] };
    }
    const { formEtcd } = await import('../../etcd/form.js');
    let etcd;
    try {
      etcd = await formEtcd({ config, platform, logger, dryRun });
    } catch (error) {
      // A first boot's dry run: the pki step has not written the certificates the https probes present.
      if (!(dryRun && error instanceof MusterError && error.code === 'ETCD_TLS_FILES')) throw error;
      return { lines: [`peers not probed: ${error.message}; the pki step writes the certificates when this is not a dry run`] };
    }
    const { decision } = etcd;
    return {
      etcd,
      lines: [
        `${decision.action}${'clusterId' in decision ? ` cluster ${decision.clusterId}` : ''}`,
        ...decision.reasons.map((reason) => `because ${reason}`),
        ...etcd.membership.map((step) => `membership: ${step}`),
        ...etcd.changes,
      ],
    };
  },
};
