/**
 * Every parameter is validated (a 400 naming it and why), injection strings change nothing, the
 * reader role reads only what it needs, and a database failure is a generic 500.
 */
import type { FreshDatabase } from '@hitboard/testkit';
import { TABLES, VIEWS } from '@hitboard/schema';
import { GET as top } from '../src/app/api/top/route';
import { GET as topCsv } from '../src/app/api/top.csv/route';
import { GET as windows } from '../src/app/api/windows/route';
import { GET as intervals } from '../src/app/api/intervals/route';
import { GET as trend } from '../src/app/api/trend/route';
import { dashboardContext } from '../src/server/context';
import { call, useDatabase, type Handler } from './support/app';
import { H10, useSeededWorld } from './fixtures';

let db: FreshDatabase;
useSeededWorld((seeded) => (db = seeded));

const INJECTIONS = [
  "hour'; DROP TABLE products; --",
  "1 OR 1=1",
  "x\" OR \"\"=\"",
  "'); DELETE FROM batch_table; --",
  "$(rm -rf /)",
  "<script>alert(1)</script>",
  "%00",
  "\u0000",
  "P01' UNION SELECT * FROM ingest_offsets --",
];

/** Row counts of the tables a DROP or DELETE would hit, read as the admin. */
async function counts(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of [TABLES.products, TABLES.batchTable, TABLES.speedTable, TABLES.rollupRuns, TABLES.windowTotals]) {
    const [row] = await db.knex(table).count<{ count: bigint }[]>({ count: '*' });
    out[table] = String(row!.count);
  }
  return out;
}

