import pino from 'pino';
import { createDb } from '@hitboard/db-client';
import { TABLES } from '@hitboard/schema';
import { RollupEngine } from '../src/rollup-engine';
import { runReadyWindows } from '../src/runner';
import { batchRows, expectedWindow, H, randomCells, scenario, setWatermark, writeFlush, type Scenario } from './support';

/** Two schedulers (own pools, own DuckDB) at once: the window locks mean every window is built once, none fails. */
describe('two schedulers at once', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  it('build each window exactly once between them', async () => {
    const t0 = Date.parse('2026-02-10T00:00:00Z');
    const cells = randomCells(61, t0, t0 + 12 * H, 6000, 100);
    await writeFlush(s, cells.slice(0, 3000), 0);
    await writeFlush(s, cells.slice(3000), 1);
    await setWatermark(s, t0 + 30 * H);
    const knex2 = createDb(s.db.url, { pool: { min: 0, max: 4 } });
    const engine2 = await RollupEngine.create(s.lakeDir, { threads: 1 });
    try {
      const [a, b] = await Promise.all([
        runReadyWindows(s.deps, { concurrency: 2, attempts: 1 }),
        runReadyWindows({ ...s.deps, knex: knex2, engine: engine2, log: pino({ level: 'silent' }) }, { concurrency: 2, attempts: 1 }),
      ]);
      expect(a.failed + b.failed).toBe(0);
      expect(a.succeeded + b.succeeded).toBe(13); // 12 hours and their day (the week and month are not closed)
      const perWindow = await s.knex(TABLES.rollupRuns).select('interval', 'window_start').count('* as n').groupBy('interval', 'window_start');
      expect(perWindow).toHaveLength(13);
      for (const row of perWindow) expect(row.n).toBe(1n);
      const day = s.registry.windowAt('day', t0);
      expect(await batchRows(s, day)).toEqual(expectedWindow(cells, day, new Map()).rows);
    } finally {
      engine2.close();
      await knex2.destroy();
    }
  });
});
