import { CHANNEL_ALL, TABLES, VIEWS, type ProductSum } from '@hitboard/schema';
import { DEFAULT_CANDIDATES, DEFAULT_SKETCH_PARAMS } from '@hitboard/topk';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';
import { describeWithKafka, flushOf, unique, useScenario, waitFor, waitForCheckpoints } from './support';

const HOUR = Date.parse('2026-11-22T07:00:00Z');
const PRODUCTS = 500;

/** Zipf(1.1)-skewed sales over PRODUCTS products in one hour, pre-summed into flushes like the aggregator's. */
function skewedStream(events: number): { flushes: ProductSum[][]; units: Map<string, number>; revenue: Map<string, number> } {
  const rand = seededRandom(7);
  const rank = aliasSampler(zipfWeights(PRODUCTS, 1.1), rand);
  const priceOf = (i: number) => 199 + ((i * 7919) % 5000); // cents: revenue ranks differ from unit ranks
  const units = new Map<string, number>();
  const revenue = new Map<string, number>();
  const flushes: ProductSum[][] = [];
  for (let source = 0; source < 4; source++) {
    for (let f = 0; f < 10; f++) {
      const cells = new Map<string, { productId: string; minuteStartMs: number; units: number; revenueCents: number }>();
      for (let e = 0; e < events / 40; e++) {
        const i = rank();
        const productId = `sku-${String(i).padStart(4, '0')}`;
        const minuteStartMs = HOUR + Math.floor(rand() * 60) * 60_000;
        const qty = 1 + Math.floor(rand() * 3);
        const key = `${minuteStartMs}|${productId}`;
        const cell = cells.get(key) ?? { productId, minuteStartMs, units: 0, revenueCents: 0 };
        cell.units += qty;
        cell.revenueCents += qty * priceOf(i);
        cells.set(key, cell);
        units.set(productId, (units.get(productId) ?? 0) + qty);
        revenue.set(productId, (revenue.get(productId) ?? 0) + qty * priceOf(i));
      }
      flushes.push(flushOf(source, f * 10_000, f * 10_000 + 9_999, [...cells.values()]));
    }
  }
  return { flushes, units, revenue };
}

const top10 = (m: Map<string, number>) =>
  [...m].sort(([pa, a], [pb, b]) => b - a || (pa < pb ? -1 : 1)).slice(0, 10).map(([productId, value]) => ({ productId, value }));

describeWithKafka('two instances split the shards', () => {
  const s = useScenario();

  it('serves the exact top 10 by units and by revenue of a skewed stream from top_1000, with honest bounds', async () => {
    const topic = await s.topic(4);
    const group = unique('g');
    // The production sketch and candidate sizes: the claim is about what ships.
    const topk = { ...DEFAULT_SKETCH_PARAMS, capacity: DEFAULT_CANDIDATES };
    const options = { topk, writeIntervalMs: 300, sessionTimeoutMs: 6000 };
    const a = (await s.start(topic, group, options)).pipeline;
    const b = (await s.start(topic, group, options)).pipeline;
    await waitFor('both instances to hold disjoint shards covering the topic', async () => {
      const [sa, sb] = [a.assignment(), b.assignment()];
      return sa.length > 0 && sb.length > 0 && [...sa, ...sb].sort().join() === '0,1,2,3';
    });

    const { flushes, units, revenue } = skewedStream(40_000);
    await s.publish(topic, ...flushes);
    await waitForCheckpoints(s.db.knex, s.kafka, topic, 90_000);
    expect(a.assignedShards().length).toBeGreaterThan(0);
    expect(b.assignedShards().length).toBeGreaterThan(0);
    const shards = await s.db.knex(TABLES.speedTable).where({ channel: CHANNEL_ALL }).distinct('shard').orderBy('shard');
    expect(shards.map((r: { shard: number }) => r.shard)).toEqual([0, 1, 2, 3]);

    for (const [metric, exact] of [['units', units], ['revenue', revenue]] as const) {
      const served = await s.db
        .reader()(VIEWS.top1000)
        .where({ interval: 'hour', window_start: new Date(HOUR), metric })
        .orderBy('rank')
        .limit(10)
        .select<Array<{ product_id: string; units: bigint; revenue_cents: bigint; error_bound: bigint; source: string }>>('product_id', 'units', 'revenue_cents', 'error_bound', 'source');
      expect(served.map((r) => r.product_id)).toEqual(top10(exact).map((e) => e.productId));
      for (const row of served) {
        const estimate = Number(metric === 'units' ? row.units : row.revenue_cents);
        const truth = exact.get(row.product_id)!;
        expect(row.source).toBe('speed');
        expect(Number(row.error_bound)).toBeGreaterThan(0);
        expect(estimate).toBeGreaterThanOrEqual(truth); // a count-min estimate never undercounts
        expect(estimate - truth).toBeLessThanOrEqual(Number(row.error_bound));
      }
    }
  }, 180_000);
});
