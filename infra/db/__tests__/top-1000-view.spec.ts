import type { Knex } from 'knex';
import { TABLES, TOP_N_STORED, VIEWS, type Metric } from '@hitboard/schema';
import { scratchDatabase, type ScratchDatabase } from './support/scratch-database';

interface ViewRow {
  interval: string;
  window_start: Date;
  metric: Metric;
  rank: number;
  product_id: string;
  units: bigint;
  revenue_cents: bigint;
  source: 'batch' | 'speed';
  error_bound: bigint;
  as_of: Date;
  category: string;
  category_rank: number | null;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

const HOUR = new Date('2024-05-01T10:00:00Z');
const NEXT_HOUR = new Date('2024-05-01T11:00:00Z');

interface SpeedRow {
  channel?: string;
  shard?: number;
  product_id: string;
  units: bigint;
  revenue_cents: bigint;
  error_bound?: bigint;
  revenue_error_bound?: bigint;
  updated_at?: Date;
  window_start?: Date;
  interval?: string;
}

const speed = (knex: Knex, rows: SpeedRow[]) =>
  knex(TABLES.speedTable).insert(
    rows.map((r) => ({
      interval: r.interval ?? 'hour',
      window_start: r.window_start ?? HOUR,
      channel: r.channel ?? 'all',
      shard: r.shard ?? 0,
      product_id: r.product_id,
      units: r.units,
      revenue_cents: r.revenue_cents,
      error_bound: r.error_bound ?? 0n,
      revenue_error_bound: r.revenue_error_bound ?? 0n,
      updated_at: r.updated_at ?? new Date('2024-05-01T10:30:00Z'),
    })),
  );

async function run(
  knex: Knex,
  status: 'running' | 'succeeded' | 'failed',
  finishedAt: Date | null,
  window: { interval?: string; window_start?: Date } = {},
): Promise<bigint> {
  const [row] = await knex(TABLES.rollupRuns)
    .insert({
      interval: window.interval ?? 'hour',
      window_start: window.window_start ?? HOUR,
      status,
      started_at: new Date('2024-05-01T11:05:00Z'),
      finished_at: finishedAt,
    })
    .returning<{ run_id: bigint }[]>('run_id');
  return (row as { run_id: bigint }).run_id;
}

const batch = (
  knex: Knex,
  runId: bigint,
  rows: {
    product_id: string;
    units: bigint;
    revenue_cents: bigint;
    rank_units: number | null;
    rank_revenue: number | null;
    window_start?: Date;
    channel?: string;
    category?: string;
    category_rank_units?: number | null;
    category_rank_revenue?: number | null;
  }[],
) =>
  knex(TABLES.batchTable).insert(
    rows.map((r) => ({ interval: 'hour', window_start: r.window_start ?? HOUR, orders: 1n, run_id: runId, ...r })),
  );

const top = (knex: Knex, metric: Metric, window_start = HOUR, interval = 'hour'): Promise<ViewRow[]> =>
  knex<ViewRow>(VIEWS.top1000).where({ interval, window_start, metric }).orderBy('rank');

describe('view top_1000', () => {
  let db: ScratchDatabase;
  beforeEach(async () => (db = await scratchDatabase({ migrated: true })));
  afterEach(() => db.drop());

  describe('a window without a succeeded rollup run', () => {
    it('serves speed rows ranked per metric by value desc, with that metric’s error bound', async () => {
      await speed(db.knex, [
        { product_id: 'a', units: 5n, revenue_cents: 900n, error_bound: 3n, revenue_error_bound: 40n },
        { product_id: 'b', units: 9n, revenue_cents: 100n, error_bound: 3n, revenue_error_bound: 40n },
        { product_id: 'c', units: 7n, revenue_cents: 500n, error_bound: 3n, revenue_error_bound: 40n },
      ]);
      const byUnits = await top(db.knex, 'units');
      expect(byUnits.map((r) => [r.rank, r.product_id, r.units])).toEqual([
        [1, 'b', 9n],
        [2, 'c', 7n],
        [3, 'a', 5n],
      ]);
      expect(byUnits.every((r) => r.source === 'speed' && r.error_bound === 3n)).toBe(true);

      const byRevenue = await top(db.knex, 'revenue');
      expect(byRevenue.map((r) => [r.rank, r.product_id, r.revenue_cents])).toEqual([
        [1, 'a', 900n],
        [2, 'c', 500n],
        [3, 'b', 100n],
      ]);
      expect(byRevenue.every((r) => r.source === 'speed' && r.error_bound === 40n)).toBe(true);
    });

    it('breaks ties by product_id in byte order, giving distinct ranks', async () => {
      // Byte order puts upper case first and '-' before digits, whatever the server's collation.
      await speed(db.knex, [
        { product_id: 'b', units: 4n, revenue_cents: 1n },
        { product_id: 'a', units: 4n, revenue_cents: 1n },
        { product_id: 'B', units: 4n, revenue_cents: 1n },
        { product_id: 'p10', units: 2n, revenue_cents: 1n },
        { product_id: 'p-2', units: 2n, revenue_cents: 1n },
      ]);
      expect((await top(db.knex, 'units')).map((r) => [r.rank, r.product_id])).toEqual([
        [1, 'B'],
        [2, 'a'],
        [3, 'b'],
        [4, 'p-2'],
        [5, 'p10'],
      ]);
      expect((await top(db.knex, 'revenue')).map((r) => r.product_id)).toEqual(['B', 'a', 'b', 'p-2', 'p10']);
    });

    it('sums a product’s rows across shards, adds their bounds, and reports the newest update as as_of', async () => {
      await speed(db.knex, [
        { shard: 0, product_id: 'a', units: 5n, revenue_cents: 50n, error_bound: 2n, revenue_error_bound: 20n, updated_at: new Date('2024-05-01T10:20:00Z') },
        { shard: 1, product_id: 'a', units: 6n, revenue_cents: 60n, error_bound: 3n, revenue_error_bound: 30n, updated_at: new Date('2024-05-01T10:40:00Z') },
        { shard: 1, product_id: 'b', units: 10n, revenue_cents: 100n, error_bound: 3n, revenue_error_bound: 30n, updated_at: new Date('2024-05-01T10:40:00Z') },
      ]);
      const rows = await top(db.knex, 'units');
      expect(rows.map((r) => ({ rank: r.rank, product_id: r.product_id, units: r.units, revenue_cents: r.revenue_cents, error_bound: r.error_bound, as_of: r.as_of }))).toEqual([
        { rank: 1, product_id: 'a', units: 11n, revenue_cents: 110n, error_bound: 5n, as_of: new Date('2024-05-01T10:40:00Z') },
        { rank: 2, product_id: 'b', units: 10n, revenue_cents: 100n, error_bound: 3n, as_of: new Date('2024-05-01T10:40:00Z') },
      ]);
      expect((await top(db.knex, 'revenue'))[0]).toMatchObject({ product_id: 'a', error_bound: 50n });
    });

    it('still serves speed rows while a rollup is running or after one failed', async () => {
      await speed(db.knex, [{ product_id: 'a', units: 1n, revenue_cents: 1n }]);
      await run(db.knex, 'running', null);
      await run(db.knex, 'failed', new Date('2024-05-01T11:06:00Z'));
      expect((await top(db.knex, 'units')).map((r) => r.source)).toEqual(['speed']);
    });

    it(`keeps the top ${TOP_N_STORED} per metric`, async () => {
      const n = TOP_N_STORED + 5;
      const rows = Array.from({ length: n }, (_, i) => ({
        product_id: `p${String(i).padStart(5, '0')}`,
        units: BigInt(i), // p00000 sells least by units…
        revenue_cents: BigInt(n - i), // …and most by revenue
      }));
      for (let i = 0; i < rows.length; i += 500) await speed(db.knex, rows.slice(i, i + 500));
      const byUnits = await top(db.knex, 'units');
      expect(byUnits).toHaveLength(TOP_N_STORED);
      expect(byUnits[0]?.product_id).toBe(`p${String(n - 1).padStart(5, '0')}`);
      expect(byUnits.at(-1)?.rank).toBe(TOP_N_STORED);
      const byRevenue = await top(db.knex, 'revenue');
      expect(byRevenue).toHaveLength(TOP_N_STORED);
      expect(byRevenue[0]?.product_id).toBe('p00000');
    });
  });

  describe('a window with a succeeded rollup run', () => {
    it('serves the batch rows, exact, as of the run’s finish, and hides that window’s speed rows', async () => {
      await speed(db.knex, [
        { product_id: 'a', units: 100n, revenue_cents: 100n, error_bound: 9n, revenue_error_bound: 9n },
        { product_id: 'z', units: 1n, revenue_cents: 1n },
      ]);
      const finishedAt = new Date('2024-05-01T11:07:00Z');
      const runId = await run(db.knex, 'succeeded', finishedAt);
      await batch(db.knex, runId, [
        { product_id: 'a', units: 98n, revenue_cents: 300n, rank_units: 1, rank_revenue: 2 },
        { product_id: 'b', units: 50n, revenue_cents: 400n, rank_units: 2, rank_revenue: 1 },
      ]);
      const byUnits = await top(db.knex, 'units');
      expect(byUnits).toEqual([
        { interval: 'hour', window_start: HOUR, metric: 'units', rank: 1, product_id: 'a', units: 98n, revenue_cents: 300n, source: 'batch', error_bound: 0n, as_of: finishedAt, category: '', category_rank: null },
        { interval: 'hour', window_start: HOUR, metric: 'units', rank: 2, product_id: 'b', units: 50n, revenue_cents: 400n, source: 'batch', error_bound: 0n, as_of: finishedAt, category: '', category_rank: null },
      ]);
      expect((await top(db.knex, 'revenue')).map((r) => [r.rank, r.product_id, r.source])).toEqual([
        [1, 'b', 'batch'],
        [2, 'a', 'batch'],
      ]);
    });

    it('prefers batch even when a later re-run is running or failed, as of the run that wrote the rows', async () => {
      const finishedAt = new Date('2024-05-01T11:07:00Z');
      const runId = await run(db.knex, 'succeeded', finishedAt);
      await batch(db.knex, runId, [{ product_id: 'a', units: 1n, revenue_cents: 1n, rank_units: 1, rank_revenue: 1 }]);
      await run(db.knex, 'failed', new Date('2024-05-01T12:00:00Z'));
      await run(db.knex, 'running', null);
      await speed(db.knex, [{ product_id: 'late', units: 5n, revenue_cents: 5n }]);
      expect(await top(db.knex, 'units')).toEqual([expect.objectContaining({ product_id: 'a', source: 'batch', as_of: finishedAt })]);
    });

    it(`serves a batch row only for the metrics it ranks within the top ${TOP_N_STORED} on`, async () => {
      const runId = await run(db.knex, 'succeeded', new Date('2024-05-01T11:07:00Z'));
      await batch(db.knex, runId, [
        { product_id: 'units-only', units: 9n, revenue_cents: 1n, rank_units: 1, rank_revenue: TOP_N_STORED + 1 },
        { product_id: 'revenue-only', units: 1n, revenue_cents: 9n, rank_units: null, rank_revenue: 1 },
      ]);
      expect((await top(db.knex, 'units')).map((r) => r.product_id)).toEqual(['units-only']);
      expect((await top(db.knex, 'revenue')).map((r) => r.product_id)).toEqual(['revenue-only']);
    });

    it('is an exact empty answer when the rollup found no sales, even if speed rows linger', async () => {
      await run(db.knex, 'succeeded', new Date('2024-05-01T11:07:00Z'));
      await speed(db.knex, [{ product_id: 'a', units: 1n, revenue_cents: 1n }]);
      expect(await top(db.knex, 'units')).toEqual([]);
    });
  });

  describe('categories', () => {
    it('serves a batch window’s per-category top from the stored category ranks, beyond the overall top too', async () => {
      const runId = await run(db.knex, 'succeeded', new Date('2024-05-01T11:07:00Z'));
      await batch(db.knex, runId, [
        { product_id: 'a', units: 9n, revenue_cents: 9n, rank_units: 1, rank_revenue: 1, category: 'toys', category_rank_units: 1, category_rank_revenue: 1 },
        { product_id: 'b', units: 5n, revenue_cents: 5n, rank_units: 2, rank_revenue: 2, category: 'food', category_rank_units: 1, category_rank_revenue: 1 },
        // Outside the overall top N, yet first in its category: still served for the category.
        { product_id: 'c', units: 1n, revenue_cents: 1n, rank_units: null, rank_revenue: null, category: 'books', category_rank_units: 1, category_rank_revenue: 1 },
      ]);
      const books = await db.knex<ViewRow>(VIEWS.top1000).where({ interval: 'hour', window_start: HOUR, metric: 'units', category: 'books' }).orderBy('category_rank');
      expect(books.map((r) => [r.product_id, r.rank, r.category_rank, r.source])).toEqual([['c', null, 1, 'batch']]);
      const overall = await db.knex<ViewRow>(VIEWS.top1000).where({ interval: 'hour', window_start: HOUR, metric: 'units' }).whereNotNull('rank').orderBy('rank');
      expect(overall.map((r) => r.product_id)).toEqual(['a', 'b']);
    });

    it('ranks a speed window within each catalog category (unknown products in category "")', async () => {
      await db.knex(TABLES.products).insert([
        { product_id: 'a', name: 'A', category: 'toys' },
        { product_id: 'b', name: 'B', category: 'toys' },
        { product_id: 'c', name: 'C', category: 'food' },
      ]);
      await speed(db.knex, [
        { product_id: 'a', units: 5n, revenue_cents: 1n },
        { product_id: 'b', units: 7n, revenue_cents: 1n },
        { product_id: 'c', units: 6n, revenue_cents: 1n },
        { product_id: 'x', units: 1n, revenue_cents: 1n },
      ]);
      const rows = await top(db.knex, 'units');
      expect(rows.map((r) => [r.rank, r.product_id, r.category, r.category_rank])).toEqual([
        [1, 'b', 'toys', 1],
        [2, 'c', 'food', 1],
        [3, 'a', 'toys', 2],
        [4, 'x', '', 1],
      ]);
    });
  });

  describe('view top_totals', () => {
    const totals = (knex: Knex) => knex(VIEWS.topTotals).where({ interval: 'hour', window_start: HOUR });
    const total = (source: 'batch' | 'speed', shard: number, units: bigint) => ({
      interval: 'hour', window_start: HOUR, source, shard, units, revenue_cents: units * 10n, orders: units, products: 2n, as_of: new Date('2024-05-01T10:30:00Z'),
    });

    it('sums the speed shards of a window without a succeeded run', async () => {
      await db.knex(TABLES.windowTotals).insert([total('speed', 0, 5n), total('speed', 1, 7n)]);
      expect(await totals(db.knex)).toEqual([expect.objectContaining({ source: 'speed', units: 12n, revenue_cents: 120n, orders: 12n, products: 4n })]);
    });

    it('serves the batch row once the window has a succeeded run', async () => {
      await db.knex(TABLES.windowTotals).insert([total('speed', 0, 5n), total('batch', -1, 11n)]);
      expect((await totals(db.knex)).map((r: { source: string }) => r.source)).toEqual(['speed']);
      await run(db.knex, 'succeeded', new Date('2024-05-01T11:07:00Z'));
      expect(await totals(db.knex)).toEqual([expect.objectContaining({ source: 'batch', units: 11n })]);
    });

    it('refuses a batch row for one shard, or a speed row for all shards', async () => {
      await expect(db.knex(TABLES.windowTotals).insert(total('batch', 0, 1n))).rejects.toThrow(/check constraint/);
      await expect(db.knex(TABLES.windowTotals).insert(total('speed', -1, 1n))).rejects.toThrow(/check constraint/);
    });
  });

  it('chooses the source per window and ranks each window on its own', async () => {
    const runId = await run(db.knex, 'succeeded', new Date('2024-05-01T11:07:00Z'));
    await batch(db.knex, runId, [{ product_id: 'a', units: 3n, revenue_cents: 3n, rank_units: 1, rank_revenue: 1 }]);
    await speed(db.knex, [
      { window_start: NEXT_HOUR, product_id: 'x', units: 2n, revenue_cents: 2n },
      { window_start: NEXT_HOUR, product_id: 'y', units: 1n, revenue_cents: 1n },
      { interval: 'day', window_start: new Date('2024-05-01T00:00:00Z'), product_id: 'y', units: 7n, revenue_cents: 7n },
    ]);
    expect((await top(db.knex, 'units')).map((r) => [r.rank, r.product_id, r.source])).toEqual([[1, 'a', 'batch']]);
    expect((await top(db.knex, 'units', NEXT_HOUR)).map((r) => [r.rank, r.product_id, r.source])).toEqual([
      [1, 'x', 'speed'],
      [2, 'y', 'speed'],
    ]);
    const day = await top(db.knex, 'units', new Date('2024-05-01T00:00:00Z'), 'day');
    expect(day.map((r) => [r.rank, r.product_id, r.source])).toEqual([[1, 'y', 'speed']]);
    const all = await db.knex(VIEWS.top1000).count<{ count: bigint }[]>({ count: '*' });
    expect(all[0]?.count).toBe(2n * 4n); // 4 (window, product) pairs × 2 metrics
  });

  it('reads one window through the primary keys: window filters reach every table', async () => {
    // Behaviour, not timing: with sequential scans discouraged, each table is reached by an index
    // condition on the window, which is only possible if the filter is pushed below the ranking.
    await db.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL enable_seqscan = off');
      const { rows } = await trx.raw<{ rows: { 'QUERY PLAN': unknown }[] }>(
        `EXPLAIN (FORMAT JSON) SELECT * FROM ${VIEWS.top1000} WHERE "interval" = 'hour' AND window_start = ? AND metric = 'units' ORDER BY rank LIMIT 10`,
        [HOUR],
      );
      const scans: PlanNode[] = [];
      const walk = (node: PlanNode) => {
        if (node['Relation Name']) scans.push(node);
        node.Plans?.forEach(walk);
      };
      walk((rows[0]?.['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
      for (const table of [TABLES.speedTable, TABLES.batchTable]) {
        const tableScans = scans.filter((n) => n['Relation Name'] === table);
        expect(tableScans.length).toBeGreaterThan(0);
        for (const scan of tableScans) expect(`${table}: ${scan['Index Cond'] ?? scan['Node Type']}`).toMatch(/window_start = /);
      }
    });
  });

  describe('view channel_top_1000 (0019)', () => {
    const channelTop = (knex: Knex, channel: string, metric: Metric, window_start = HOUR) =>
      knex<ViewRow & { channel: string }>('channel_top_1000').where({ interval: 'hour', window_start, channel, metric }).orderBy('rank');

    it('ranks a channel’s speed rows within the channel, summed over shards, apart from the overall rows and other channels', async () => {
      await speed(db.knex, [
        { product_id: 'a', units: 10n, revenue_cents: 100n },
        { product_id: 'b', units: 5n, revenue_cents: 900n },
        { channel: 'web', shard: 0, product_id: 'b', units: 4n, revenue_cents: 40n, error_bound: 1n },
        { channel: 'web', shard: 1, product_id: 'b', units: 3n, revenue_cents: 30n, error_bound: 2n },
        { channel: 'web', product_id: 'c', units: 6n, revenue_cents: 600n },
        { channel: 'web', product_id: 'B', units: 6n, revenue_cents: 1n }, // ties with c: byte order puts 'B' first
        { channel: 'app', product_id: 'a', units: 1n, revenue_cents: 1n },
      ]);
      expect((await channelTop(db.knex, 'web', 'units')).map((r) => [r.rank, r.product_id, r.units, r.error_bound, r.source])).toEqual([
        [1, 'b', 7n, 3n, 'speed'],
        [2, 'B', 6n, 0n, 'speed'],
        [3, 'c', 6n, 0n, 'speed'],
      ]);
      expect((await channelTop(db.knex, 'web', 'revenue')).map((r) => [r.rank, r.product_id])).toEqual([
        [1, 'c'],
        [2, 'b'],
        [3, 'B'],
      ]);
      expect((await channelTop(db.knex, 'app', 'units')).map((r) => [r.rank, r.product_id, r.units])).toEqual([[1, 'a', 1n]]);
      // top_1000 is the overall rows, as before 0019: no channel's row in it.
      expect((await top(db.knex, 'units')).map((r) => [r.rank, r.product_id, r.units])).toEqual([
        [1, 'a', 10n],
        [2, 'b', 5n],
      ]);
      expect(await channelTop(db.knex, 'all', 'units')).toEqual((await top(db.knex, 'units')).map((r) => ({ ...r, channel: 'all' })));
    });

    it('prefers batch per window, for every channel: a built window hides every channel’s speed rows, an unbuilt one serves them', async () => {
      const finishedAt = new Date('2024-05-01T11:07:00Z');
      const runId = await run(db.knex, 'succeeded', finishedAt);
      await batch(db.knex, runId, [
        { product_id: 'a', units: 9n, revenue_cents: 90n, rank_units: 1, rank_revenue: 1, category_rank_units: 1, category_rank_revenue: 1 },
        { channel: 'web', product_id: 'a', units: 9n, revenue_cents: 90n, rank_units: 1, rank_revenue: 1 },
      ]);
      // Speed rows of the built window (one channel the batch has, one it has not) and of the next, unbuilt, window.
      await speed(db.knex, [
        { channel: 'web', product_id: 'z', units: 99n, revenue_cents: 99n },
        { channel: 'app', product_id: 'z', units: 99n, revenue_cents: 99n },
        { channel: 'app', window_start: NEXT_HOUR, product_id: 'y', units: 2n, revenue_cents: 2n },
      ]);
      expect((await channelTop(db.knex, 'web', 'units')).map((r) => [r.rank, r.product_id, r.source, r.as_of, r.category_rank])).toEqual([[1, 'a', 'batch', finishedAt, null]]);
      expect(await channelTop(db.knex, 'app', 'units')).toEqual([]);
      expect((await channelTop(db.knex, 'app', 'units', NEXT_HOUR)).map((r) => [r.rank, r.product_id, r.source])).toEqual([[1, 'y', 'speed']]);

      const totals = (window_start: Date) => db.knex('channel_totals').where({ interval: 'hour', window_start }).orderBy('channel').select('channel', 'source', 'units');
      const total = (window_start: Date, channel: string, source: 'batch' | 'speed', shard: number, units: bigint) => ({
        interval: 'hour', window_start, channel, source, shard, units, revenue_cents: units, orders: units, products: 1n, as_of: finishedAt,
      });
      await db.knex(TABLES.windowTotals).insert([
        total(HOUR, 'all', 'batch', -1, 9n),
        total(HOUR, 'web', 'batch', -1, 9n),
        total(HOUR, 'app', 'speed', 0, 99n),
        total(NEXT_HOUR, 'app', 'speed', 0, 2n),
        total(NEXT_HOUR, 'app', 'speed', 1, 3n),
      ]);
      expect(await totals(HOUR)).toEqual([
        { channel: 'all', source: 'batch', units: 9n },
        { channel: 'web', source: 'batch', units: 9n },
      ]);
      expect(await totals(NEXT_HOUR)).toEqual([{ channel: 'app', source: 'speed', units: 5n }]);
      expect(await db.knex(VIEWS.topTotals).where({ interval: 'hour' }).select('window_start', 'source', 'units')).toEqual([{ window_start: HOUR, source: 'batch', units: 9n }]);
    });
  });
});
