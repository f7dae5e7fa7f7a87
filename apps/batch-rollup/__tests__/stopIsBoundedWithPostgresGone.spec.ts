/**
 * Issue 29: SIGTERM mid-pass with Postgres gone left the scheduler running 28 s and more, until
 * SIGKILL. The real main.ts (a child process) is stopped while its catch-up pass is under way and its
 * database refuses every connection: it must exit 0 within its stop bound (its own path, not
 * runService's hard bound), say what it did not finish, and the next start must build every window
 * exactly (the runs table, not the stop, decides what is left to do).
 */
import { join } from 'node:path';
import { TABLES } from '@hitboard/schema';
import { databaseSwitch, startAppProcess, startTcpProxy, waitFor, type AppProcess } from '@hitboard/testkit';
import { batchRows, expectedWindow, H, randomCells, scenario, setWatermark, writeFlush, type Scenario } from './support';

const t0 = Date.parse('2026-02-10T00:00:00Z');
const HOURS = 24;

describe('a stop is bounded with Postgres gone', () => {
  let s: Scenario;
  const apps: AppProcess[] = [];
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()));
    await s.close();
  });

  const start = (name: string, databaseUrl = s.db.url) => {
    const app = startAppProcess({
      name,
      cwd: join(__dirname, '..'),
      args: ['src/main.ts'],
      env: { ...process.env, DATABASE_URL: databaseUrl, LAKE_DIR: s.lakeDir, TOPIC_EVENTS: s.topic, REPORTING_TIME_ZONE: 'UTC', OPS_PORT: '0', LOG_LEVEL: 'info', ROLLUP_CONCURRENCY: '1', STOP_BOUND_MS: '8000' },
    });
    apps.push(app);
    return app;
  };
  const succeededRuns = async () => Number((await s.knex(TABLES.rollupRuns).where({ status: 'succeeded' }).count<Array<{ count: string }>>('* as count'))[0]!.count);

  /**
   * Two ways to lose Postgres: the database refuses connections (quick errors), or its process is
   * stopped (a frozen proxy: connections and queries hang, the case the issue saw).
   */
  it.each(['refusing', 'hanging'] as const)('SIGTERM mid-pass with Postgres %s: exits 0 within the bound saying what it left; the next start builds every window exactly', async (how) => {
    const cells = randomCells(29, t0, t0 + HOURS * H, 40 * HOURS, 40);
    for (let h = 0; h < HOURS; h++) await writeFlush(s, cells.filter((c) => c.minuteStartMs >= t0 + h * H && c.minuteStartMs < t0 + (h + 1) * H));
    await setWatermark(s, t0 + (HOURS + 2) * H);

    const direct = new URL(s.db.url);
    const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const database = await databaseSwitch(s.db.name);
    try {
      const viaProxy = Object.assign(new URL(s.db.url), { port: String(proxy.port) }).toString();
      const first = start(`stopped while Postgres is ${how}`, viaProxy);
      await waitFor('the catch-up pass to have built a window', async () => (await succeededRuns()) > 0, 60_000);
      if (how === 'refusing') await database.set(false);
      else proxy.freeze();
      await first.stop();
      expect(await first.finished()).toEqual({ code: 0, signal: null });
      expect(first.output()).not.toMatch(/stop bound reached/);
      expect(first.output()).toMatch(/stop: the scheduler pass did not finish/);

      await database.set(true);
      const next = start('next start');
      const hours = Array.from({ length: HOURS }, (_, h) => s.registry.windowAt('hour', t0 + h * H));
      const day = s.registry.windowAt('day', t0);
      await waitFor('every hour and the day to be built', async () => {
        const built = await s.knex(TABLES.rollupRuns).where({ status: 'succeeded' }).whereIn('interval', ['hour', 'day']).countDistinct<Array<{ count: string }>>({ count: ['interval', 'window_start'] });
        return Number(built[0]!.count) === HOURS + 1;
      }, 120_000);
      for (const w of [...hours, day]) expect(await batchRows(s, w)).toEqual(expectedWindow(cells, w, new Map()).rows);
      await next.stop();
      expect(await next.finished()).toEqual({ code: 0, signal: null });
    } finally {
      await database.close();
      await proxy.close();
    }
  }, 240_000);
});
