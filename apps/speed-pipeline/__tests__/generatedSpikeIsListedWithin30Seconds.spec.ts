import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroundTruthWriter, ListedSpikes, makeCatalog, readSpikeRecords, runStream, SalesStream, spikesPathOf, type Emission } from '@hitboard/generator';
import { flushIdOf, TABLES, type ProductSum } from '@hitboard/schema';
import { describeWithKafka, unique, useScenario, waitForCheckpoints } from './support';

const MIN = 60_000;
const HISTORY_FROM = Date.parse('2026-11-13T19:00:00Z'); // a Friday evening: the data's own clock
const SPIKE_AT = Date.parse('2026-11-13T22:00:17Z');
const SOURCES = 2;

/** Pre-sums valid events like the aggregator: one flush per source partition and slice, a record per (minute, product). */
function flushesOf(events: Emission[], offsets: number[]): ProductSum[][] {
  const bySource = new Map<number, Map<string, ProductSum>>();
  for (const e of events) {
    if (e.kind !== 'event') continue;
    const source = Number(e.event.product_id.slice(1)) % SOURCES;
    const minuteStartMs = Math.floor(Date.parse(e.event.occurred_at) / MIN) * MIN;
    const cells = bySource.get(source) ?? new Map<string, ProductSum>();
    bySource.set(source, cells);
    const key = `${minuteStartMs}|${e.event.product_id}`;
    const cell = cells.get(key) ?? { flushId: '', sourcePartition: source, firstOffset: '', lastOffset: '', minuteStartMs, productId: e.event.product_id, units: 0, revenueCents: 0, orders: 0 };
    cell.units += e.event.quantity;
    cell.revenueCents += e.event.quantity * e.event.unit_price_cents;
    cell.orders += 1;
    cells.set(key, cell);
  }
  return [...bySource].map(([source, cells]) => {
    const first = offsets[source]!;
    const last = first + cells.size; // a flush's offset range only grows per source
    offsets[source] = last + 1;
    const flushId = flushIdOf(source, String(first), String(last));
    return [...cells.values()].map((c) => ({ ...c, flushId, firstOffset: String(first), lastOffset: String(last) }));
  }).filter((f) => f.length > 0);
}

describeWithKafka('a spike injected by the generator', () => {
  const s = useScenario();

  it('is listed as a mover within 30 s (event time) of its first sale, with about the injected factor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'speed-spike-'));
    try {
      // 2000 products at 10 sales a second; a product ranked 100th sells 30 times its usual from 22:00:17.
      const catalog = makeCatalog(2000, 1);
      const segments = [{ fromMs: HISTORY_FROM - 86_400_000, ratePerSec: 10 }];
      const plain = new SalesStream({ seed: 7, catalog, segments });
      const product = catalog[plain.productsByRank()[100]!]!.product_id;
      const stream = new SalesStream({ seed: 7, catalog, segments, spikes: new ListedSpikes([{ productId: product, startMs: SPIKE_AT, factor: 30, durationMs: 10 * MIN }], catalog) });
      const truthPath = join(dir, 'truth.ndjson');
      const truth = new GroundTruthWriter(truthPath);
      const topic = await s.topic(1);
      const offsets = Array.from({ length: SOURCES }, () => 0);
      /** Generates event time [fromMs, untilMs) in slices (aggregator flushes) and publishes them. */
      const sell = async (fromMs: number, untilMs: number, sliceMs: number) => {
        for (let t = fromMs; t < untilMs; t += sliceMs) {
          const sent: Emission[] = [];
          await runStream({ stream, from: { chunkStartMs: t, emitted: 0 }, untilMs: t + sliceMs, batchSize: 100_000, send: async (e) => void sent.push(...e), truth, now: () => Infinity });
          await s.publish(topic, ...flushesOf(sent, offsets));
        }
      };
      const movers = async () =>
        s.db.knex(TABLES.movers).select<Array<{ product_id: string; direction: string; factor: number; since: Date }>>('product_id', 'direction', 'factor', 'since');

      await s.start(topic, unique('spike'), { writeIntervalMs: 100 });
      // Three hours of usual business (whole-minute flushes), then 5-second flushes from just before the spike.
      await sell(HISTORY_FROM, SPIKE_AT - 17_000 - MIN, MIN);
      await sell(SPIKE_AT - 17_000 - MIN, SPIKE_AT - 17_000, 5000);
      await waitForCheckpoints(s.db.knex, s.kafka, topic);
      expect((await movers()).map((m) => m.product_id)).not.toContain(product);

      await sell(SPIKE_AT - 17_000, SPIKE_AT + 5000, 5000);
      const [record] = readSpikeRecords(spikesPathOf(truthPath));
      expect(record).toMatchObject({ product_id: product, factor: 30, start: new Date(SPIKE_AT).toISOString() });
      const firstSaleMs = Date.parse(record!.first_sale_at);
      // Everything up to 30 s after the first sale (flushes of 5 s: the last one may end before it).
      await sell(SPIKE_AT + 5000, Math.floor((firstSaleMs + 30_000) / 5000) * 5000, 5000);
      await waitForCheckpoints(s.db.knex, s.kafka, topic);
      const listed = (await movers()).find((m) => m.product_id === product);
      expect(listed).toMatchObject({ direction: 'up' });
      expect(listed!.factor).toBeGreaterThan(30 / 2);
      expect(listed!.factor).toBeLessThan(30 * 2);
      expect(listed!.since.getTime()).toBeLessThanOrEqual(firstSaleMs + 30_000);
      await truth.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
