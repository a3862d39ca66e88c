import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { underRoot } from '../core/root-path.js';
import { mergeFlagsAndEnvironment, runEtcd } from './exec.js';
import type { FormReport } from './form.js';
import { promoteSelf } from './promote.js';

/**
 * Runs etcd in the foreground with the environment a formation computed plus the caller's flags,
 * and promotes this node once it is in sync if it joined as a learner. Returns etcd's exit code.
 */
export function runFormedEtcd(report: FormReport, config: Config, etcdBin: string, flags: readonly string[], logger: Logger): Promise<number> {
  // muster runs etcd itself here, so the data dir is the one muster sees, under root.
  const environment = report.environment.map(([key, value]): [string, string] => [key, key === 'ETCD_DATA_DIR' ? underRoot(config.root, value) : value]);
  return runEtcd({
    binary: etcdBin,
    args: flags,
    environment: mergeFlagsAndEnvironment(environment, flags),
    onStarted: () => {
      if (!report.needsPromotion) return;
      promoteSelf({
        self: report.self,
        timeoutMs: config.etcd.timeout,
        callTimeoutMs: Math.max(2000, config.etcd.probe_timeout),
        probe: { timeoutMs: config.etcd.probe_timeout },
        logger,
      }).then(
        (outcome) => logger.info({ outcome }, outcome === 'promoted' ? 'learner promoted to voting member' : 'already a voting member'),
        (error: unknown) => logger.error({ error: String(error) }, 'promotion failed; run `muster etcd promote` once etcd has caught up'),
      );
    },
  });
}
