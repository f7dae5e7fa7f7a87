import { DuckDBInstance } from '@duckdb/node-api';
import { seededRandom } from '@hitboard/random';
import { TOP_N_STORED } from '@hitboard/schema';
import { rankChannelWindow, rankWindow, type TopRow } from './rank-window';

/**
 * rankWindow replaced four DuckDB `row_number()` windows: it must store the same rows with the same
 * ranks, ties broken by product_id in byte order (ids beyond the BMP sort after U+E000–U+FFFF in
 * bytes, before them in JS's UTF-16 order), on windows larger than TOP_N_STORED with many ties.
 */
describe('rankWindow', () => {
  const ids = ['a', 'b', 'B', 'é', 'e\u0301', '\uE000x', '\u{1F600}y', 'z-9', 'z-10'];
  function randomWindow(seed: number, n: number) {
    let s = seed;
    const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rows = new Map<string, { category: string; units: bigint; revenue: bigint; orders: bigint }>();
    for (let i = 0; rows.size < n; i++) {
      const id = `${ids[Math.floor(next() * ids.length)]}${Math.floor(next() * n * 2)}`;
      // Few distinct values: many ties, within and across categories.
      rows.set(id, { category: `c${Math.floor(next() * 3)}`, units: BigInt(1 + Math.floor(next() * 20)), revenue: BigInt(100 * Math.floor(next() * 30)), orders: BigInt(1 + Math.floor(next() * 5)) });
    }
    return rows;
  }

  it.each([
    [1, 50],
    [2, 2500],
  ])('stores the same rows and ranks as DuckDB row_number() (seed %i, %i products)', async (seed, n) => {
    const rows = randomWindow(seed, n);
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      await c.run('CREATE TABLE win (product_id VARCHAR, category VARCHAR, units BIGINT, revenue_cents BIGINT, orders BIGINT, uncategorised BOOLEAN)');
      const appender = await c.createAppender('win');
      for (const [id, r] of rows) {
        appender.appendVarchar(id);
        appender.appendVarchar(r.category);
        appender.appendBigInt(r.units);
        appender.appendBigInt(r.revenue);
        appender.appendBigInt(r.orders);
        appender.appendBoolean(r.category === 'c2');
        appender.endRow();
      }
      appender.flushSync();
      appender.closeSync();
      const reference = (
        await c.runAndReadAll(
          `SELECT * FROM (
             SELECT product_id, category, units, revenue_cents, orders,
                    row_number() OVER (ORDER BY units DESC, product_id) AS ru,
                    row_number() OVER (ORDER BY revenue_cents DESC, product_id) AS rr,
                    row_number() OVER (PARTITION BY category ORDER BY units DESC, product_id) AS cru,
                    row_number() OVER (PARTITION BY category ORDER BY revenue_cents DESC, product_id) AS crr
               FROM win)
            WHERE ru <= ${TOP_N_STORED} OR rr <= ${TOP_N_STORED} OR cru <= ${TOP_N_STORED} OR crr <= ${TOP_N_STORED}
            ORDER BY product_id`,
        )
      )
        .getRowObjectsJS()
        .map((r): TopRow => {
          const rank = (v: unknown) => (Number(v) <= TOP_N_STORED ? Number(v) : null);
          return {
            productId: String(r['product_id']),
            category: String(r['category']),
            units: r['units'] as bigint,
            revenueCents: r['revenue_cents'] as bigint,
            orders: r['orders'] as bigint,
            rankUnits: rank(r['ru']),
            rankRevenue: rank(r['rr']),
            categoryRankUnits: rank(r['cru']),
            categoryRankRevenue: rank(r['crr']),
          };
        });
      const cols = (await c.runAndReadAll('SELECT product_id, category, units, revenue_cents, orders, uncategorised FROM win ORDER BY product_id')).getColumnsJS();
      const ranked = rankWindow({
        productId: cols[0] as string[],
        category: cols[1] as string[],
        units: cols[2] as bigint[],
        revenueCents: cols[3] as bigint[],
        orders: cols[4] as bigint[],
        uncategorised: cols[5] as boolean[],
      });
      expect(ranked.top).toEqual(reference);
      if (n > TOP_N_STORED) expect(ranked.top.some((r) => r.rankUnits === null)).toBe(true); // the cut-off was exercised
      expect(ranked.products).toBe(rows.size);
      expect(ranked.units).toBe([...rows.values()].reduce((s, r) => s + r.units, 0n));
      expect(ranked.uncategorised).toBe([...rows.values()].filter((r) => r.category === 'c2').length);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it('gives zero totals and no rows for an empty window', () => {
    expect(rankWindow({ productId: [], category: [], units: [], revenueCents: [], orders: [], uncategorised: [] })).toEqual({
      products: 0,
      units: 0n,
      revenueCents: 0n,
      orders: 0n,
      uncategorised: 0,
      top: [],
    });
  });

  it('per channel: ranks within the channel as DuckDB row_number() does, overall as rankWindow of the per-product sums', async () => {
    const channels = ['app', 'marketplace', 'unknown', 'web'];
    const next = seededRandom(3);
    // 3000 (product, channel) rows over 1500 products: web alone passes the 1000 cut; few distinct values, many ties.
    const cells = new Map<string, { productId: string; channel: string; category: string; units: bigint; revenue: bigint; orders: bigint }>();
    while (cells.size < 3000) {
      const productId = `${ids[Math.floor(next() * ids.length)]}${Math.floor(next() * 1500)}`;
      const channel = next() < 0.6 ? 'web' : channels[Math.floor(next() * 3)]!;
      const category = `c${productId.length % 3}`; // one category per product, as the catalog join gives
      cells.set(`${productId}|${channel}`, { productId, channel, category, units: BigInt(1 + Math.floor(next() * 20)), revenue: BigInt(100 * Math.floor(next() * 30)), orders: 1n });
    }
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      await c.run('CREATE TABLE win (product_id VARCHAR, channel VARCHAR, category VARCHAR, units BIGINT, revenue_cents BIGINT, orders BIGINT, uncategorised BOOLEAN)');
      const appender = await c.createAppender('win');
      for (const r of cells.values()) {
        appender.appendVarchar(r.productId);
        appender.appendVarchar(r.channel);
        appender.appendVarchar(r.category);
        appender.appendBigInt(r.units);
        appender.appendBigInt(r.revenue);
        appender.appendBigInt(r.orders);
        appender.appendBoolean(r.category === 'c2');
        appender.endRow();
      }
      appender.flushSync();
      appender.closeSync();
      const cols = (await c.runAndReadAll('SELECT product_id, channel, category, units, revenue_cents, orders, uncategorised FROM win ORDER BY product_id, channel')).getColumnsJS();
      const ranked = rankChannelWindow({
        productId: cols[0] as string[],
        channel: cols[1] as string[],
        category: cols[2] as string[],
        units: cols[3] as bigint[],
        revenueCents: cols[4] as bigint[],
        orders: cols[5] as bigint[],
        uncategorised: cols[6] as boolean[],
      });
      // Overall: rankWindow of DuckDB's own per-product sums.
      const overall = (
        await c.runAndReadAll(
          `SELECT product_id, min(category), sum(units)::BIGINT, sum(revenue_cents)::BIGINT, sum(orders)::BIGINT, bool_and(uncategorised) FROM win GROUP BY product_id ORDER BY product_id`,
        )
      ).getColumnsJS();
      const { channels: byChannel, ...overallRanked } = ranked;
      expect(overallRanked).toEqual(
        rankWindow({
          productId: overall[0] as string[],
          category: overall[1] as string[],
          units: overall[2] as bigint[],
          revenueCents: overall[3] as bigint[],
          orders: overall[4] as bigint[],
          uncategorised: overall[5] as boolean[],
        }),
      );
      // Per channel: DuckDB's row_number() within the channel, cut at TOP_N_STORED.
      const reference = (
        await c.runAndReadAll(
          `SELECT * FROM (
             SELECT channel, product_id, category, units, revenue_cents, orders,
                    row_number() OVER (PARTITION BY channel ORDER BY units DESC, product_id) AS ru,
                    row_number() OVER (PARTITION BY channel ORDER BY revenue_cents DESC, product_id) AS rr
               FROM win)
            WHERE ru <= ${TOP_N_STORED} OR rr <= ${TOP_N_STORED}
            ORDER BY channel, product_id`,
        )
      ).getRowObjectsJS();
      const rank = (v: unknown) => (Number(v) <= TOP_N_STORED ? Number(v) : null);
      expect(byChannel.flatMap((ch) => ch.top.map((r) => ({ channel: ch.channel, ...r })))).toEqual(
        reference.map((r) => ({
          channel: String(r['channel']),
          productId: String(r['product_id']),
          category: String(r['category']),
          units: r['units'] as bigint,
          revenueCents: r['revenue_cents'] as bigint,
          orders: r['orders'] as bigint,
          rankUnits: rank(r['ru']),
          rankRevenue: rank(r['rr']),
          categoryRankUnits: null,
          categoryRankRevenue: null,
        })),
      );
      expect(byChannel.find((ch) => ch.channel === 'web')!.top.some((r) => r.rankUnits === null)).toBe(true); // the cut was exercised
      const sums = (
        await c.runAndReadAll(`SELECT channel, count(*)::INTEGER, sum(units)::BIGINT, sum(revenue_cents)::BIGINT, sum(orders)::BIGINT FROM win GROUP BY channel ORDER BY channel`)
      ).getRowsJS();
      expect(byChannel.map((ch) => [ch.channel, ch.products, ch.units, ch.revenueCents, ch.orders])).toEqual(sums);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });
});
