import { aliasSampler, seededRandom, zipfWeights } from './random';

describe('seededRandom', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const c = seededRandom(2);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('aliasSampler', () => {
  it('draws ranks with the Zipf frequencies (within 5 standard deviations)', () => {
    const n = 50;
    const w = zipfWeights(n, 1.0);
    const sample = aliasSampler(w, seededRandom(7));
    const draws = 200_000;
    const counts = new Float64Array(n);
    for (let i = 0; i < draws; i++) counts[sample()]!++;
    for (let i = 0; i < n; i++) {
      const p = w[i]!;
      const sd = Math.sqrt(draws * p * (1 - p));
      expect(Math.abs(counts[i]! - draws * p)).toBeLessThan(5 * sd);
    }
  });
});
