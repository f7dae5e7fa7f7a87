import type { Channel, SaleEvent } from '@hitboard/schema';
import { makeCatalog, type Product } from './catalog';
import { Popularity } from './popularity';
import { seededRandom } from './random';

export interface GeneratorOptions {
  /** How many events (order lines) to make. */
  events: number;
  products: number; // default 10_000
  /** Zipf exponent of product popularity (≈1 for retail). */
  zipfExponent: number; // default 1.0
  seed: number; // default 1
  /** Seeds which products sell best; kept apart from `seed` so a stream made in pieces keeps its best sellers. */
  popularitySeed: number; // default 1
  /** Event times are spread over [startMs, endMs), shaped by a daily cycle. */
  startMs: number;
  endMs: number;
  stores: number; // default 50
  users: number; // default 100_000
  /** Lines per order, 1..maxLinesPerOrder. */
  maxLinesPerOrder: number; // default 4
  /** Offset (hours) of the shoppers' local time from UTC, for the daily cycle. */
  shopperUtcOffsetHours: number; // default 0
  /** How much popularity drifts over hours and days (see Popularity); 0 = fixed. */
  drift: number; // default 0.6
}

export const DEFAULT_GENERATOR_OPTIONS: Omit<GeneratorOptions, 'events' | 'startMs' | 'endMs'> = {
  products: 10_000,
  zipfExponent: 1.0,
  seed: 1,
  popularitySeed: 1,
  stores: 50,
  users: 100_000,
  maxLinesPerOrder: 4,
  shopperUtcOffsetHours: 0,
  drift: 0.6,
};

// Relative sales by local hour: quiet at night, a lunch bump, an evening peak.
const HOURLY_WEIGHT = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 6, 7, 6, 5, 5, 6, 7, 8, 9, 8, 6, 4, 2];
const CHANNELS: Channel[] = ['web', 'app', 'store', 'marketplace'];
const CITIES: Array<[number, number]> = [[40.71, -74.01], [34.05, -118.24], [41.88, -87.63], [29.76, -95.37], [47.61, -122.33], [25.76, -80.19]];

/**
 * Exactly `events` sale events spread over [startMs, endMs), deterministic for a seed: Zipf-skewed
 * products drifting over hours and days, a daily cycle,
 * orders of several lines, stores, users and locations. Event times rise monotonically
 * with a little jitter (some events arrive a few seconds out of order, as in life).
 */
export function* generateEvents(options: Partial<GeneratorOptions> & Pick<GeneratorOptions, 'events' | 'startMs' | 'endMs'>, catalog?: Product[]): Generator<SaleEvent> {
  const o = { ...DEFAULT_GENERATOR_OPTIONS, ...options };
  if (o.endMs <= o.startMs) throw new Error('endMs must be after startMs');
  const products = catalog ?? makeCatalog(o.products, o.seed);
  const random = seededRandom(o.seed);
  const popularity = new Popularity(products, { zipfExponent: o.zipfExponent, popularitySeed: o.popularitySeed, drift: o.drift, utcOffsetHours: o.shopperUtcOffsetHours });
  const times = eventTimes(o, random);
  let made = 0;
  let order = 0;
  while (made < o.events) {
    order++;
    const lines = Math.min(o.events - made, 1 + Math.floor(random() * o.maxLinesPerOrder));
    const [lat, lon] = CITIES[Math.floor(random() * CITIES.length)]!;
    const shared = {
      order_id: `o-${o.seed}-${order}`,
      store_id: `s-${1 + Math.floor(random() * o.stores)}`,
      user_id: `u-${1 + Math.floor(random() * o.users)}`,
      channel: CHANNELS[Math.floor(random() * CHANNELS.length)]!,
      lat: Math.round((lat + (random() - 0.5)) * 1e4) / 1e4,
      lon: Math.round((lon + (random() - 0.5)) * 1e4) / 1e4,
    };
    const at = times.next().value as number;
    for (let line = 0; line < lines; line++) {
      const product = popularity.sample(at, random);
      const discounted = random() < 0.1 ? Math.round(product.price_cents * 0.8) : product.price_cents;
      made++;
      yield {
        event_id: `e-${o.seed}-${made}`,
        product_id: product.product_id,
        quantity: random() < 0.8 ? 1 : 1 + Math.floor(random() * 5),
        unit_price_cents: discounted,
        currency: 'USD',
        occurred_at: new Date(at).toISOString(),
        ...shared,
      };
    }
  }
}

/** Order times over [start, end): uniform steps warped by the daily cycle, plus jitter. */
function* eventTimes(o: GeneratorOptions, random: () => number): Generator<number> {
  const span = o.endMs - o.startMs;
  const hourMs = 3_600_000;
  // Cumulative weight per hour of the span, so time advances faster through quiet hours.
  const hours = Math.max(1, Math.ceil(span / hourMs));
  const cumulative = new Float64Array(hours + 1);
  for (let hour = 0; hour < hours; hour++) {
    const local = (new Date(o.startMs + hour * hourMs).getUTCHours() + o.shopperUtcOffsetHours + 24) % 24;
    cumulative[hour + 1] = cumulative[hour]! + HOURLY_WEIGHT[local]!;
  }
  const total = cumulative[hours]!;
  const expectedOrders = Math.max(1, o.events / (1 + (o.maxLinesPerOrder - 1) / 2));
  let h = 0; // targets only grow, so the hour index only moves forward
  for (let i = 0; ; i++) {
    const target = (Math.min(i, expectedOrders - 1) / expectedOrders) * total;
    while (h < hours - 1 && cumulative[h + 1]! <= target) h++;
    const within = (target - cumulative[h]!) / (cumulative[h + 1]! - cumulative[h]! || 1);
    const jitter = (random() - 0.5) * 10_000;
    yield Math.min(o.endMs - 1, Math.max(o.startMs, Math.round(o.startMs + ((h + within) / hours) * span + jitter)));
  }
}
