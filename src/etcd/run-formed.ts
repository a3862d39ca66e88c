import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { underRoot } from '../core/root-path.js';
import { mergeFlagsAndEnvironment, runEtcd } from './exec.js';
import type { FormReport } from './form.js';
import { promoteSelf } from './promote.js';
import { loadEtcdTls } from './tls.js';

/**
 * Runs etcd in the foreground with the environment a formation computed plus the caller's flags,
 * and promotes this node once it is in sync if it joined as a learner. Returns etcd's exit code.
 */
export async function runFormedEtcd(report: FormReport, config: Config, etcdBin: string, flags: readonly string[], logger: Logger): Promise<number> {
  // muster runs etcd itself here, so the data dir and the TLS files are the ones muster sees, under root.
  const environment = report.environment.map(([key, value]): [string, string] => [key, isPathVariable(key) ? underRoot(config.root, value) : value]);
  const tls = await loadEtcdTls(config);
  return runEtcd({
    binary: etcdBin,
    args: flags,
    environment: mergeFlagsAndEnvironment(environment, flags),
    onStarted: () => {
      logger.info({ member: report.self.name }, 'etcd started');
      if (!report.needsPromotion) return;
      promoteSelf({
        self: report.self,
        timeoutMs: config.etcd.timeout,
        callTimeoutMs: Math.max(2000, config.etcd.probe_timeout),
        probe: { timeoutMs: config.etcd.probe_timeout },
        tls,
        logger,
      }).then(
        (outcome) => logger.info({ outcome }, outcome === 'promoted' ? 'learner promoted to voting member' : 'already a voting member'),
        (error: unknown) => logger.error({ error: String(error) }, 'promotion failed; run `muster etcd promote` once etcd has caught up'),
      );
    },
  });
}

/** ETCD_DATA_DIR and every ETCD_*_FILE (certificates, keys, CAs) name files on the node. */
function isPathVariable(key: string): boolean {
  return key === 'ETCD_DATA_DIR' || key.endsWith('_FILE');
}
