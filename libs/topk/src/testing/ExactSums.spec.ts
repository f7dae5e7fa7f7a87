import fc from 'fast-check';
import { SafeIntegerOverflowError, TopKError } from '../errors';
import { addSums, exactTop, keyedSumsMonoid, sumsMonoid, type KeyedSums, type Sums, ZERO_SUMS } from './ExactSums';
import { keyArb } from './arbitraries';
import { expectMonoidLaws } from './expectMonoidLaws';

const sumsArb: fc.Arbitrary<Sums> = fc.record({
  units: fc.integer({ min: 0, max: 1e6 }),
  revenueCents: fc.integer({ min: 0, max: 1e12 }),
  orders: fc.integer({ min: 0, max: 1e6 }),
});
const keyedArb: fc.Arbitrary<KeyedSums> = fc.array(fc.tuple(keyArb, sumsArb), { maxLength: 20 }).map((entries) => new Map(entries));

const sameSums = (a: Sums, b: Sums): boolean => a.units === b.units && a.revenueCents === b.revenueCents && a.orders === b.orders;
const sameKeyed = (a: KeyedSums, b: KeyedSums): boolean => {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !sameSums(v, w)) return false;
  }
  return true;
};

describe('sumsMonoid', () => {
  it('satisfies the commutative monoid laws', () => {
    expectMonoidLaws(sumsMonoid, sumsArb, sameSums, { commutative: true });
  });

  it('throws SafeIntegerOverflowError instead of rounding past 2^53 - 1', () => {
    const big = { ...ZERO_SUMS, revenueCents: Number.MAX_SAFE_INTEGER };
    expect(() => addSums(big, { ...ZERO_SUMS, revenueCents: 1 })).toThrow(SafeIntegerOverflowError);
    expect(() => addSums(big, { ...ZERO_SUMS, revenueCents: 1 })).toThrow(/revenueCents/);
  });

  it('rejects fractional or non-finite inputs', () => {
    expect(() => addSums({ ...ZERO_SUMS, units: 0.5 }, ZERO_SUMS)).toThrow(TopKError);
    expect(() => addSums({ ...ZERO_SUMS, orders: Number.NaN }, ZERO_SUMS)).toThrow(TopKError);
  });
});

describe('keyedSumsMonoid', () => {
  it('satisfies the commutative monoid laws', () => {
    expectMonoidLaws(keyedSumsMonoid, keyedArb, sameKeyed, { commutative: true });
  });

  it('treats a missing key as zero', () => {
    const a = new Map([['x', { units: 1, revenueCents: 10, orders: 1 }]]);
    const merged = keyedSumsMonoid.plus(a, new Map([['y', { units: 2, revenueCents: 20, orders: 1 }]]));
    expect(merged.get('x')).toEqual({ units: 1, revenueCents: 10, orders: 1 });
    expect(merged.get('y')).toEqual({ units: 2, revenueCents: 20, orders: 1 });
  });
});

describe('exactTop', () => {
  const sums: KeyedSums = new Map([
    ['b', { units: 5, revenueCents: 100, orders: 1 }],
    ['a', { units: 5, revenueCents: 900, orders: 1 }],
    ['c', { units: 9, revenueCents: 50, orders: 2 }],
    ['z', { units: 0, revenueCents: 0, orders: 0 }],
  ]);

  it('ranks by the metric, highest first, ties by key, zero rows left out', () => {
    expect(exactTop(sums, 10, 'units').map((r) => r.key)).toEqual(['c', 'a', 'b']);
    expect(exactTop(sums, 2, 'revenue').map((r) => r.key)).toEqual(['a', 'b']);
  });
});
