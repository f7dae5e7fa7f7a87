/**
 * The independent answer the lake is checked against: sums of sale events per (UTC hour, product),
 * keyed like `readLakeSums` (`${hourMs}|${productId}`), and a form of such a map that `toEqual`
 * compares and a failing diff shows readably. Its own entry point (`@hitboard/testkit/lake-sums`)
 * because `@hitboard/lake` loads DuckDB, which the dashboard's tests never need.
 */
import { hourStartMs } from '@hitboard/lake';
import { revenueCentsOf, type SaleEvent } from '@hitboard/schema';

export interface Sums {
  units: bigint;
  revenueCents: bigint;
  orders: bigint;
}

/** Adds one (units, revenue, orders) to `key`'s entry of `into`. */
export function addSums(into: Map<string, Sums>, key: string, units: bigint | number, revenueCents: bigint | number, orders: bigint | number): void {
  const s = into.get(key) ?? { units: 0n, revenueCents: 0n, orders: 0n };
  s.units += BigInt(units);
  s.revenueCents += BigInt(revenueCents);
  s.orders += BigInt(orders);
  into.set(key, s);
}

/** Per (UTC hour of occurred_at, product): units, revenue in cents and orders of `events`, each counted once per occurrence. */
export function sumsByHourAndProduct(events: Iterable<SaleEvent>): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const e of events) addSums(out, `${hourStartMs(Date.parse(e.occurred_at))}|${e.product_id}`, e.quantity, revenueCentsOf(e), 1);
  return out;
}

/** `{ key: "units/revenueCents/orders" }` in key order: what two sums maps are compared as. */
export function comparableSums(sums: ReadonlyMap<string, Sums>): Record<string, string> {
  return Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, `${v.units}/${v.revenueCents}/${v.orders}`]));
}
