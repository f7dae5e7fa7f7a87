import { makeCatalog, SalesStream } from '@hitboard/generator';
import { MoverTracker } from '@hitboard/movers';
import { configSchema } from '../src/config';
import { sumsOf } from './generatedSums';

const DAY_MS = 86_400_000;
/** The aggregator's FLUSH_INTERVAL_MS default: the speed pipeline sees sales in 5-second flushes. */
const AGGREGATOR_FLUSH_MS = 5000;
const DAYS = Number(process.env.STEADY_DAYS ?? 3);
const FROM = Date.parse('2026-11-16T00:00:00Z'); // a Monday: the data's own clock
const WARM_UP_MS = 6 * 3_600_000; // the tracker has watched a while, as a running deployment has

/** The speed pipeline's mover settings at their defaults (see main.ts). */
const defaults = {
  maxProducts: configSchema.shape.MOVERS_MAX_PRODUCTS.parse(undefined),
  minCount: configSchema.shape.MOVERS_MIN_COUNT.parse(undefined),
  minFactor: configSchema.shape.MOVERS_MIN_FACTOR.parse(undefined),
  significance: configSchema.shape.MOVERS_SIGNIFICANCE.parse(undefined),
};

/**
 * Issue 17: steady generator traffic — its daily and weekly cycles, popularity drifting from hour to
 * hour and day to day, late and multi-line orders, no spike — makes at most one mover a simulated
 * day at default settings. The shard's tracker is fed as the speed pipeline feeds it (every
 * (minute, product) sum of each aggregator flush, in order) and scored after every flush, as a
 * write does; every distinct episode listed counts, up or down. The usual is the recent rate here:
 * a deployment's first weeks have no same-hour-of-the-week history.
 */
describe('steady generator traffic (2000 products, 10 sales a second, no spike)', () => {
  it(`yields at most one mover per simulated day over ${DAYS} days at default settings`, () => {
    const catalog = makeCatalog(2000, 1);
    const stream = new SalesStream({ seed: 7, catalog, segments: [{ fromMs: FROM - WARM_UP_MS - DAY_MS, ratePerSec: 10 }] });
    const tracker = new MoverTracker(defaults);
    const listed = new Map<string, { atMs: number; productId: string; direction: string; factor: number }>();
    for (let at = FROM - WARM_UP_MS; at < FROM + DAYS * DAY_MS; at += AGGREGATOR_FLUSH_MS) {
      const flush = [];
      for (let chunk = at; chunk < at + AGGREGATOR_FLUSH_MS; chunk += 1000) flush.push(...stream.chunk(chunk));
      for (const sum of sumsOf(flush)) tracker.add(sum.productId, sum.minuteStartMs, sum.orders, sum.units);
      for (const m of tracker.score(tracker.candidates())) {
        const episode = `${m.productId}|${m.direction}|${m.sinceMs}`;
        if (at >= FROM && !listed.has(episode)) listed.set(episode, { atMs: at, productId: m.productId, direction: m.direction, factor: m.factor });
      }
    }
    const perDay = Array.from({ length: DAYS }, (_, d) => [...listed.values()].filter((m) => m.atMs >= FROM + d * DAY_MS && m.atMs < FROM + (d + 1) * DAY_MS).length);
    // Shown on failure: which products, when, how far off.
    const movers = [...listed.values()].map((m) => `${new Date(m.atMs).toISOString()} ${m.productId} ${m.direction} ×${m.factor.toFixed(2)}`);
    expect({ perDay, movers }).toEqual({ perDay: perDay.map((n) => Math.min(n, 1)), movers });
  }, 3_600_000); // ~37 min for 3 days on a 2-core machine at load 30; ~2 min per day unloaded
});
