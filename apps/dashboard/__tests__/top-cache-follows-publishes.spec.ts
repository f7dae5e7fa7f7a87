import { clock } from '@hitboard/runtime/clock';
/**
 * The result cache of /api/top against a real Postgres: it answers repeated requests without a
 * query, and a committed change to a window (a batch publish, a speed write — announced by the
 * database's NOTIFY triggers, migration 0014) drops the window's answers, so the next response has
 * the new rows. While the LISTEN connection is not in place the cache never answers.
 */
import { TABLES } from '@hitboard/schema';
import { waitFor, type FreshDatabase } from '@hitboard/testkit';
import { GET as top } from '../src/app/api/top/route';
import { dashboardContext, resetDashboardContext } from '../src/server/context';
import { call, dashboardDatabase } from './support/app';
import { seedBatchWindow, seedProducts, seedSpeedWindow, type Sale } from './support/seed';

const H10 = new Date('2026-11-28T10:00:00Z');
const H11 = new Date('2026-11-28T11:00:00Z');
const SALES: Sale[] = [
  { id: 'A', units: 30n, revenue: 300n },
  { id: 'B', units: 20n, revenue: 200n },
  { id: 'C', units: 10n, revenue: 100n },
];
/** The rebuild after late data: C overtakes everyone. */
const REBUILT: Sale[] = [
  { id: 'A', units: 31n, revenue: 310n },
  { id: 'B', units: 20n, revenue: 200n },
  { id: 'C', units: 90n, revenue: 900n },
];

let db: FreshDatabase;

beforeEach(async () => {
  // A long cache lifetime: only an announced change may refresh an answer within the test.
  db = await dashboardDatabase({ DASHBOARD_CACHE_MS: '600000' });
  await seedProducts(
    db.knex,
    ['A', 'B', 'C'].map((id) => ({ id, category: 'Toys' })),
  );
  await seedBatchWindow(db.knex, 'hour', H10, SALES);
});

afterEach(async () => {
  await resetDashboardContext();
  await db.drop();
});

const topOf = async (window: Date) => {
  const res = await call(top, `/api/top?interval=hour&window=${encodeURIComponent(window.toISOString())}`);
  expect(res.status).toBe(200);
  return res.body as { source: string; rows: { productId: string; units: string; movement: unknown }[]; totals: { units: string } };
};
const listening = () => waitFor('the LISTEN connection', async () => dashboardContext().changes?.listening, 30_000);

/** Waits until the dashboard has heard more than `before` announcements (the NOTIFY arrives after the commit). */
const heardAfter = (before: number) => waitFor('the change to be announced', async () => (dashboardContext().changes!.heard > before ? true : undefined), 30_000);

/** Replaces a window's batch rows in one transaction, as the batch layer's publish does (a new succeeded run). */
async function republish(window: Date, sales: Sale[]): Promise<void> {
  await db.knex.transaction(async (trx) => {
    await trx(TABLES.batchTable).where({ interval: 'hour', window_start: window }).delete();
    await trx(TABLES.windowTotals).where({ interval: 'hour', window_start: window, source: 'batch' }).delete();
    await seedBatchWindow(trx, 'hour', window, sales);
  });
}

describe('/api/top result cache', () => {
  it('answers again without a query, and a batch publish of the window makes the next answer the new rows', async () => {
    await topOf(H10);
    await listening();
    const first = await topOf(H10);
    expect(first.rows.map((r) => r.productId)).toEqual(['A', 'B', 'C']);
    const before = dashboardContext().data.cacheStats();
    const again = await topOf(H10);
    expect(again).toEqual(first);
    const after = dashboardContext().data.cacheStats();
    expect(after.misses).toBe(before.misses); // no query ran for it
    expect(after.hits).toBeGreaterThan(before.hits);

    const heard = dashboardContext().changes!.heard;
    await republish(H10, REBUILT);
    await heardAfter(heard);
    const rebuilt = await topOf(H10);
    expect(rebuilt.source).toBe('batch');
    expect(rebuilt.rows.map((r) => [r.productId, r.units])).toEqual([
      ['C', '90'],
      ['A', '31'],
      ['B', '20'],
    ]);
    expect(rebuilt.totals.units).toBe('141');
  });

  it('drops the next window too (its movement reads this one), and a speed write refreshes a live window', async () => {
    await seedSpeedWindow(db.knex, 'hour', H11, [{ id: 'B', units: 5n, revenue: 50n, shard: 0 }]);
    await topOf(H11);
    await listening();
    const live = await topOf(H11);
    expect(live.source).toBe('speed');
    expect(live.rows[0]).toMatchObject({ productId: 'B', units: '5' });
    expect(live.rows[0]!.movement).toEqual({ kind: 'up', by: 1 }); // B was 2nd in H10

    // H10 rebuilt: B falls to 3rd, so H11's movement for B changes although H11's own rows did not.
    let heard = dashboardContext().changes!.heard;
    await republish(H10, REBUILT);
    await heardAfter(heard);
    const afterPrevious = await topOf(H11);
    expect(afterPrevious.rows[0]!.movement).toEqual({ kind: 'up', by: 2 });

    // The speed store replaces its shard's rows in one transaction.
    heard = dashboardContext().changes!.heard;
    await db.knex.transaction(async (trx) => {
      await trx(TABLES.speedTable).where({ interval: 'hour', window_start: H11, shard: 0 }).delete();
      await trx(TABLES.speedTable).insert({ interval: 'hour', window_start: H11, shard: 0, product_id: 'B', units: '7', revenue_cents: '70', error_bound: '0', revenue_error_bound: '0', updated_at: clock.date() });
    });
    await heardAfter(heard);
    expect((await topOf(H11)).rows[0]).toMatchObject({ productId: 'B', units: '7' });
  });

  it('never answers from the cache while it cannot hear changes', async () => {
    await topOf(H10);
    await listening();
    await topOf(H10);
    await dashboardContext().changes!.stop(); // deaf from here on: a change now would go unheard
    const before = dashboardContext().data.cacheStats();
    await republish(H10, REBUILT);
    const answer = await topOf(H10);
    expect(answer.rows[0]).toMatchObject({ productId: 'C', units: '90' });
    expect(dashboardContext().data.cacheStats().hits).toBe(before.hits);
  });
});
