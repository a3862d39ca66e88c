import { request } from 'node:http';
import { MusterError } from '../core/errors.js';
import type { EngineNode, EngineSwarm, EngineSwarmInfo } from './engine-types.js';

/** Docker 20.10's API version: every call names it, so a newer engine answers as 20.10 would. */
export const ENGINE_API_VERSION = 'v1.41';

export interface EngineClientOptions {
  /** The engine's unix socket, e.g. /var/run/docker.sock. */
  socket: string;
  /** Deadline of one call. `swarm init` and `swarm join` wait for raft, so they get longer. */
  callTimeoutMs?: number;
}

/**
 * The Docker Engine API calls the swarm step makes, over the engine's unix socket with node:http
 * (no client library: ten documented calls). Every error names the socket and the call, and says
 * whether trying again can help.
 */
export class EngineClient {
  readonly socket: string;
  private readonly callTimeoutMs: number;

  constructor(options: EngineClientOptions) {
    this.socket = options.socket;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
  }

  async info(): Promise<EngineSwarmInfo> {
    const info = await this.call<{ Swarm?: EngineSwarmInfo }>('GET', '/info');
    if (!info.Swarm) throw this.failure('GET /info', 'the answer has no Swarm section', false);
    return info.Swarm;
  }

  /** `docker swarm init`; returns the new node id. */
  async init(request: { ListenAddr: string; AdvertiseAddr: string }): Promise<string> {
    return this.call<string>('POST', '/swarm/init', { ...request, ForceNewCluster: false }, 60_000);
  }

  /** `docker swarm join`: swarmkit dials RemoteAddrs[0] only, so callers try one address at a time. */
  async join(request: { ListenAddr: string; AdvertiseAddr: string; RemoteAddrs: string[]; JoinToken: string }): Promise<void> {
    await this.call<unknown>('POST', '/swarm/join', request, 60_000);
  }

  async swarm(): Promise<EngineSwarm> {
    return this.call<EngineSwarm>('GET', '/swarm');
  }

  /** `docker swarm join-token --rotate` for both roles, against the spec version read just before. */
  async rotateJoinTokens(swarm: EngineSwarm): Promise<void> {
    await this.call<unknown>('POST', `/swarm/update?version=${swarm.Version.Index}&rotateWorkerToken=true&rotateManagerToken=true`, swarm.Spec);
  }

  async nodes(): Promise<EngineNode[]> {
    return this.call<EngineNode[]>('GET', '/nodes');
  }

  /** `docker node demote`: the same spec with Role worker, against the version read just before. */
  async demote(node: EngineNode): Promise<void> {
    await this.call<unknown>('POST', `/nodes/${encodeURIComponent(node.ID)}/update?version=${node.Version.Index}`, { ...node.Spec, Role: 'worker' });
  }

  /** `docker node rm --force`. */
  async removeNode(id: string): Promise<void> {
    await this.call<unknown>('DELETE', `/nodes/${encodeURIComponent(id)}?force=true`);
  }

  private call<T>(method: string, path: string, body?: unknown, timeoutMs = this.callTimeoutMs): Promise<T> {
    const what = `${method} ${path.split('?')[0] ?? path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socket,
          // A connection per call: a kept-alive socket would hold the process open after the step is done.
          agent: false,
          method,
          path: `/${ENGINE_API_VERSION}${path}`,
          headers: { host: 'docker', ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
          timeout: timeoutMs,
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve((text.trim() === '' ? undefined : JSON.parse(text)) as T);
              } catch (error) {
                reject(this.failure(what, `the answer is not JSON: ${text.slice(0, 200)}`, false, error));
              }
              return;
            }
            reject(this.failure(what, `${status} ${engineMessage(text)}`, status >= 500 && !/not a swarm manager|already part of a swarm/i.test(text), undefined, status));
          });
          response.on('error', (error) => reject(this.failure(what, error.message, true, error)));
        },
      );
      let timedOut = false;
      req.on('timeout', () => {
        timedOut = true;
        req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)}s`));
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(timedOut ? this.failure(what, error.message, true, error, undefined, SILENT_HINT) : this.failure(what, error.code ? `${error.code}: ${error.message}` : error.message, true, error)),
      );
      req.end(payload);
    });
  }

  private failure(what: string, detail: string, retryable: boolean, cause?: unknown, status?: number, hint?: string): EngineCallError {
    return new EngineCallError(`swarm: Docker engine ${this.socket}: ${what}: ${detail}`, {
      code: 'SWARM_ENGINE_CALL',
      kind: 'unavailable',
      retryable,
      ...(cause === undefined ? {} : { cause }),
      hint: hint ?? (status === undefined
        ? `is dockerd running with -H unix://${this.socket}? (swarm.socket names the socket; systemctl status docker)`
        : `the engine refused ${what}; see journalctl -u docker on this node`),
    }, status);
  }
}

// A swarm call that hangs is most often a manager waiting for a raft quorum that is gone.
const SILENT_HINT = 'the engine took the call but did not answer: a manager whose swarm has lost the quorum of its managers hangs on swarm calls (docker node ls hangs too); bring managers back, or see journalctl -u docker';

/** An engine call that failed; `status` is the HTTP status when the engine answered at all. */
export class EngineCallError extends MusterError {
  readonly status: number | undefined;
  constructor(message: string, options: ConstructorParameters<typeof MusterError>[1], status: number | undefined) {
    super(message, options);
    this.status = status;
  }
}

/** The engine's errors are `{"message": "…"}`; anything else is shown as it came, shortened. */
function engineMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 300);
}
