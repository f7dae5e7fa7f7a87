/** /api/movers against a real migrated Postgres, read as hitboard_reader: the speed pipeline's movers with the catalog's names. */
import type { FreshDatabase } from '@hitboard/testkit';
import { TABLES } from '@hitboard/schema';
import { GET as moversRoute } from '../src/app/api/movers/route';
import { call } from './support/app';
import { seedMovers } from './support/seed';
import { useSeededWorld } from './fixtures';

let db: FreshDatabase;
useSeededWorld((seeded) => (db = seeded));

const SINCE = new Date('2026-11-28T10:42:00Z');

beforeAll(async () => {
  await db.knex(TABLES.movers).del();
  await seedMovers(db.knex, [
    { id: 'P12', factor: 40, unitsPerHour: 120, usualUnitsPerHour: 3, since: SINCE, spark: [0, 1, 4, 9] },
    { id: 'P07', factor: 4.5, unitsPerHour: 90, usualUnitsPerHour: 20, since: SINCE, shard: 1 },
    { id: 'Pa', factor: 1e9, unitsPerHour: 60, usualUnitsPerHour: 0.5, since: SINCE, isNew: true },
    { id: 'P03', direction: 'down', factor: 0.1, unitsPerHour: 5, usualUnitsPerHour: 50, since: SINCE },
  ]);
});

describe('/api/movers', () => {
  it('lists what rises, strongest first, with name, category, current figure and bound, usual, factor, since, new', async () => {
    const res = await call(moversRoute, '/api/movers?interval=hour&k=20');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=5');
    expect(res.body).toMatchObject({ interval: 'hour', direction: 'up', category: null });
    expect(res.body.movers.map((m: { productId: string }) => m.productId)).toEqual(['Pa', 'P12', 'P07']);
    expect(res.body.movers[1]).toEqual({
      productId: 'P12',
      name: 'Product P12',
      category: 'Books',
      direction: 'up',
      current: 120,
      currentLow: 96,
      usual: 3,
      factor: 40,
      since: SINCE.toISOString(),
      units: '20',
      isNew: false,
      baseline: 'recent',
      spark: [0, 1, 4, 9],
    });
    expect(res.body.movers[0]).toMatchObject({ productId: 'Pa', isNew: true, factor: null, baseline: 'new' });
    expect(Date.parse(res.body.asOf)).not.toBeNaN();
  });

  it('gives rates per day, the falling ones, k and a category', async () => {
    const day = await call(moversRoute, '/api/movers?interval=day&k=1');
    expect(day.body.movers).toHaveLength(1);
    expect(day.body.movers[0]).toMatchObject({ productId: 'Pa', current: 60 * 24, usual: 0.5 * 24 });
    const down = await call(moversRoute, '/api/movers?direction=down');
    expect(down.body.movers.map((m: { productId: string; factor: number }) => [m.productId, m.factor])).toEqual([['P03', 0.1]]);
    const books = await call(moversRoute, '/api/movers?category=Books');
    expect(books.body.movers.map((m: { productId: string }) => m.productId)).toEqual(['P12']);
  });

  it.each([
    ['direction=sideways', 'direction'],
    ['k=0', 'k'],
    ['k=101', 'k'],
    ['interval=week', 'interval'],
    ['interval=minute', 'interval'],
    ['category=%27%3B%20drop', 'category'],
    ['limit=3', 'limit'],
    ['k=1&k=2', 'k'],
    ['category=nosuch', 'category'],
  ])('refuses %s naming the parameter', async (query, param) => {
    const res = await call(moversRoute, `/api/movers?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.param).toBe(param);
  });

  it('names an unknown category as /api/top does', async () => {
    const res = await call(moversRoute, '/api/movers?category=nosuch');
    expect(res.body).toEqual({ error: 'category: unknown category "nosuch"', param: 'category' });
  });
});
