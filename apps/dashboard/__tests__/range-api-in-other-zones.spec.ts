/**
 * Ranges in a reporting zone other than UTC, through the route, a real Postgres and a local lake:
 * New York's 25-hour fall-back day is one tile, and its neighbours' hours edge it; in Asia/Kolkata a
 * range's ends are hours that start at :30 UTC, and one on the UTC hour is refused naming it.
 */
import { GET as top } from '../src/app/api/top/route';
import { call, useDatabase } from './support/app';
import { seedProducts, type Sale } from './support/seed';
import { seedBuiltWindow, useRangeWorld } from './support/rollup-lake';

const categoryOf = () => 'Toys';
const sale = (id: string, units: number): Sale => ({ id, units: BigInt(units), revenue: BigInt(units * 100) });
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

const world = useRangeWorld({
  nowMs: Date.parse('2026-11-20T12:00:00Z'),
  env: { REPORTING_TIME_ZONE: 'America/New_York' },
  seed: async ({ db, lakeDir }) => {
    await seedProducts(db.knex, [{ id: 'P1', category: 'Toys' }, { id: 'P2', category: 'Toys' }]);
    // New York, Sunday 1 Nov 2026: 00:00 EDT (04:00Z) to 00:00 EST Monday (05:00Z), 25 hours.
    await seedBuiltWindow(db.knex, lakeDir, 'day', new Date('2026-11-01T04:00:00Z'), [sale('P1', 25), sale('P2', 5)], { categoryOf });
    await seedBuiltWindow(db.knex, lakeDir, 'hour', new Date('2026-11-01T03:00:00Z'), [sale('P2', 30)], { categoryOf });
    await seedBuiltWindow(db.knex, lakeDir, 'hour', new Date('2026-11-02T05:00:00Z'), [sale('P2', 1)], { categoryOf });
  },
});

it('takes the 25-hour New York fall-back day as one tile, with hours at its edges', async () => {
  const res = await call(top, `/api/top?${q({ from: '2026-11-01T03:00:00Z', to: '2026-11-02T06:00:00Z' })}`);
  expect(res.status).toBe(200);
  expect(res.body.tiles.map((t: { interval: string; windowStart: string; windowEnd: string }) => [t.interval, t.windowStart, t.windowEnd])).toEqual([
    ['hour', '2026-11-01T03:00:00.000Z', '2026-11-01T04:00:00.000Z'],
    ['day', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    ['hour', '2026-11-02T05:00:00.000Z', '2026-11-02T06:00:00.000Z'],
  ]);
  expect(res.body).toMatchObject({ source: 'batch', exact: true, hours: { exact: [{ from: '2026-11-01T03:00:00.000Z', to: '2026-11-02T06:00:00.000Z' }], estimate: [], missing: [] } });
  expect(res.body.rows.map((r: { productId: string; units: string }) => [r.productId, r.units])).toEqual([
    ['P2', '36'],
    ['P1', '25'],
  ]);
});

it('in Asia/Kolkata takes ends on :30 UTC and refuses one on the UTC hour, naming it', async () => {
  await useDatabase(world.db.url, { LAKE_DIR: world.lakeDir, REPORTING_TIME_ZONE: 'Asia/Kolkata' });
  const refused = await call(top, `/api/top?${q({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T18:30:00Z' })}`);
  expect(refused.status).toBe(400);
  expect(refused.body).toMatchObject({ param: 'from', error: expect.stringMatching(/not the start of a hour window in Asia\/Kolkata \(that window starts 2026-02-28T23:30:00.000Z\)/) });
  const answered = await call(top, `/api/top?${q({ from: '2026-02-28T18:30:00Z', to: '2026-03-02T18:30:00Z' })}`);
  expect(answered.status).toBe(200);
  expect(answered.body).toMatchObject({ source: 'none', hours: { exact: [], estimate: [], missing: [{ from: '2026-02-28T18:30:00.000Z', to: '2026-03-02T18:30:00.000Z' }] } });
});
