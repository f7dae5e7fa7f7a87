/**
 * The seeded world of the API tests (UTC):
 * - hour 09:00 (batch): the previous window, for movement;
 * - hour 10:00 (batch, exact) AND stale speed rows for the same hour: batch must win;
 * - hour 11:00 (speed, two shards, bounds, totals per shard), with a tie broken in byte order;
 * - day 2026-11-27 (batch) with amounts past 2^53.
 */
import type { Knex } from 'knex';
import type { FreshDatabase } from '@hitboard/testkit';
import { resetDashboardContext } from '../src/server/context';
import { dashboardDatabase } from './support/app';
import { seedBatchWindow, seedProducts, seedSpeedWindow, type Sale } from './support/seed';

export const H09 = new Date('2026-11-28T09:00:00Z');
export const H10 = new Date('2026-11-28T10:00:00Z');
export const H11 = new Date('2026-11-28T11:00:00Z');
export const D27 = new Date('2026-11-27T00:00:00Z');
export const RUN_FINISHED_H10 = new Date('2026-11-28T11:05:00Z');
export const SPEED_UPDATED = new Date('2026-11-28T11:30:00Z');

export const CATEGORY: Record<string, string> = {};
const products = Array.from({ length: 15 }, (_, i) => `P${String(i + 1).padStart(2, '0')}`);
products.forEach((id, i) => (CATEGORY[id] = i % 3 === 0 ? 'Toys' : 'Books'));
// Byte order puts upper case first: 'PB' < 'Pa' in C collation, the other way round in en_US.
CATEGORY.Pa = 'Toys';
CATEGORY.PB = 'Toys';

/** Hour 10: P01 sells most by units, but P15 most by revenue (expensive). */
export const SALES_H10: Sale[] = products.map((id, i) => ({
  id,
  units: BigInt(1000 - i * 50),
  revenue: id === 'P15' ? 10_000_000n : BigInt((1000 - i * 50) * 1999),
}));
/** Hour 9: a different order so movement has all kinds: P03 first, P01 third, P02 same place, P11 absent. */
export const SALES_H09: Sale[] = [
  { id: 'P03', units: 900n, revenue: 900n * 1999n },
  { id: 'P02', units: 800n, revenue: 800n * 1999n },
  { id: 'P01', units: 700n, revenue: 700n * 1999n },
  ...products.filter((id) => !['P01', 'P02', 'P03', 'P11'].includes(id)).map((id, i) => ({ id, units: BigInt(600 - i * 10), revenue: BigInt(600 - i * 10) * 1999n })),
];

export async function seedWorld(knex: Knex): Promise<void> {
  await seedProducts(knex, [...products, 'Pa', 'PB'].map((id) => ({ id, name: `Product ${id}`, category: CATEGORY[id]! })));
  const categoryOf = (id: string) => CATEGORY[id] ?? '';
  await seedBatchWindow(knex, 'hour', H09, SALES_H09, { categoryOf });
  await seedBatchWindow(knex, 'hour', H10, SALES_H10, { categoryOf, finishedAt: RUN_FINISHED_H10 });
  // Stale speed rows for hour 10 (the batch layer normally deletes them): they must not show.
  await seedSpeedWindow(knex, 'hour', H10, [{ id: 'Pa', shard: 0, units: 999_999n, revenue: 999_999n }], { updatedAt: SPEED_UPDATED });
  await seedSpeedWindow(
    knex,
    'hour',
    H11,
    [
      { id: 'P01', shard: 0, units: 40n, revenue: 40n * 1999n, errorBound: 3n, revenueErrorBound: 5997n },
      { id: 'Pa', shard: 1, units: 50n, revenue: 50n * 1999n, errorBound: 3n, revenueErrorBound: 5997n },
      { id: 'PB', shard: 0, units: 50n, revenue: 50n * 1999n, errorBound: 3n, revenueErrorBound: 5997n },
      { id: 'P04', shard: 1, units: 10n, revenue: 10n * 1999n, errorBound: 3n, revenueErrorBound: 5997n },
    ],
    { updatedAt: SPEED_UPDATED },
  );
  await seedBatchWindow(
    knex,
    'day',
    D27,
    [
      { id: 'P01', units: 9_007_199_254_740_993n, revenue: 123_456_789_012_345_678n },
      { id: 'P02', units: 5n, revenue: 500n },
    ],
    { categoryOf },
  );
}

/** A suite's database: migrated, seeded with this world before its tests, dropped (and the dashboard's context reset) after. */
export function useSeededWorld(onReady: (db: FreshDatabase) => void): void {
  let db: FreshDatabase | undefined;
  beforeAll(async () => {
    db = await dashboardDatabase();
    await seedWorld(db.knex);
    onReady(db);
  });
  afterAll(async () => {
    await resetDashboardContext();
    await db?.drop();
  });
}
