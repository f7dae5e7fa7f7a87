/**
 * The dashboard's two listeners, in one process: the app port (every request through the access gate,
 * then Next) and the ops port (`/metrics`, `/healthz`: libs/runtime's ops server, open, like every
 * other app's). Next runs in this process (a custom server), so nothing reaches it around the gate.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram } from 'prom-client';
import { createDb } from '@hitboard/db-client';
import { IntervalRegistry } from '@hitboard/time';
import { checkDeploymentSettings, ConfigError, describeMismatch, startOpsServer, type Health, type Logger, type OpsServer } from '@hitboard/runtime';
import { readAccessFile, type AccessFile } from '@hitboard/access';
import { AccessGate, type RefusalReason } from './access/access-gate';
import { Credentials } from './access/credentials';
import { SessionCookie } from './access/session-cookie';
import { readerUrl, type ServerConfig } from './config';
import { dashboardMetrics } from './server/metrics-registry';
import { catalogCategories } from './server/catalog-categories';
import { holdStatus, pageStatus } from './page-status';

export interface DashboardServer {
  port: number;
  opsPort: number;
  close(): Promise<void>;
}

/** The access file, checked once at start: a problem is a configuration error naming the variable. */
export function loadAccess(config: ServerConfig): AccessFile {
  try {
    return readAccessFile(config.DASHBOARD_ACCESS_FILE);
  } catch (err) {
    throw new ConfigError('dashboard', [`DASHBOARD_ACCESS_FILE: ${(err as Error).message}`]);
  }
}

const HEALTH_TIMEOUT_MS = 3000;

export async function startDashboardServer(config: ServerConfig, options: { appDir: string; distDir: string; logger: Logger }): Promise<DashboardServer> {
  const { logger } = options;
  const access = loadAccess(config);
  const registry = dashboardMetrics();
  const requestSeconds = new Histogram({
    name: 'dashboard_request_seconds',
    help: 'request duration on the app port by route (pages and API; "other" for anything Next has no route for) and HTTP status',
    labelNames: ['route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'dashboard_access_refused_total',
    help: 'requests the access gate refused, by reason (no-credentials, bad-token, bad-cookie, bad-password, cross-origin, upgrade, too-many-attempts)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const gate = new AccessGate({
    credentials: new Credentials(access),
    cookie: new SessionCookie(config.DASHBOARD_SESSION_SECRET, config.DASHBOARD_SESSION_HOURS * 3_600_000),
    onRefused: (reason: RefusalReason) => refused.inc({ reason }),
  });
  const routes = knownRoutes(options.distDir);

  // Loaded here, not at the top: React picks its production build from NODE_ENV when first required.
  (process.env as Record<string, string>)['NODE_ENV'] = 'production';
  const { default: next } = await import('next');
  // Next hooks its WebSocket handler onto the server of the first request it handles (or `httpServer`): that
  // handler never passes the access gate and leaves an unknown path's socket open for ever. A production
  // dashboard serves no WebSocket, so Next gets an emitter that never fires and the app port refuses upgrades.
  const app = next({ dev: false, dir: options.appDir, hostname: config.DASHBOARD_HOST, port: config.PORT, customServer: true, httpServer: new EventEmitter() as Server });
  await app.prepare();
  const handle = app.getRequestHandler();

  // Health (the reader can query the database: what every page and API answer needs) and the page status's categories.
  const db = createDb(readerUrl(config.DATABASE_URL, config.HITBOARD_READER_PASSWORD), { pool: { min: 0, max: 2 }, applicationName: 'hitboard-dashboard-health' });
  // A page's query is judged here too (the same lib/params), so a bad link answers 400 or 404, not 200 (src/page-status.ts).
  const intervals = IntervalRegistry.standard(config.REPORTING_TIME_ZONE);
  const categories = async (): Promise<string[] | null> => {
    try {
      return await catalogCategories(db);
    } catch (err) {
      logger.error({ err }, 'categories failed: the page decides'); // as the page does: it logs and shows its own state
      return null;
    }
  };

  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const pathname = (req.url ?? '/').split('?')[0]!;
    res.once('finish', () => {
      const route = routes.has(pathname) ? pathname : 'other';
      requestSeconds.observe({ route, status: String(res.statusCode) }, (performance.now() - started) / 1000);
    });
    void (async () => {
      try {
        if (!(await gate.handle(req, res))) return;
        const status = await pageStatus(new URL(req.url ?? '/', 'http://dashboard.invalid'), intervals, categories);
        if (status !== null) holdStatus(res, status);
        await handle(req, res);
      } catch (err) {
        logger.error({ err, path: pathname }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ error: 'internal error' }));
      }
    })();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => refuseUpgrade(req, socket, () => refused.inc({ reason: 'upgrade' })));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.DASHBOARD_HOST, resolve);
  });

  // The reporting zone must be the one the rollups were built in (deployment_settings): a dashboard in
  // another zone would label every day, week and month wrongly. Said on /healthz and logged once.
  let mismatchLogged = false;
  const health = async (): Promise<Health> => {
    try {
      const mismatches = await Promise.race([
        checkDeploymentSettings(db, { REPORTING_TIME_ZONE: config.REPORTING_TIME_ZONE }, { app: 'dashboard', record: false }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS).unref()),
      ]);
      if (mismatches.length === 0) return { ok: true };
      const details = mismatches.map(describeMismatch);
      if (!mismatchLogged) logger.error({ mismatches: details }, 'deployment settings disagree with the database: windows would be drawn in the wrong zone');
      mismatchLogged = true;
      return { ok: false, error: `deployment settings disagree with the database: ${details.join('; ')}` };
    } catch (err) {
      logger.error({ err }, 'health check: the database does not answer');
      return { ok: false, database: 'unreachable' };
    }
  };
  let ops: OpsServer;
  try {
    ops = await startOpsServer({ port: config.OPS_PORT, host: config.OPS_HOST, registry, health });
  } catch (err) {
    server.close();
    await db.destroy();
    throw err;
  }
  logger.info({ port: (server.address() as AddressInfo).port, opsPort: ops.port, users: access.users.length, tokens: access.tokens.length }, 'dashboard listening; /metrics and /healthz on the ops port');

  return {
    port: (server.address() as AddressInfo).port,
    opsPort: ops.port,
    close: async () => {
      await ops.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await app.close();
      await db.destroy();
    },
  };
}

/**
 * Every upgrade request (WebSocket or any other protocol), signed in or not: the dashboard serves none, so it
 * is answered and closed at once, before the gate or Next could keep the socket.
 */
export function refuseUpgrade(_req: IncomingMessage, socket: Duplex, onRefused: () => void): void {
  onRefused();
  socket.on('error', () => undefined); // a client that already hung up is no error of ours
  const body = 'no upgrades served here\n';
  const head = ['HTTP/1.1 404 Not Found', 'connection: close', 'content-type: text/plain; charset=utf-8', 'cache-control: no-store', `content-length: ${Buffer.byteLength(body)}`];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

/** The paths Next serves (its build's route manifest: `/`, `/api/top`, …): the request metric's route label, bounded. */
function knownRoutes(distDir: string): Set<string> {
  const manifest = path.join(distDir, 'app-path-routes-manifest.json');
  if (!existsSync(manifest)) return new Set();
  return new Set(Object.values(JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>));
}
