import { TABLES, VIEWS } from '@hitboard/schema';
import { runWindow } from '../src/rollup-task';
import { H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * The publish transaction both makes the batch rows visible and deletes the window's speed rows and
 * speed totals: a reader sees the estimate or the exact answer, never both and never neither. Proven
 * by failing that transaction at its last step (a trigger on the speed delete): then nothing of it
 * is visible, the speed estimate still serves.
 */
describe('speed rows of a covered window', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  const t0 = Date.parse('2026-02-14T05:00:00Z');

  // Overall speed rows and one channel's: the publish covers every channel of the window.
  async function seedSpeed(windowStart: Date) {
    await s.knex(TABLES.speedTable).insert([
      { interval: 'hour', window_start: windowStart, channel: 'all', shard: 0, product_id: 'p-0001', units: 999, revenue_cents: 99_900, error_bound: 5 },
      { interval: 'hour', window_start: windowStart, channel: 'all', shard: 1, product_id: 'p-0002', units: 5, revenue_cents: 500, error_bound: 5 },
      { interval: 'hour', window_start: windowStart, channel: 'web', shard: 0, product_id: 'p-0001', units: 999, revenue_cents: 99_900, error_bound: 5 },
    ]);
    await s.knex(TABLES.windowTotals).insert([
      { interval: 'hour', window_start: windowStart, channel: 'all', source: 'speed', shard: 0, units: 999, revenue_cents: 99_900, orders: 10, products: 1 },
      { interval: 'hour', window_start: windowStart, channel: 'all', source: 'speed', shard: 1, units: 5, revenue_cents: 500, orders: 1, products: 1 },
      { interval: 'hour', window_start: windowStart, channel: 'web', source: 'speed', shard: 0, units: 999, revenue_cents: 99_900, orders: 10, products: 1 },
    ]);
  }

  it('are gone in the transaction that made the batch rows visible', async () => {
    await writeFlush(s, randomCells(91, t0, t0 + H, 400, 20));
    await setWatermark(s, t0 + 2 * H);
    const w = s.registry.windowAt('hour', t0);
    await seedSpeed(w.start);
    expect(await s.knex(VIEWS.top1000).distinct('source').where({ interval: 'hour', window_start: w.start })).toEqual([{ source: 'speed' }]);

    // Fail the publish at its last statement: everything before it in the transaction must vanish too.
    await s.knex.raw(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused speed delete'; END $$`);
    await s.knex.raw(`CREATE TRIGGER refuse BEFORE DELETE ON ${TABLES.windowTotals} FOR EACH ROW WHEN (OLD.source = 'speed') EXECUTE FUNCTION refuse()`);
    await expect(runWindow(s.deps, w, 'scheduled')).rejects.toThrow(/refused speed delete/);
    expect(await s.knex(TABLES.batchTable).where({ interval: 'hour' })).toEqual([]);
    expect(await s.knex(TABLES.windowTotals).where({ source: 'batch' })).toEqual([]);
    expect(await s.knex(VIEWS.top1000).distinct('source').where({ interval: 'hour', window_start: w.start })).toEqual([{ source: 'speed' }]);
    expect((await runsOf(s, w)).map((r) => r.status)).toEqual(['failed']);

    await s.knex.raw('DROP TRIGGER refuse ON window_totals');
    await runWindow(s.deps, w, 'scheduled');
    expect(await s.knex(TABLES.speedTable).where({ interval: 'hour', window_start: w.start })).toEqual([]);
    // Batch totals only, overall and per channel (this lake's files are of the older shape: channel 'unknown').
    expect(await s.knex(TABLES.windowTotals).select('channel', 'source').where({ interval: 'hour', window_start: w.start }).orderBy('channel')).toEqual([
      { channel: 'all', source: 'batch' },
      { channel: 'unknown', source: 'batch' },
    ]);
    expect(await s.knex(VIEWS.top1000).distinct('source').where({ interval: 'hour', window_start: w.start })).toEqual([{ source: 'batch' }]);
    expect(await s.knex('channel_top_1000').distinct('channel', 'source').where({ interval: 'hour', window_start: w.start }).orderBy('channel')).toEqual([
      { channel: 'all', source: 'batch' },
      { channel: 'unknown', source: 'batch' },
    ]);
    expect(await s.knex(VIEWS.topTotals).select('source').where({ interval: 'hour', window_start: w.start })).toEqual([{ source: 'batch' }]);
  });

  it('of other windows are untouched', async () => {
    await writeFlush(s, randomCells(92, t0, t0 + H, 100, 10));
    await setWatermark(s, t0 + 2 * H);
    const next = s.registry.windowAt('hour', t0 + H);
    await seedSpeed(next.start);
    await runWindow(s.deps, s.registry.windowAt('hour', t0), 'scheduled');
    expect(await s.knex(TABLES.speedTable).count('* as n').where({ window_start: next.start }).first()).toEqual({ n: 3n });
  });
});
