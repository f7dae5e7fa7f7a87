import type { Emission } from '@hitboard/generator';
import type { ProductSum } from '@hitboard/schema';

const MINUTE_MS = 60_000;

/** What one aggregator flush of `emissions` holds: one cell per (minute, product, channel) of the valid, distinct events. */
export function sumsOf(emissions: readonly Emission[]): Array<Omit<ProductSum, 'flushId' | 'sourcePartition' | 'firstOffset' | 'lastOffset'>> {
  const cells = new Map<string, Omit<ProductSum, 'flushId' | 'sourcePartition' | 'firstOffset' | 'lastOffset'>>();
  for (const e of emissions) {
    if (e.kind !== 'event') continue; // duplicates are dropped by event id, malformed lines refused
    const minuteStartMs = Math.floor(Date.parse(e.event.occurred_at) / MINUTE_MS) * MINUTE_MS;
    const key = `${minuteStartMs}|${e.event.product_id}|${e.event.channel}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { minuteStartMs, productId: e.event.product_id, units: 0, revenueCents: 0, orders: 0, channel: e.event.channel }));
    cell.units += e.event.quantity;
    cell.revenueCents += e.event.quantity * e.event.unit_price_cents;
    cell.orders += 1; // the aggregator's orders are sale events (line items)
  }
  return [...cells.values()];
}
