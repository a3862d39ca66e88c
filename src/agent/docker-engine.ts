import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { MusterError, describeError } from '../core/errors.js';

/** What the agent needs of `GET /info`: the swarm node and whether it is a manager. */
export interface SwarmInfo {
  nodeId: string;
  state: string;
  isManager: boolean;
}

/**
 * The Docker Engine API over its unix socket (node:http with socketPath, no client library): the
 * two calls the agent makes. A missing socket is "no Docker here", not an error.
 */
export class DockerEngine {
  constructor(readonly socketPath: string, private readonly timeoutMs = 5000) {}

  present(): boolean {
    return existsSync(this.socketPath);
  }

  async swarmInfo(): Promise<SwarmInfo> {
    const { status, body } = await this.call('GET', '/info');
    if (status !== 200) throw this.failure('GET /info', `HTTP ${status}: ${body.slice(0, 200)}`);
    const info = JSON.parse(body) as { Swarm?: { NodeID?: string; LocalNodeState?: string; ControlAvailable?: boolean } };
    return { nodeId: info.Swarm?.NodeID ?? '', state: info.Swarm?.LocalNodeState ?? 'inactive', isManager: info.Swarm?.ControlAvailable === true };
  }

  /** `docker swarm leave` (without --force: the engine refuses for a manager, as it should). */
  async leaveSwarm(): Promise<void> {
    const { status, body } = await this.call('POST', '/swarm/leave');
    // 503: "node is not part of a swarm": nothing to leave.
    if (status !== 200 && status !== 503) throw this.failure('POST /swarm/leave', `HTTP ${status}: ${body.slice(0, 200)}`);
  }

  private call(method: string, path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method, timeout: this.timeoutMs, headers: { host: 'docker' } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', (error) => reject(this.failure(`${method} ${path}`, describeError(error))));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs}ms`)));
      req.on('error', (error) => reject(this.failure(`${method} ${path}`, describeError(error))));
      req.end();
    });
  }

  private failure(what: string, detail: string): MusterError {
    return new MusterError(`Docker Engine ${what} on ${this.socketPath}: ${detail}`, {
      code: 'DOCKER_ENGINE_FAILED',
      kind: 'unavailable',
      retryable: true,
      hint: 'check that dockerd runs and listens on agent.docker_socket',
    });
  }
}
