import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';

export interface Health {
  ok: boolean;
  [detail: string]: unknown;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** A registry with the process's default metrics, prefixed by app. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The endpoints every long-running app serves: Prometheus `/metrics` and `/healthz`
 * (200 when healthy, 503 otherwise, with the detail as JSON). Port 0 picks a free port.
 */
export async function startOpsServer(options: { port: number; host?: string; registry: Registry; health: () => Health | Promise<Health> }): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.url === '/metrics') {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(await options.registry.metrics());
        } else if (req.url === '/healthz') {
          const health = await options.health();
          res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify(health));
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found: try /metrics or /healthz\n');
        }
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${(err as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
