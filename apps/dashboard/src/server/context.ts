import 'server-only';
import { createDb } from '@hitboard/db-client';
import { createLogger, type Logger } from '@hitboard/runtime';
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
    holder[KEY] = { config, logger, data, movers: new MoversData(db) };
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
