import { clock } from '@hitboard/runtime';
/**
 * The speed pipeline writes each window's exact totals per shard (the sketch's N for units and
 * revenue cents; orders and distinct products are not known exactly: NULL) to window_totals in the
 * transaction that writes its speed_table rows, and deletes them with the window. Read through
 * the real `top_totals` view. A window the batch layer covered gets no rows back, even when it
 * was covered after the pipeline's last check (the check runs inside the write transaction).
 */
import { IntervalRegistry } from '@hitboard/time';
import { CHANNEL_ALL, TABLES, VIEWS } from '@hitboard/schema';
import { ShardState } from '../src/shard-state';
import { SpeedStore } from '../src/speed-store';
import { flushOf, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const H7 = Date.parse('2026-11-22T07:00:00Z');
const DAY = Date.parse('2026-11-22T00:00:00Z');

describe('window totals', () => {
  const s = useScenario();
  const totals = async (interval: string, windowStartMs: number) =>
    s.db.knex(VIEWS.topTotals).where({ interval, window_start: new Date(windowStartMs) }).select('source', 'units', 'revenue_cents', 'orders', 'products');

  it('are written per shard with the rows, summed by top_totals, and deleted with a covered window', async () => {
    const run = await s.startFake(TOPIC);
    run.fake.join([0, 1]);
    await run.fake.deliver(0, 0, flushOf(0, 0, 9, [{ productId: 'a', minuteStartMs: H7 + 60_000, units: 3, revenueCents: 301 }, { productId: 'b', minuteStartMs: H7 + 120_000, units: 4, revenueCents: 55 }]));
    await run.fake.deliver(1, 0, flushOf(1, 0, 9, [{ productId: 'c', minuteStartMs: H7 + 60_000, units: 10, revenueCents: 1000 }]));
    await run.pipeline.writeAll();

    expect(await totals('hour', H7)).toEqual([{ source: 'speed', units: 17n, revenue_cents: 1356n, orders: null, products: null }]);
    const perShard = await s.db.knex(TABLES.windowTotals).where({ interval: 'hour', window_start: new Date(H7), channel: CHANNEL_ALL }).orderBy('shard').select('source', 'shard', 'units', 'revenue_cents');
    expect(perShard).toEqual([
      { source: 'speed', shard: 0, units: 7n, revenue_cents: 356n },
      { source: 'speed', shard: 1, units: 10n, revenue_cents: 1000n },
    ]);

    // More sales replace the shard's totals (not add to them).
    await run.fake.deliver(0, 2, flushOf(0, 10, 19, [{ productId: 'a', minuteStartMs: H7 + 180_000, units: 1, revenueCents: 100 }]));
    await run.pipeline.writeAll();
    expect(await totals('hour', H7)).toEqual([{ source: 'speed', units: 18n, revenue_cents: 1456n, orders: null, products: null }]);

    await s.db.knex(TABLES.rollupRuns).insert({ interval: 'hour', window_start: new Date(H7), status: 'succeeded', finished_at: clock.date() });
    await run.pipeline.writeAll();
    // Every channel's totals go with the window.
    const left = await s.db.knex(TABLES.windowTotals).where({ interval: 'hour', window_start: new Date(H7), source: 'speed' }).count<[{ count: bigint }]>({ count: '*' });
    expect(left[0]?.count).toBe(0n);
    expect(await totals('day', DAY)).toEqual([{ source: 'speed', units: 18n, revenue_cents: 1456n, orders: null, products: null }]);
  });

  it('skip, inside the write transaction, a window that was covered after the last check', async () => {
    const options = { registry: IntervalRegistry.standard('UTC'), topk: { eps: 1e-3, delta: 0.01, seed: 1, capacity: 50 }, horizonMs: 48 * 3_600_000 };
    const state = new ShardState(options);
    flushOf(0, 0, 9, [{ productId: 'a', minuteStartMs: H7 + 60_000, units: 3 }]).forEach((r, i) => state.apply(r, BigInt(i), clock.now()));
    const write = state.takeWrite(1000); // the pipeline checked coverage before this: nothing covered yet
    await s.db.knex(TABLES.rollupRuns).insert({ interval: 'hour', window_start: new Date(H7), status: 'succeeded', finished_at: clock.date() });

    const result = await new SpeedStore(s.db.knex, TOPIC).write(0, write);
    expect(result.coveredInTx).toEqual([{ interval: 'hour', windowStart: new Date(H7) }]);
    // No row of any channel.
    const hourRows = await s.db.knex(TABLES.speedTable).where({ interval: 'hour', window_start: new Date(H7) }).count<[{ count: bigint }]>({ count: '*' });
    expect(hourRows[0]?.count).toBe(0n);
    const hourTotals = await s.db.knex(TABLES.windowTotals).where({ interval: 'hour', window_start: new Date(H7) }).count<[{ count: bigint }]>({ count: '*' });
    expect(hourTotals[0]?.count).toBe(0n);
    const dayRows = await s.db.knex(TABLES.speedTable).where({ interval: 'day', window_start: new Date(DAY), channel: CHANNEL_ALL }).select('product_id', 'units');
    expect(dayRows).toEqual([{ product_id: 'a', units: 3n }]);
    // The state learns it, so the next write drops its blob.
    expect(state.markCovered(result.coveredInTx)).toBe(1);
  });
});
