import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DockerEngine } from './docker-engine.js';

/**
 * The seed's node-down for a worker: `docker swarm leave`, through the Engine API. A manager
 * never leaves here (it could cost the managers their quorum: the swarm step removes managers
 * under its lock); no socket, or no swarm, is a log line and nothing else.
 */
export async function leaveSwarmIfWorker(docker: DockerEngine, logger: Logger): Promise<'left' | 'skipped'> {
  if (!docker.present()) {
    logger.info({ socket: docker.socketPath }, 'agent.leave_swarm_on_stop: no Docker socket, nothing to leave');
    return 'skipped';
  }
  try {
    const info = await docker.swarmInfo();
    if (info.state !== 'active' && info.state !== 'pending') {
      logger.info({ state: info.state }, 'agent.leave_swarm_on_stop: this engine is in no swarm');
      return 'skipped';
    }
    if (info.isManager) {
      logger.warn({ nodeId: info.nodeId }, 'agent.leave_swarm_on_stop: this node is a swarm manager, which never leaves on stop (it could cost the managers their quorum)');
      return 'skipped';
    }
    await docker.leaveSwarm();
    logger.info({ nodeId: info.nodeId }, 'left the swarm');
    return 'left';
  } catch (error) {
    logger.warn({ error: describeError(error) }, 'could not leave the swarm');
    return 'skipped';
  }
}
