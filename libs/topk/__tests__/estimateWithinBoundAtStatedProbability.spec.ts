/**
 * The count-min guarantee is probabilistic over the choice of hash functions: for a fixed
 * stream and a fixed key, P(estimate - true > eps·N) <= delta. We draw the hash functions
 * by varying the sketch seed, and count how often the bound fails.
 *
 * Honest slack, so that the test is not flaky (false alarm < 1e-6 in total):
 *  - per key: over independent seeds, a key's failures are Binomial(seeds, p) with
 *    p <= delta. We compute, exactly, the smallest t with P(Binomial(seeds, delta) >= t)
 *    <= 1e-6 / (2·keys) and require every key to fail fewer than t times (union bound).
 *  - pooled: each seed's failure fraction lies in [0, 1] with mean <= delta, independently
 *    across seeds, so by Hoeffding the mean over seeds exceeds delta + s with probability
 *    <= exp(-2·seeds·s²); we take s for 1e-6 / 2.
 * Observed failure rates are far below delta (Markov's inequality, behind the bound, is
 * loose); the test would still catch a hash family that correlates rows or keys.
 */
import { CountMinSketch } from '../src/CountMinSketch';
import { zipfWeights } from '@hitboard/random';

const SEEDS = 300;
const FALSE_ALARM = 1e-6;

/** log P(Binomial(n, p) = k) */
function logPmf(n: number, p: number, k: number): number {
  let logChoose = 0;
  for (let i = 1; i <= k; i++) logChoose += Math.log(n - k + i) - Math.log(i);
  return logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** Smallest t with P(Binomial(n, p) >= t) <= alpha. */
function binomialThreshold(n: number, p: number, alpha: number): number {
  let tail = 0;
  for (let k = n; k >= 0; k--) {
    const next = tail + Math.exp(logPmf(n, p, k));
    if (next > alpha * (1 + 1e-9)) return k + 1; // tolerance: exp(log(...)) rounds
    tail = next;
  }
  return 0;
}

function checkStream(name: string, counts: number[]): void {
  const eps = 0.01;
  const delta = 0.05;
  const keys = counts.map((_, i) => `sku-${i}`);
  const absent = Array.from({ length: 200 }, (_, i) => `absent-${i}`); // true count 0
  const all = [...keys, ...absent];
  const truth = [...counts, ...absent.map(() => 0)];

  it(`${name}: estimates never undercount, and exceed eps·N no more often than delta allows`, () => {
    const failuresPerKey = new Array<number>(all.length).fill(0);
    let pooled = 0;
    let overestimated = 0;
    let undercounts = 0; // counted, not expect()ed per key: a million expect calls take minutes
    let sketchDelta = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const s = CountMinSketch.create({ eps, delta, seed: seed * 7919 + 1 });
      sketchDelta = s.delta;
      keys.forEach((k, i) => s.add(k, counts[i]!));
      const bound = s.eps * s.totalCount();
      let failures = 0;
      all.forEach((k, i) => {
        const excess = s.estimate(k) - truth[i]!;
        if (excess < 0) undercounts++;
        if (excess > 0) overestimated++;
        if (excess > bound) {
          failures++;
          failuresPerKey[i]!++;
        }
      });
      pooled += failures / all.length;
    }
    expect(undercounts).toBe(0);
    expect(overestimated).toBeGreaterThan(0); // the sketch is lossy here: the test tests something

    const perKeyLimit = binomialThreshold(SEEDS, sketchDelta, FALSE_ALARM / 2 / all.length);
    expect(Math.max(...failuresPerKey)).toBeLessThan(perKeyLimit);

    const slack = Math.sqrt(Math.log(2 / FALSE_ALARM) / (2 * SEEDS));
    expect(pooled / SEEDS).toBeLessThanOrEqual(sketchDelta + slack);
  });
}

describe('count-min error bound at the stated probability', () => {
  const n = 3000;
  const total = 100_000;
  checkStream(
    'Zipf(1.0) stream',
    Array.from(zipfWeights(n, 1.0), (w) => Math.max(1, Math.round(w * total))),
  );
  checkStream(
    'uniform stream (every bucket crowded)',
    Array.from({ length: n }, () => Math.round(total / n)),
  );

  it('computes the binomial threshold correctly on a case checkable by hand', () => {
    // Binomial(3, 0.5): P(X >= 3) = 1/8, P(X >= 2) = 1/2.
    expect(binomialThreshold(3, 0.5, 0.125)).toBe(3);
    expect(binomialThreshold(3, 0.5, 0.2)).toBe(3);
    expect(binomialThreshold(3, 0.5, 0.5)).toBe(2);
  });
});
