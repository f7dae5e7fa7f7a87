import type { Metric } from '@hitboard/schema';
import { SafeIntegerOverflowError, TopKError } from '../errors';
import { mapMonoid, type Monoid } from '../Monoid';

/**
 * Exact per-key sums: the reference every estimate of the sketch is checked and benchmarked
 * against (the batch layer computes the same sums in SQL). Integers (cents for money), held as plain numbers rather than bigint: the schema,
 * JSON and Postgres `bigint` columns (read by `pg` as strings or numbers) already carry
 * numbers, and bigint arithmetic is several times slower on the hot path. 2^53 cents is
 * $90 trillion per window, so overflow should never happen; if it does, `plus` throws
 * `SafeIntegerOverflowError` instead of rounding silently.
 */
export interface Sums {
  readonly units: number;
  readonly revenueCents: number;
  readonly orders: number;
}

export const ZERO_SUMS: Sums = Object.freeze({ units: 0, revenueCents: 0, orders: 0 });

function addField(field: keyof Sums, a: number, b: number): number {
  const s = a + b;
  if (!Number.isSafeInteger(s)) {
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new TopKError(`${field} must be safe integers, got ${a} and ${b}`);
    throw new SafeIntegerOverflowError(field, a, b);
  }
  return s;
}

/** Field-wise sum; throws when a field is not a safe integer or the sum overflows. */
export function addSums(a: Sums, b: Sums): Sums {
  return {
    units: addField('units', a.units, b.units),
    revenueCents: addField('revenueCents', a.revenueCents, b.revenueCents),
    orders: addField('orders', a.orders, b.orders),
  };
}

/** Commutative monoid of `Sums`. */
export const sumsMonoid: Monoid<Sums> = {
  zero: () => ZERO_SUMS,
  plus: addSums,
  sum: (values) => {
    let acc = ZERO_SUMS;
    for (const v of values) acc = addSums(acc, v);
    return acc;
  },
};

/** Sums per key (product id). */
export type KeyedSums = ReadonlyMap<string, Sums>;

/** Commutative monoid of keyed sums: pointwise `addSums`, a missing key is zero. */
export const keyedSumsMonoid: Monoid<KeyedSums> = mapMonoid(sumsMonoid);

/** One exact ranked row. */
export interface ExactTopEntry extends Sums {
  key: string;
}

/** The exact top `k` of keyed sums by `metric`, highest first, ties by key; zero rows left out. */
export function exactTop(sums: KeyedSums, k: number, metric: Metric): ExactTopEntry[] {
  const field = metric === 'units' ? 'units' : 'revenueCents';
  const rows: ExactTopEntry[] = [];
  for (const [key, s] of sums) if (s[field] > 0) rows.push({ key, ...s });
  rows.sort((a, b) => b[field] - a[field] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows.slice(0, k);
}
