import { clock } from '@hitboard/runtime/clock';
/**
 * A realistic small world for the browser test and the benchmark: a named catalog in five
 * categories; the current hour, day, week, month and year on live speed estimates (two shards,
 * bounds, per-shard totals); the previous hours and the previous day rolled up exactly.
 */
import type { Knex } from 'knex';
import { IntervalRegistry } from '@hitboard/time';
import { seedBatchWindow, seedProducts, seedSpeedWindow, type Sale } from './seed';

const CATEGORIES = ['Outdoor', 'Kitchen', 'Books', 'Toys', 'Electronics'] as const;
const NOUNS: Record<(typeof CATEGORIES)[number], string[]> = {
  Outdoor: ['Trail Runner Shoes', 'Camping Lantern', 'Rain Shell Jacket', 'Hiking Poles', 'Insulated Bottle', 'Dome Tent', 'Sleeping Bag', 'Head Torch'],
  Kitchen: ['Chef Knife', 'Cast Iron Pan', 'Pour-Over Kettle', 'Salad Spinner', 'Spice Grinder', 'Bread Tin', 'Stand Mixer', 'Oven Gloves'],
  Books: ['Atlas of Rivers', 'Night Garden (novel)', 'Learn Rust', 'Cookbook: Greens', 'Poems of the Sea', 'History of Maps', 'Star Guide', 'Chess Openings'],
  Toys: ['Wooden Train Set', 'Puzzle 1000 pcs', 'Plush Fox', 'Building Bricks', 'Kite', 'Marble Run', 'Card Game', 'Robot Kit'],
  Electronics: ['Wireless Earbuds', 'USB-C Charger', 'E-Reader', 'Smart Plug', 'Bluetooth Speaker', 'Webcam HD', 'Power Bank', 'Mechanical Keyboard'],
};

export interface DemoProduct {
  id: string;
  name: string;
  category: string;
  priceCents: bigint;
}

export function demoCatalog(): DemoProduct[] {
  const products: DemoProduct[] = [];
  CATEGORIES.forEach((category, c) =>
    NOUNS[category].forEach((noun, i) =>
      products.push({ id: `P${String(c * 100 + i + 1).padStart(4, '0')}`, name: noun, category, priceCents: BigInt(499 + ((c * 7 + i * 13) % 20) * 350) }),
    ),
  );
  return products;
}

/** Deterministic pseudo-random sales: Zipf-like popularity that shifts a little per window. */
function salesFor(products: DemoProduct[], seed: number, scale: number): Sale[] {
  return products.map((p, i) => {
    const wobble = ((seed * 31 + i * 17) % 11) / 10;
    const units = BigInt(Math.max(1, Math.round((scale * (1 + wobble)) / (1 + ((i * 7 + seed) % products.length)))));
    return { id: p.id, units, revenue: units * p.priceCents, orders: units };
  });
}

export async function seedDemoWorld(knex: Knex, registry: IntervalRegistry, now: number = clock.now()): Promise<{ products: DemoProduct[] }> {
  const products = demoCatalog();
  await seedProducts(knex, products);
  const categoryOf = (id: string) => products.find((p) => p.id === id)!.category;
  const currentHour = registry.windowAt('hour', now);
  let w = currentHour;
  for (let i = 1; i <= 6; i++) {
    w = registry.previous(w);
    await seedBatchWindow(knex, 'hour', w.start, salesFor(products, i, 400), { categoryOf, finishedAt: new Date(w.end.getTime() + 5 * 60_000) });
  }
  const yesterday = registry.previous(registry.windowAt('day', now));
  await seedBatchWindow(knex, 'day', yesterday.start, salesFor(products, 99, 9000), { categoryOf, finishedAt: new Date(yesterday.end.getTime() + 10 * 60_000) });
  const updatedAt = new Date(now - 3000);
  for (const interval of registry.names().filter((n) => n !== 'minute')) {
    const window = registry.windowAt(interval, now);
    const scale = { hour: 120, day: 3000, week: 20000, month: 80000, year: 900000 }[interval] ?? 1000;
    const sales = salesFor(products, 7, scale).map((s, i) => ({ ...s, shard: i % 2, errorBound: BigInt(Math.ceil(scale / 400)), revenueErrorBound: BigInt(Math.ceil(scale / 400)) * 2500n }));
    await seedSpeedWindow(knex, interval, window.start, sales, { updatedAt });
  }
  return { products };
}
