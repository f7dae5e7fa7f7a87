import 'server-only';
import { createDb } from '@hitboard/db-client';
import { Histogram, type Registry } from 'prom-client';
import { createLogger, createMetricsRegistry, type Logger } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/schema';
import { loadDashboardConfig, readerUrl, type DashboardConfig } from '../config';
import { DashboardData } from './data';
import { MoversData } from './movers';

/**
 * The server process's one set of resources, created on first use (at request time, never at
 * build time): config, logger, the reader's connection pool and the data module.
 */
export interface DashboardContext {
  config: DashboardConfig;
  logger: Logger;
  data: DashboardData;
  /** The "Rising now" panel and /api/movers. */
  movers: MoversData;
  /** Prometheus registry served at /api/metrics: process metrics and API request durations. */
  metrics: Registry;
  requestSeconds: Histogram<'route' | 'status'>;
}

// On globalThis so Next's dev-mode module reloads and the route bundles share one pool.
const KEY = Symbol.for('hitboard.dashboard.context');
type Holder = { [KEY]?: DashboardContext };

export function dashboardContext(): DashboardContext {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    const config = loadDashboardConfig();
    const logger = createLogger('dashboard', config.LOG_LEVEL);
    const db = createDb(readerUrl(config.DATABASE_URL, config.HITBOARD_READER_PASSWORD), {
      pool: { min: 0, max: config.DASHBOARD_DB_POOL_MAX },
      applicationName: 'hitboard-dashboard',
    });
    const registry = IntervalRegistry.standard(config.REPORTING_TIME_ZONE);
    const data = new DashboardData(db, registry, {
      liveCacheMs: config.DASHBOARD_CACHE_MS,
      exactCacheMs: config.DASHBOARD_CACHE_MS === 0 ? 0 : 60_000,
    });
    const metrics = createMetricsRegistry('dashboard');
    const requestSeconds = new Histogram({
      name: 'dashboard_api_request_seconds',
      help: 'API request duration by route and HTTP status',
      labelNames: ['route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [metrics],
    });
    holder[KEY] = { config, logger, data, movers: new MoversData(db), metrics, requestSeconds };
    logger.info({ timeZone: registry.timeZone, intervals: registry.names() }, 'dashboard data ready');
  }
  return holder[KEY];
}

/** Drops the context (tests switch databases between files); the caller destroys nothing else. */
export async function resetDashboardContext(): Promise<void> {
  const holder = globalThis as Holder;
  const current = holder[KEY];
  delete holder[KEY];
  await current?.data.destroy();
}
