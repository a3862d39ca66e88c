import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { KubeDnsController } from './controller.js';

/**
 * kube-dns's HTTP endpoints: Kubernetes probes (/healthz, /readyz), Prometheus (/metrics), what
 * the controller believes (/state), and kuberoute's own two: /health ("I am healthy") and GET /,
 * which in kuberoute ran the one sync there was (it had no loop; a cron job called it). Here the
 * controller syncs by itself, and GET / still runs one sync now and answers when it is done.
 */
export interface HttpServerOptions {
  controller: KubeDnsController;
  registry: Registry;
  isLeader: () => boolean;
  leaderName: () => string | undefined;
  host: string;
  port: number;
}

export function startHttpServer(options: HttpServerOptions): Promise<Server> {
  const { controller } = options;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'only GET\n');
    switch (url.pathname) {
      case '/healthz':
        return send(200, 'ok\n');
      case '/health':
        return send(200, 'I am healthy');
      case '/readyz':
        // Ready = the caches are filled: a leader can write, a standby can take over at once.
        return controller.isSynced ? send(200, `ok (${options.isLeader() ? 'leader' : 'standby'})\n`) : send(503, 'the Kubernetes watches have not synced yet\n');
      case '/metrics':
        options.registry
          .metrics()
          .then((text) => send(200, text, options.registry.contentType))
          .catch((error: unknown) => send(500, `${String(error)}\n`));
        return;
      case '/state':
        return send(200, `${JSON.stringify(controller.state(), null, 2)}\n`, 'application/json');
      case '/':
        if (!options.isLeader()) return send(200, `Standing by; the leader (${options.leaderName() ?? 'none yet'}) syncs.`);
        controller
          .sync('request')
          .then((result) => (result.errors.length === 0 ? send(200, 'Updated record sets.') : send(503, `Not every zone was updated:\n${result.errors.join('\n')}\n`)))
          .catch((error: unknown) => send(500, `${String(error)}\n`));
        return;
      default:
        return send(404, 'not found: /healthz /readyz /metrics /state /health /\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
