/**
 * Top-K recall is not a monoid law (merging truncates candidate sets), so it is tested on
 * its own: a Zipf stream split into many windows (each key appears in many of them, as in
 * per-minute state) and merged in different groupings must still give the exact top 10 when
 * the candidate capacity is far above 10 and the gaps in the top 11 exceed the error bound.
 */
import { exactTop, type KeyedSums } from '../src/testing';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';
import { TopKSketch, type TopKParams } from '../src/TopKSketch';

const PARAMS: Partial<TopKParams> = { eps: 5e-4, delta: 0.01, seed: 2026, capacity: 200 };
const KEYS = 50_000;
const UPDATES = 300_000;
const PARTS = 12;
const K = 10;

interface Sale {
  key: string;
  units: number;
  revenueCents: number;
}

function makeStream(): Sale[] {
  const rng = seededRandom(42);
  const rank = aliasSampler(zipfWeights(KEYS, 1.0), rng);
  const price = (r: number): number => 100 + ((r * 2654435761) >>> 0) % 20_000;
  return Array.from({ length: UPDATES }, () => {
    const r = rank();
    const units = 1 + Math.floor(rng() * 3);
    return { key: `p${r}`, units, revenueCents: units * price(r) };
  });
}

function exactSums(stream: Sale[]): KeyedSums {
  const m = new Map<string, { units: number; revenueCents: number; orders: number }>();
  for (const s of stream) {
    const e = m.get(s.key);
    if (e) {
      e.units += s.units;
      e.revenueCents += s.revenueCents;
      e.orders++;
    } else m.set(s.key, { units: s.units, revenueCents: s.revenueCents, orders: 1 });
  }
  return m;
}

function balanced(parts: TopKSketch[]): TopKSketch {
  if (parts.length === 1) return parts[0]!;
  const mid = parts.length >> 1;
  return balanced(parts.slice(0, mid)).plus(balanced(parts.slice(mid)));
}

describe('top-K recall after merging windows', () => {
  const stream = makeStream();
  const truth = exactSums(stream);
  const rng = seededRandom(7);
  const parts = Array.from({ length: PARTS }, () => TopKSketch.create(PARAMS));
  for (const s of stream) parts[Math.floor(rng() * PARTS)]!.add(s.key, s.units, s.revenueCents);
  const whole = TopKSketch.create(PARAMS);
  for (const s of stream) whole.add(s.key, s.units, s.revenueCents);

  const shuffled = [...parts].sort(() => rng() - 0.5);
  const groupings: [string, () => TopKSketch][] = [
    ['one state fed the whole stream', () => whole],
    ['left fold of plus', () => parts.reduce((a, b) => a.plus(b))],
    ['right fold of plus', () => parts.reduceRight((a, b) => b.plus(a))],
    ['balanced tree of plus', () => balanced(parts)],
    ['shuffled left fold', () => shuffled.reduce((a, b) => a.plus(b))],
    ['TopKSketch.sum of all', () => TopKSketch.sum(parts)],
  ];

  for (const metric of ['units', 'revenue'] as const) {
    const field = metric === 'units' ? 'units' : 'revenueCents';
    const exact = exactTop(truth, K + 1, metric);

    it.each(groupings)(`${metric}: %s gives precision@10 = 1, and the exact order where gaps exceed the bound`, (_, merge) => {
      const merged = merge();
      expect(merged.totalCount(metric)).toBe(exact.length && stream.reduce((a, s) => a + s[field], 0));
      const bound = merged.errorBound(metric);
      // Precondition, so the expectation is justified: #10 beats #11 by more than the bound.
      expect(exact[K - 1]![field] - exact[K]![field]).toBeGreaterThan(bound);

      const top = merged.top(K, metric);
      expect(new Set(top.map((r) => r.key))).toEqual(new Set(exact.slice(0, K).map((r) => r.key)));
      for (let i = 0; i < K; i++) {
        const row = top[i]!;
        const t = truth.get(row.key)![field];
        expect(row[field]).toBeGreaterThanOrEqual(t);
        expect(row[field] - t).toBeLessThanOrEqual(bound);
        // Where the true gap to the next key exceeds the bound, the order must be exact.
        if (i + 1 < K && exact[i]![field] - exact[i + 1]![field] > bound) expect(row.key).toBe(exact[i]!.key);
      }
    });
  }

  it('every grouping yields the same merged sketch', () => {
    const states = groupings.map(([, merge]) => merge());
    for (const s of states.slice(1)) {
      for (const key of ['p0', 'p1', 'p999', 'p49999', 'nope']) expect(s.estimate(key)).toEqual(states[0]!.estimate(key));
    }
    const [a, b] = [TopKSketch.sum(parts).encode(), balanced(parts).encode()];
    expect(TopKSketch.decode(a).estimate('p3')).toEqual(TopKSketch.decode(b).estimate('p3'));
  });
});
