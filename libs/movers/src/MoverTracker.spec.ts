import fc from 'fast-check';
import { seededRandom as seededRng, type Random as Rng } from '@hitboard/random';
import { MoverTracker, type Mover, type MoverParams } from './MoverTracker';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 2, 0, 0); // a Monday, 00:00 UTC: the data's own clock

/** Knuth's Poisson sampler (small means). */
function poisson(mean: number, rng: Rng): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rng)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k += 1;
    p *= rng();
  } while (p > l);
  return k - 1;
}
const gaussian = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

/** A daily cycle like the generator's: quiet at night, peaks in the evening (× 0.3 … × 2.2). */
const daily = (ms: number) => 1.25 + 0.95 * Math.sin(((ms / HOUR - 9) / 24) * 2 * Math.PI);

interface Steady {
  /** Orders per minute at the weekly average, per product. */
  rates: number[];
  spike?: { product: number; fromMs: number; toMs: number; factor: number };
}

/** Feeds minutes [fromMs, toMs) of Poisson orders (1–3 units each) and scores after every minute. */
function run(t: MoverTracker, world: Steady, fromMs: number, toMs: number, rng: Rng, onScore?: (minute: number, movers: Mover[]) => void): void {
  for (let m = fromMs; m < toMs; m += MIN) {
    for (let p = 0; p < world.rates.length; p++) {
      let mean = world.rates[p]! * daily(m);
      const s = world.spike;
      if (s && s.product === p && m >= s.fromMs && m < s.toMs) mean *= s.factor;
      const orders = poisson(mean, rng);
      if (orders > 0) t.add(`P${p}`, m, orders, orders + (rng() < 0.2 ? 1 : 0));
    }
    if (onScore) onScore(m, t.score(t.candidates()));
  }
}

const zipfRates = (n: number, top: number) => Array.from({ length: n }, (_, i) => top / (i + 1));

