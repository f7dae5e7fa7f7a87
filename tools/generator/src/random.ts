/**
 * A small seeded PRNG (mulberry32): the generator must repeat exactly for a given seed,
 * so tests and benchmarks can recompute what they produced.
 * https://gist.github.com/tommyettinger/46a874533244883189143505d203312c
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Samples ranks 0..n-1 with P(rank k) ∝ 1/(k+1)^s: product popularity in retail is
 * heavily skewed. A precomputed CDF and binary search: O(n) memory, O(log n) per draw.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly exponent: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`Zipf needs n ≥ 1, got ${n}`);
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) this.cdf[k] = total += 1 / Math.pow(k + 1, exponent);
    for (let k = 0; k < n; k++) this.cdf[k]! /= total;
  }

  sample(random: Random): number {
    const u = random();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
