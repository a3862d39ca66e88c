import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isMusterError } from '../core/errors.js';
import { EngineClient } from './engine-client.js';

// A loopback server on a unix socket that answers as the Docker engine does (JSON errors as {"message": …}).
describe('Docker Engine API client', () => {
  let dir: string;
  let socket: string;
  let server: Server;
  const seen: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-engine-'));
    socket = join(dir, 'docker.sock');
    server = createServer((request, response) => {
      seen.push(`${request.method ?? ''} ${request.url ?? ''}`);
      if (request.url === '/v1.41/info') {
        response.setHeader('content-type', 'application/json').end(JSON.stringify({ Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null } }));
      } else if (request.url === '/v1.41/swarm') {
        response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'This node is not a swarm manager.' }));
      } else response.writeHead(500).end('boom');
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('calls the versioned API over the socket and reads the swarm section of /info', async () => {
    const info = await new EngineClient({ socket }).info();
    assert.equal(info.LocalNodeState, 'inactive');
    assert.deepEqual(seen.at(-1), 'GET /v1.41/info');
  });

  it('names the socket and the call in every error, with the engine\'s own message; a refusal is not retried', async () => {
    const error = await new EngineClient({ socket }).swarm().catch((caught: unknown) => caught);
    assert.ok(isMusterError(error));
    assert.equal(error.message, `swarm: Docker engine ${socket}: GET /swarm: 503 This node is not a swarm manager.`);
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.retryable, false);
  });

  it('an engine that is not there is retryable and the hint says which socket to check', async () => {
    const missing = join(dir, 'none.sock');
    const error = await new EngineClient({ socket: missing }).info().catch((caught: unknown) => caught);
    assert.ok(isMusterError(error));
    assert.match(error.message, new RegExp(`Docker engine ${missing}: GET /info: ENOENT`));
    assert.equal(error.retryable, true);
    assert.match(error.hint ?? '', /swarm\.socket/);
  });
});
