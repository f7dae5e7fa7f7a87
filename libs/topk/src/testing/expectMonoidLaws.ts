import fc from 'fast-check';
import type { Monoid } from '../Monoid';

export interface MonoidLawOptions {
  /** Also check plus(a, b) = plus(b, a). */
  commutative?: boolean;
  /** fast-check runs per law (default 100). */
  numRuns?: number;
  /** fast-check seed, to replay a failure. */
  seed?: number;
}

/**
 * Property-checks the monoid laws with fast-check and throws (naming the law and the
 * counterexample) on the first failure. Framework-agnostic: call it inside any test.
 *
 *   left identity   plus(zero(), a) = a
 *   right identity  plus(a, zero()) = a
 *   associativity   plus(plus(a, b), c) = plus(a, plus(b, c))
 *   commutativity   plus(a, b) = plus(b, a)             (only with { commutative: true })
 *   sum             sum([a, b, c]) = plus(plus(a, b), c), sum([]) = zero()
 *   purity          plus(a, b) twice gives equal results (plus did not mutate a or b)
 *
 * `eq` decides equality; pass one that compares only what the monoid promises to keep
 * exactly (for a top-K state: the sketch counters and the candidate set).
 */
export function expectMonoidLaws<T>(monoid: Monoid<T>, arb: fc.Arbitrary<T>, eq: (a: T, b: T) => boolean, options: MonoidLawOptions = {}): void {
  const run = <Ts extends unknown[]>(name: string, property: fc.IPropertyWithHooks<Ts>): void => {
    const params: fc.Parameters<Ts> = { numRuns: options.numRuns ?? 100 };
    if (options.seed !== undefined) params.seed = options.seed;
    try {
      fc.assert(property, params);
    } catch (e) {
      throw new Error(`monoid law "${name}" failed: ${(e as Error).message}`, { cause: e });
    }
  };
  const plus = (a: T, b: T): T => monoid.plus(a, b);
  const zero = (): T => monoid.zero();
  run('left identity', fc.property(arb, (a) => eq(plus(zero(), a), a)));
  run('right identity', fc.property(arb, (a) => eq(plus(a, zero()), a)));
  run('associativity', fc.property(arb, arb, arb, (a, b, c) => eq(plus(plus(a, b), c), plus(a, plus(b, c)))));
  if (options.commutative) run('commutativity', fc.property(arb, arb, (a, b) => eq(plus(a, b), plus(b, a))));
  run('sum of none is zero', fc.property(fc.constant(null), () => eq(monoid.sum([]), zero())));
  run('sum is the left fold', fc.property(arb, arb, arb, (a, b, c) => eq(monoid.sum([a, b, c]), plus(plus(a, b), c))));
  run('purity', fc.property(arb, arb, (a, b) => eq(plus(a, b), plus(a, b))));
}
