import { clock } from '@hitboard/runtime';
/**
 * Per channel (issue 27): each shard writes, beside its overall rows and totals (channel 'all'),
 * every channel's top rows (estimated by that channel's own sketch, with its own bound) and exact
 * totals, replaces them at every write and deletes them with a covered window. Read through the
 * real `channel_top_1000` and `channel_totals` views (migration 0019), which sum the shards and
 * rank within the channel. The consumer is a fake; the pipeline and Postgres are real.
 */
import { CHANNEL_ALL, TABLES, VIEWS } from '@hitboard/schema';
import { channelSketchParams } from '../src/shard-state';
import { flushOf, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const H7 = Date.parse('2026-11-22T07:00:00Z');
const DAY = Date.parse('2026-11-22T00:00:00Z');
/** The scenario pipelines' sketch (support.ts): a channel's has CHANNEL_EPS_FACTOR times its eps. */
const TOPK = { eps: 1e-3, delta: 0.01, seed: 1, capacity: 200 };
const boundOf = (eps: number, n: number) => Math.ceil((Math.E / Math.ceil(Math.E / eps)) * n);

describe('per-channel speed rows and totals', () => {
  const s = useScenario();
  const top = async (windowStartMs: number, channel: string, interval = 'hour') =>
    s.db
      .knex('channel_top_1000')
      .where({ interval, window_start: new Date(windowStartMs), channel, metric: 'units' })
      .orderBy('rank')
      .select('rank', 'product_id', 'units', 'revenue_cents', 'source', 'error_bound');
  const totals = async (windowStartMs: number, interval = 'hour') =>
    Object.fromEntries(
      (
        await s.db
          .knex('channel_totals')
          .where({ interval, window_start: new Date(windowStartMs) })
          .select<Array<{ channel: string; source: string; units: bigint; revenue_cents: bigint }>>('channel', 'source', 'units', 'revenue_cents')
      ).map((t) => [t.channel, [t.source, t.units, t.revenue_cents]]),
    );

  it('are written per shard, ranked within the channel, summed to the overall, replaced, and deleted with a covered window', async () => {
    const run = await s.startFake(TOPIC);
    run.fake.join([0, 1]);
    const m = (k: number) => H7 + k * 60_000;
    await run.fake.deliver(0, 0, flushOf(0, 0, 9, [
      { productId: 'a', minuteStartMs: m(1), units: 5, revenueCents: 500, channel: 'web' },
      { productId: 'b', minuteStartMs: m(1), units: 3, revenueCents: 900, channel: 'app' },
      { productId: 'a', minuteStartMs: m(1), units: 2, revenueCents: 200, channel: 'app' },
    ]));
    await run.fake.deliver(1, 0, [
      ...flushOf(1, 0, 9, [
        { productId: 'a', minuteStartMs: m(2), units: 4, revenueCents: 400, channel: 'web' },
        { productId: 'c', minuteStartMs: m(2), units: 7, revenueCents: 70, channel: 'store' },
      ]),
      // Published before channels: no channel field, counted as 'unknown'.
      Buffer.from(JSON.stringify({ flushId: 'p1-10-19', sourcePartition: 1, firstOffset: '10', lastOffset: '19', minuteStartMs: m(3), productId: 'd', units: 1, revenueCents: 10, orders: 1 })),
    ]);
    await run.pipeline.writeAll();

    // Overall, as before: a leads with 11 units; the bound is the overall sketch's, per shard, summed.
    expect((await s.db.knex(VIEWS.top1000).where({ interval: 'hour', window_start: new Date(H7), metric: 'units' }).orderBy('rank').select('product_id', 'units')).map((r) => [r.product_id, r.units])).toEqual([
      ['a', 11n],
      ['c', 7n],
      ['b', 3n],
      ['d', 1n],
    ]);
    // Within app, b (3) ranks above a (2), whatever a sold elsewhere. Each channel's bound is its own sketch's eps times its own N, per shard.
    const epsC = channelSketchParams(TOPK).eps;
    expect(await top(H7, 'app')).toEqual([
      { rank: 1, product_id: 'b', units: 3n, revenue_cents: 900n, source: 'speed', error_bound: BigInt(boundOf(epsC, 5)) },
      { rank: 2, product_id: 'a', units: 2n, revenue_cents: 200n, source: 'speed', error_bound: BigInt(boundOf(epsC, 5)) },
    ]);
    expect(await top(H7, 'web')).toEqual([{ rank: 1, product_id: 'a', units: 9n, revenue_cents: 900n, source: 'speed', error_bound: BigInt(boundOf(epsC, 5) + boundOf(epsC, 4)) }]);
    // By revenue the bounds part clearly: a channel's eps is wider, its N smaller than the shard's.
    const revenueBound = async (channel: string) =>
      (await s.db.knex('channel_top_1000').where({ interval: 'hour', window_start: new Date(H7), channel, metric: 'revenue' }).first<{ error_bound: bigint }>('error_bound'))?.error_bound;
    expect(await revenueBound('app')).toBe(BigInt(boundOf(epsC, 1100)));
    expect(await revenueBound('web')).toBe(BigInt(boundOf(epsC, 500) + boundOf(epsC, 400)));
    expect(await revenueBound(CHANNEL_ALL)).toBe(BigInt(boundOf(TOPK.eps, 1600) + boundOf(TOPK.eps, 480)));
    expect((await top(H7, 'unknown')).map((r) => [r.product_id, r.units])).toEqual([['d', 1n]]);
    expect(await top(H7, 'marketplace')).toEqual([]);
    const t = await totals(H7);
    expect(t).toEqual({
      all: ['speed', 22n, 2080n],
      web: ['speed', 9n, 900n],
      app: ['speed', 5n, 1100n],
      store: ['speed', 7n, 70n],
      unknown: ['speed', 1n, 10n],
    });
    // Per-channel rows of each shard, beside its overall ones: the table itself says which channel.
    const rowsOf = async (channel: string) =>
      s.db.knex(TABLES.speedTable).where({ interval: 'hour', window_start: new Date(H7), channel }).orderBy(['shard', 'product_id']).select('shard', 'product_id', 'units');
    expect(await rowsOf('web')).toEqual([
      { shard: 0, product_id: 'a', units: 5n },
      { shard: 1, product_id: 'a', units: 4n },
    ]);
    expect((await rowsOf(CHANNEL_ALL)).length).toBe(5); // a, b on shard 0; a, c, d on shard 1

    // More sales replace the shard's channel rows and totals (not add to them).
    await run.fake.deliver(0, 3, flushOf(0, 10, 19, [{ productId: 'a', minuteStartMs: m(4), units: 1, revenueCents: 100, channel: 'web' }]));
    await run.pipeline.writeAll();
    expect((await top(H7, 'web')).map((r) => [r.product_id, r.units])).toEqual([['a', 10n]]);
    expect((await totals(H7)).web).toEqual(['speed', 10n, 1000n]);
    expect((await totals(H7)).all).toEqual(['speed', 23n, 2180n]);

    // Covered by the batch layer: every channel's speed rows and totals of the window go; a late record brings none back.
    await s.db.knex(TABLES.rollupRuns).insert({ interval: 'hour', window_start: new Date(H7), status: 'succeeded', finished_at: clock.date() });
    await run.pipeline.writeAll();
    await run.fake.deliver(0, 4, flushOf(0, 20, 29, [{ productId: 'e', minuteStartMs: m(5), units: 2, revenueCents: 20, channel: 'web' }]));
    await run.pipeline.writeAll();
    const count = async (table: string) => (await s.db.knex(table).where({ interval: 'hour', window_start: new Date(H7) }).count<[{ count: bigint }]>({ count: '*' }))[0]?.count;
    expect([await count(TABLES.speedTable), await count(TABLES.windowTotals)]).toEqual([0n, 0n]);
    expect((await totals(DAY, 'day')).web).toEqual(['speed', 12n, 1020n]);
    expect((await top(DAY, 'web', 'day')).map((r) => [r.product_id, r.units])).toEqual([
      ['a', 10n],
      ['e', 2n],
    ]);
  });
});