describe('parameter validation', () => {
  const cases: [string, Handler, string, string, RegExp][] = [
    ['missing interval', top, '/api/top', 'interval', /required/],
    ['unknown interval', top, '/api/top?interval=fortnight', 'interval', /unknown interval "fortnight"; one of hour, day, week, month, year/],
    ['minute is not served', top, '/api/top?interval=minute', 'interval', /unknown interval "minute"/],
    ['window not an instant', top, '/api/top?interval=hour&window=yesterday', 'window', /ISO 8601/],
    ['window not a window start', top, '/api/top?interval=hour&window=2026-11-28T10:30:00Z', 'window', /not the start of a hour window in UTC/],
    ['day window at an hour', top, '/api/top?interval=day&window=2026-11-28T10:00:00Z', 'window', /not the start of a day window/],
    ['bad metric', top, '/api/top?interval=hour&metric=orders', 'metric', /units or revenue/],
    ['k above 1000', top, '/api/top?interval=hour&k=1001', 'k', /from 1 to 1000/],
    ['k zero', top, '/api/top?interval=hour&k=0', 'k', /from 1 to 1000/],
    ['k not a number', top, '/api/top?interval=hour&k=10abc', 'k', /whole number/],
    ['k negative', top, '/api/top?interval=hour&k=-5', 'k', /whole number/],
    ['unknown category', top, '/api/top?interval=hour&category=Garden', 'category', /unknown category "Garden"/],
    ['unknown parameter', top, '/api/top?interval=hour&limit=5', 'limit', /unknown parameter/],
    ['repeated parameter', top, '/api/top?interval=hour&interval=day', 'interval', /more than once/],
    ['csv too', topCsv, '/api/top.csv?interval=hour&metric=profit', 'metric', /units or revenue/],
    ['windows limit', windows, '/api/windows?interval=hour&limit=100000', 'limit', /from 1 to 1000|whole number/],
    ['intervals takes nothing', intervals, '/api/intervals?x=1', 'x', /takes none/],
    ['trend without product', trend, '/api/trend?interval=hour', 'productId', /required/],
    ['trend interval', trend, '/api/trend?productId=P01&interval=week', 'interval', /one of hour, day/],
    ['trend range reversed', trend, '/api/trend?productId=P01&interval=hour&from=2026-11-28T12:00:00Z&to=2026-11-28T10:00:00Z', 'from', /before to/],
    ['trend range too long', trend, '/api/trend?productId=P01&interval=hour&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from', /at most 1000/],
    // Listing every hour of this range before the cap check ran for hours and stalled every route.
    ['trend range of eight millennia', trend, '/api/trend?productId=P01&interval=hour&from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z', 'from', /at most 1000/],
  ];
  it.each(cases)('%s → 400 naming the parameter', async (_name, handler, path, param, message) => {
    const res = await call(handler, path);
    expect(res.status).toBe(400);
    expect(res.body.param).toBe(param);
    expect(res.body.error).toMatch(new RegExp(`^${param}: `));
    expect(res.body.error).toMatch(message);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('injection strings', () => {
  it('get a 400 in every parameter of every route, and change nothing', async () => {
    const before = await counts();
    const window = H10.toISOString();
    const targets: [Handler, string, Record<string, string>][] = [
      [top, '/api/top', { interval: 'hour', window, metric: 'units', k: '10' }],
      [topCsv, '/api/top.csv', { interval: 'hour', window, metric: 'units', k: '10' }],
      [windows, '/api/windows', { interval: 'hour', limit: '5' }],
      [trend, '/api/trend', { productId: 'P01', interval: 'hour', metric: 'units', from: '2026-11-28T09:00:00Z', to: '2026-11-28T12:00:00Z', ma: '3' }],
    ];
    let tried = 0;
    for (const [handler, path, valid] of targets) {
      for (const param of [...Object.keys(valid), ...(path.includes('top') ? ['category'] : [])]) {
        for (const injection of INJECTIONS) {
          const params = new URLSearchParams({ ...valid, [param]: injection });
          const res = await call(handler, `${path}?${params}`);
          expect({ path, param, injection, status: res.status }).toEqual({ path, param, injection, status: 400 });
          expect(res.body.param).toBe(param);
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(100);
    expect(await counts()).toEqual(before);
    // And the valid request still answers.
    expect((await call(top, `/api/top?interval=hour&window=${window}`)).body.rows).toHaveLength(10);
  });
});

describe('the reader role', () => {
  it('reads top_1000, top_totals, products and movers, and nothing else', async () => {
    const reader = db.reader();
    await expect(reader(VIEWS.top1000).count()).resolves.toBeDefined();
    await expect(reader(TABLES.movers).count()).resolves.toBeDefined();
    await expect(reader(VIEWS.topTotals).count()).resolves.toBeDefined();
    await expect(reader(TABLES.products).count()).resolves.toBeDefined();
    for (const table of [TABLES.batchTable, TABLES.speedTable, TABLES.rollupRuns, TABLES.windowTotals, TABLES.ingestOffsets, TABLES.ingestFiles, TABLES.speedCheckpoints, TABLES.moversState]) {
      await expect(reader(table).count()).rejects.toThrow(/permission denied/);
    }
  });

  it('cannot write, not even to what it reads, nor create tables', async () => {
    const reader = db.reader();
    await expect(reader(TABLES.products).insert({ product_id: 'X', name: 'x', category: 'y' })).rejects.toThrow(/permission denied/);
    await expect(reader(TABLES.products).update({ name: 'x' })).rejects.toThrow(/permission denied/);
    await expect(reader(TABLES.products).del()).rejects.toThrow(/permission denied/);
    await expect(reader(TABLES.batchTable).del()).rejects.toThrow(/permission denied/);
    await expect(reader.raw('CREATE TABLE sneaky (x int)')).rejects.toThrow(/permission denied/);
    await expect(reader.raw(`DROP VIEW ${VIEWS.top1000}`)).rejects.toThrow(/must be owner|permission denied/);
    const [row] = await db.knex(TABLES.products).count<{ count: bigint }[]>({ count: '*' });
    expect(row!.count).toBe(17n);
  });

  it('is the role the dashboard connects as', async () => {
    const rows = await db.knex.raw(`SELECT usename FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'hitboard-dashboard'`);
    // The dashboard's pool has served requests above; its connections log in as the reader.
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(new Set(rows.rows.map((r: { usename: string }) => r.usename))).toEqual(new Set(['hitboard_reader']));
  });
});

describe('database errors', () => {
  it('are logged and answered with a generic 500: no stack, no SQL', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/hitboard_no_such_database';
    await useDatabase(missing.toString());
    const logged = jest.spyOn(dashboardContext().logger, 'error');
    try {
      for (const [handler, path] of [
        [top, `/api/top?interval=hour&window=${H10.toISOString()}`],
        [windows, '/api/windows?interval=hour'],
      ] as const) {
        const res = await call(handler, path);
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: 'internal error' });
        expect(res.text).not.toMatch(/select|top_1000|hitboard_no_such_database|at .*\.ts/i);
      }
      expect(logged).toHaveBeenCalledTimes(2);
      expect(String((logged.mock.calls[0]![0] as { err: Error }).err)).toMatch(/hitboard_no_such_database/);
    } finally {
      await useDatabase(db.url);
    }
  });
});
