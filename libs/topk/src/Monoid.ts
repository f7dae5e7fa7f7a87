/**
 * A monoid: an associative `plus` with an identity `zero` (algebird's `Monoid[T]`).
 * Every layer that combines partial results (speed, batch, serving) calls the same `plus`,
 * so the logic lives once.
 *
 * Laws (property-tested with `expectMonoidLaws` from `@hitboard/topk/testing`):
 *   plus(zero(), a) = a = plus(a, zero())
 *   plus(plus(a, b), c) = plus(a, plus(b, c))
 * `plus` never mutates its arguments. `sum` equals the left fold of `plus`; it exists so an
 * implementation can merge many values with one allocation (`TopKSketch.sum` also truncates
 * candidates once instead of at every step, so it differs from the fold exactly where `plus`
 * is not associative: see there).
 */
export interface Monoid<T> {
  zero(): T;
  plus(a: T, b: T): T;
  sum(values: Iterable<T>): T;
}

/** Builds a monoid from zero and plus; `sum` defaults to a left fold. */
export function monoid<T>(zero: () => T, plus: (a: T, b: T) => T, sum?: (values: Iterable<T>) => T): Monoid<T> {
  return {
    zero,
    plus,
    sum:
      sum ??
      ((values) => {
        let acc = zero();
        for (const v of values) acc = plus(acc, v);
        return acc;
      }),
  };
}

/**
 * Pointwise monoid over string-keyed maps: a missing key is `zero`. Commutative whenever the
 * value monoid is. `sum` copies once and folds into the copy.
 */
export function mapMonoid<V>(values: Monoid<V>): Monoid<ReadonlyMap<string, V>> {
  const addInto = (acc: Map<string, V>, m: ReadonlyMap<string, V>): void => {
    for (const [k, v] of m) {
      const prev = acc.get(k);
      acc.set(k, prev === undefined ? v : values.plus(prev, v));
    }
  };
  return {
    zero: () => new Map(),
    plus: (a, b) => {
      const out = new Map(a);
      addInto(out, b);
      return out;
    },
    sum: (ms) => {
      const out = new Map<string, V>();
      for (const m of ms) addInto(out, m);
      return out;
    },
  };
}
