import fc from 'fast-check';
import { logGamma, poissonLowerBound, poissonLowerTail, poissonUpperTail } from './poisson';

/** Direct sums of the probability mass function, for small cases. */
const pmf = (i: number, lambda: number) => Math.exp(-lambda + i * Math.log(lambda) - logGamma(i + 1));
const directUpper = (k: number, lambda: number) => 1 - Array.from({ length: k }, (_, i) => pmf(i, lambda)).reduce((a, b) => a + b, 0);
const directLower = (k: number, lambda: number) => Array.from({ length: k + 1 }, (_, i) => pmf(i, lambda)).reduce((a, b) => a + b, 0);

describe('Poisson tails', () => {
  it('logGamma matches factorials', () => {
    let f = 1;
    for (let n = 1; n < 25; n++) {
      f *= n;
      expect(logGamma(n + 1)).toBeCloseTo(Math.log(f), 9);
    }
  });

  it('match direct sums of the mass function', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0.01, max: 50, noNaN: true }), (k, lambda) => {
        expect(poissonUpperTail(k, lambda)).toBeCloseTo(directUpper(k, lambda), 9);
        expect(poissonLowerTail(k, lambda)).toBeCloseTo(directLower(k, lambda), 9);
      }),
    );
  });

  it('are monotone: a larger count is never less surprising upwards', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.double({ min: 0.01, max: 300, noNaN: true }), (k, lambda) => {
        expect(poissonUpperTail(k + 1, lambda)).toBeLessThanOrEqual(poissonUpperTail(k, lambda) + 1e-12);
        expect(poissonLowerTail(k + 1, lambda)).toBeGreaterThanOrEqual(poissonLowerTail(k, lambda) - 1e-12);
      }),
    );
  });

  it('knows small counts are weak evidence: 3 when 1 is expected is not rare, 60 when 3 is', () => {
    expect(poissonUpperTail(3, 1)).toBeCloseTo(0.0803, 3);
    expect(poissonUpperTail(60, 3)).toBeLessThan(1e-40);
    expect(poissonUpperTail(0, 5)).toBe(1);
    expect(poissonLowerTail(0, 20)).toBeCloseTo(Math.exp(-20), 15);
  });

  it('the lower bound has the stated coverage', () => {
    for (const k of [1, 5, 30, 400]) {
      const low = poissonLowerBound(k, 0.95);
      expect(low).toBeLessThan(k);
      expect(poissonUpperTail(k, low)).toBeCloseTo(0.05, 6);
    }
    expect(poissonLowerBound(0)).toBe(0);
  });
});