describe('MoverTracker', () => {
  it('finds a product selling 30 times its usual within minutes, with about the right factor and its start', () => {
    const world: Steady = { rates: zipfRates(200, 20), spike: { product: 150, fromMs: T0 + 30 * HOUR, toMs: T0 + 31 * HOUR, factor: 30 } };
    const rng = seededRng(7);
    const t = new MoverTracker();
    run(t, world, T0, T0 + 30 * HOUR, rng);
    let found: { minute: number; mover: Mover } | undefined;
    run(t, world, T0 + 30 * HOUR, T0 + 31 * HOUR, rng, (minute, movers) => {
      const m = movers.find((x) => x.productId === 'P150');
      if (m && !found) found = { minute, mover: m };
    });
    expect(found).toBeDefined();
    // P150 usually sells 20/151 × 0.58 (6 a.m.) ≈ 0.08 orders a minute; × 30 ≈ 2.3: 10 orders take ~4 minutes.
    expect(found!.minute - (T0 + 30 * HOUR)).toBeLessThanOrEqual(8 * MIN);
    expect(found!.mover.direction).toBe('up');
    expect(found!.mover.isNew).toBe(false);
    expect(found!.mover.sinceMs).toBeGreaterThanOrEqual(T0 + 30 * HOUR);
    expect(found!.mover.sinceMs).toBeLessThanOrEqual(found!.minute);
    const late = t.score(t.candidates()).find((x) => x.productId === 'P150');
    expect(late?.factor).toBeGreaterThan(30 / 2);
    expect(late?.factor).toBeLessThan(30 * 2);
    expect(late?.spark.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('raises no alarm on a day of steady traffic with a daily cycle', () => {
    // 1000 products, the busiest at 60 orders a minute, 36 hours: ~1.4 M minute-sums scored every minute.
    const world: Steady = { rates: zipfRates(1000, 60) };
    const t = new MoverTracker();
    const seen = new Set<string>();
    run(t, world, T0, T0 + 36 * HOUR, seededRng(3), (_m, movers) => movers.forEach((m) => seen.add(`${m.productId}:${m.direction}`)));
    expect([...seen]).toEqual([]);
  });

  it('does not call 1 → 3 sales a mover, however big the factor: the minimum count stops it', () => {
    // A product that sold once a day ago and now sells 3 in a minute: the factor is in the thousands
    // and the Poisson tail is far below the significance, so only the minimum count can stop it.
    const world = (t: MoverTracker) => {
      for (let m = T0; m <= T0 + 24 * HOUR; m += MIN) background(t, m);
      t.add('rare', T0 + 10 * MIN, 1, 1);
      t.add('rare', T0 + 24 * HOUR, 3, 3);
      return t.score(t.candidates());
    };
    expect(world(new MoverTracker()).map((m) => m.productId)).not.toContain('rare');
    // With a loose significance (a baseline of one sale is very uncertain, and the test knows it),
    // the minimum count alone stops it: at 3 it is a mover.
    expect(world(new MoverTracker({ significance: 1e-3 })).map((m) => m.productId)).not.toContain('rare');
    expect(world(new MoverTracker({ significance: 1e-3, minCount: 3 })).map((m) => [m.productId, m.direction])).toContainEqual(['rare', 'up']);
  });

  it('calls a product without history new once it has watched long enough, and not before', () => {
    const early = new MoverTracker();
    early.add('x', T0, 1, 1);
    early.add('fresh', T0 + 10 * MIN, 30, 30);
    expect(early.score(early.candidates())).toEqual([]);

    const t = new MoverTracker();
    for (let m = T0; m <= T0 + 2 * HOUR; m += MIN) t.add('steady', m, 1, 1);
    t.add('fresh', T0 + 2 * HOUR, 12, 20);
    const movers = t.score(t.candidates());
    expect(movers.map((m) => [m.productId, m.isNew, m.baseline])).toEqual([['fresh', true, 'new']]);
  });

  it('finds a product that stopped selling (down), with when it fell', () => {
    const world: Steady = { rates: [3, 0.5, 0.5] };
    const t = new MoverTracker();
    const rng = seededRng(11);
    run(t, world, T0, T0 + 12 * HOUR, rng);
    world.spike = { product: 0, fromMs: T0 + 12 * HOUR, toMs: T0 + 14 * HOUR, factor: 0 };
    let down: Mover | undefined;
    run(t, world, T0 + 12 * HOUR, T0 + 13 * HOUR, rng, (_m, movers) => (down ??= movers.find((m) => m.productId === 'P0')));
    expect(down?.direction).toBe('down');
    expect(down!.factor).toBeLessThan(1 / 3);
    expect(down!.sinceMs).toBeGreaterThan(T0 + 12 * HOUR);
  });

  /** A shard's other products: steady, so its cycle stays 1. */
  const background = (t: MoverTracker, m: number) => {
    for (let i = 0; i < 20; i++) t.add(`bg${i}`, m, 2, 2);
  };

  it('prefers the same hour of the week from batch history over the recent rate', () => {
    const t = new MoverTracker();
    for (let m = T0; m <= T0 + 2 * HOUR; m += MIN) {
      background(t, m);
      // ×10 for 5 minutes: a mover against a usual of 1 a minute taken 1.5 times higher (usualSpread).
      const k = m >= T0 + 2 * HOUR - 5 * MIN ? 10 : 1;
      t.add('p', m, k, k);
    }
    const ids = t.candidates();
    expect(ids).toContain('p');
    expect(t.score(ids)[0]?.baseline).toBe('recent');
    // Usually this product sells 600 an hour at this hour of the week: 50 in 5 minutes is normal.
    expect(t.score(ids, new Map([['p', { ordersPerHour: 600, unitsPerHour: 600 }]]))).toEqual([]);
  });

  it('stays within maxProducts and never evicts a product in an episode', () => {
    const t = new MoverTracker({ maxProducts: 50, minHistoryMs: 0 });
    for (let m = T0; m < T0 + 10 * MIN; m += MIN) {
      background(t, m);
      t.add('hot', m, 1, 1);
    }
    t.add('hot', T0 + 10 * MIN, 40, 40); // now in an up episode
    expect(t.candidates()).toContain('hot');
    for (let i = 0; i < 1000; i++) t.add(`tail${i}`, T0 + 10 * MIN, 1, 1);
    expect(t.size).toBe(50);
    expect(t.evictions).toBe(1000 + 21 - 50);
    expect(t.candidates()).toContain('hot');
    const { evicted } = t.takeChanges();
    expect(evicted.length).toBeGreaterThan(0);
    expect(evicted).not.toContain('hot');
  });

  it('restored from its checkpointed changes, scores exactly as an uninterrupted run', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 60, max: 240 }), fc.integer({ min: 20, max: 60 }), (seed, cut, maxProducts) => {
        const params: Partial<MoverParams> = { maxProducts, minHistoryMs: 30 * MIN };
        const world: Steady = { rates: zipfRates(80, 4), spike: { product: 40, fromMs: T0 + 100 * MIN, toMs: T0 + 200 * MIN, factor: 20 } };
        const whole = new MoverTracker(params);
        const a: Mover[][] = [];
        run(whole, world, T0, T0 + 300 * MIN, seededRng(seed), (_m, movers) => a.push(movers));

        const first = new MoverTracker(params);
        const b: Mover[][] = [];
        const rng = seededRng(seed);
        run(first, world, T0, T0 + cut * MIN, rng, (_m, movers) => b.push(movers));
        const store = new Map<string, Float64Array>(); // what Postgres holds: upserts and deletes
        const { changed, evicted } = first.takeChanges();
        for (const c of changed) store.set(c.productId, c.state);
        for (const id of evicted) store.delete(id);
        const header = JSON.parse(JSON.stringify(first.header())) as ReturnType<MoverTracker['header']>;
        const second = MoverTracker.restore(params, header, [...store].map(([productId, state]) => ({ productId, state })));
        run(second, world, T0 + cut * MIN, T0 + 300 * MIN, rng, (_m, movers) => b.push(movers));
        expect(b).toEqual(a);
      }),
      { numRuns: 15 },
    );
  });

  it('has the same episodes at any scoring cadence: reading candidates changes nothing', () => {
    // One stream of sums with a spike (up) and a product that stops selling (down), fed to two
    // trackers: one scored after every sum, one after every 50th (a shard writing less often).
    const world: Steady = { rates: [...zipfRates(60, 6), 3] };
    const rng = seededRng(23);
    const sums: Array<[string, number, number, number]> = [];
    for (let m = T0; m < T0 + 5 * HOUR; m += MIN) {
      for (let p = 0; p < world.rates.length; p++) {
        let mean = world.rates[p]! * daily(m);
        if (p === 40 && m >= T0 + 2 * HOUR && m < T0 + 3 * HOUR) mean *= 25;
        if (p === 60 && m >= T0 + 3 * HOUR) mean = 0;
        const orders = poisson(mean, rng);
        if (orders > 0) sums.push([`P${p}`, m, orders, orders + (rng() < 0.2 ? 1 : 0)]);
      }
    }
    const params: Partial<MoverParams> = { minHistoryMs: 30 * MIN };
    const often = new MoverTracker(params);
    const seldom = new MoverTracker(params);
    const seen = { up: new Set<string>(), down: new Set<string>() };
    sums.forEach(([id, m, orders, units], i) => {
      often.add(id, m, orders, units);
      seldom.add(id, m, orders, units);
      const oftenMovers = often.score(often.candidates());
      if (i % 50 !== 49) return;
      const seldomMovers = seldom.score(seldom.candidates());
      expect(seldomMovers).toEqual(oftenMovers);
      for (const mover of oftenMovers) seen[mover.direction].add(mover.productId);
    });
    // The stream has both kinds of episode (else agreeing would prove nothing) …
    expect(seen.up).toContain('P40');
    expect(seen.down).toContain('P60');
    // … and the two trackers end in the same state, episodes and all.
    expect(seldom.header()).toEqual(often.header());
    expect(seldom.takeChanges()).toEqual(often.takeChanges());
  });

  it('refuses parameters that cannot work', () => {
    expect(() => new MoverTracker({ minFactor: 1 })).toThrow(/minFactor/);
    expect(() => new MoverTracker({ exitFactor: 3, enterFactor: 2 })).toThrow(/exitFactor/);
    expect(() => new MoverTracker({ significance: 0 })).toThrow(/significance/);
    expect(() => new MoverTracker({ maxProducts: 0 })).toThrow(/maxProducts/);
  });
});
