import 'server-only';
import { createDb } from '@hitboard/db-client';
import { Gauge } from 'prom-client';
import { createLogger, type Logger } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { openLakeStore, RangeSumsReader } from '@hitboard/lake';
import { loadDashboardConfig, readerUrl, type DashboardConfig } from '../config';
import { DashboardData } from './data';
import { dashboardMetrics } from './metrics-registry';
import { MoversData } from './movers';
import { RangeData } from './range-data';
import { ServingChanges } from './serving-changes';

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
  /** Any range [from, to): built tiles from the lake's rollup files, the rest from the speed layer. */
  ranges: RangeData;
  /** The lake reader behind `ranges` (closed with the context). */
  rangeReader: RangeSumsReader;
  /** The LISTEN connection that drops cached answers when a window changes (null when the cache is off). */
  changes: ServingChanges | null;
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
    // Cached answers live until the database announces a change to their window (ServingChanges), so
    // a closed exact window is kept long; a live one at most DASHBOARD_CACHE_MS as a second guard.
    let changes: ServingChanges | null = null;
    const data = new DashboardData(db, registry, {
      liveCacheMs: config.DASHBOARD_CACHE_MS,
      exactCacheMs: config.DASHBOARD_CACHE_MS === 0 ? 0 : 600_000,
      cacheable: () => changes?.listening ?? false,
    });
    if (config.DASHBOARD_CACHE_MS > 0) {
      changes = new ServingChanges(readerUrl(config.DATABASE_URL, config.HITBOARD_READER_PASSWORD), (change) => data.invalidate(change), logger);
      changes.start();
    }
    // The registry outlives a context (tests reset it between databases): this context's gauges replace the last one's.
    const metrics = dashboardMetrics();
    for (const name of ['dashboard_cache_answers', 'dashboard_serving_changes', 'dashboard_serving_changes_listening']) metrics.removeSingleMetric(name);
    new Gauge({
      name: 'dashboard_cache_answers',
      help: 'API answers since start by where they came from: the result cache (hit) or a query (miss)',
      labelNames: ['result'] as const,
      registers: [metrics],
      collect() {
        // Windows and ranges together (a range's cache is keyed by its tiles' build versions).
        const windows = data.cacheStats();
        const ranged = holder[KEY]?.ranges.cacheStats() ?? { hits: 0, misses: 0 };
        this.set({ result: 'hit' }, windows.hits + ranged.hits);
        this.set({ result: 'miss' }, windows.misses + ranged.misses);
      },
    });
    new Gauge({
      name: 'dashboard_serving_changes',
      help: 'changes to served windows announced by the database (NOTIFY) since start',
      registers: [metrics],
      collect() {
        this.set(changes?.heard ?? 0);
      },
    });
    new Gauge({
      name: 'dashboard_serving_changes_listening',
      help: '1 while the LISTEN connection is in place (the cache may answer), else 0',
      registers: [metrics],
      collect() {
        this.set(changes?.listening ? 1 : 0);
      },
    });
    const rangeReader = new RangeSumsReader(openLakeStore(config));
    const ranges = new RangeData(db, registry, rangeReader, {
      liveCacheMs: config.DASHBOARD_CACHE_MS,
      exactCacheMs: config.DASHBOARD_CACHE_MS === 0 ? 0 : 600_000,
    });
    holder[KEY] = { config, logger, data, movers: new MoversData(db), ranges, rangeReader, changes };
    logger.info({ timeZone: registry.timeZone, intervals: registry.names() }, 'dashboard data ready');
  }
  return holder[KEY];
}

/** Drops the context (tests switch databases between files); the caller destroys nothing else. */
export async function resetDashboardContext(): Promise<void> {
  const holder = globalThis as Holder;
  const current = holder[KEY];
  delete holder[KEY];
  await current?.changes?.stop();
  await current?.data.destroy();
  await current?.rangeReader.close();
}
