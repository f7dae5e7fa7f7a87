import type { Knex } from 'knex';
import { createDb } from '@hitboard/db-client';
import { APP_ROLES, TABLES, VIEWS } from '@hitboard/schema';
import { setRolePassword } from '../src';
import { scratchDatabase, type ScratchDatabase } from './support/scratch-database';

/** Postgres SQLSTATE 42501: insufficient_privilege ("permission denied for …"). */
const PERMISSION_DENIED = expect.objectContaining({ code: '42501', message: expect.stringMatching(/permission denied/) });
const TEST_PASSWORD = 'hitboard-app-role-test';

/** Roles are cluster-wide: parallel test files may set the same password at once ("tuple concurrently updated"). */
async function ensurePassword(admin: Knex, role: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await setRolePassword(admin, role, TEST_PASSWORD);
    } catch (error) {
      if (attempt >= 5 || !/concurrently/.test(String(error))) throw error;
    }
  }
}

const W = { interval: 'hour', window_start: new Date('2026-01-01T00:00:00Z') };
const now = new Date('2026-01-01T02:00:00Z');

/** One write per table an app may hold, so each role can be tried against every table. */
const writes: Record<string, (k: Knex) => Promise<unknown>> = {
  [TABLES.ingestOffsets]: (k) => k(TABLES.ingestOffsets).insert({ topic: `t-${Math.random()}`, partition: 0, next_offset: 0 }),
  [TABLES.ingestFlushes]: (k) =>
    k(TABLES.ingestFlushes).insert({ flush_id: `f-${Math.random()}`, topic: 't', partition: 0, first_offset: 0, last_offset: 1, status: 'intended' }),
  [TABLES.speedTable]: (k) => k(TABLES.speedTable).insert({ ...W, shard: 0, product_id: `p-${Math.random()}`, units: 1, revenue_cents: 1 }),
  [TABLES.speedCheckpoints]: (k) => k(TABLES.speedCheckpoints).select('*').forUpdate(),
  [TABLES.batchTable]: (k) => k(TABLES.batchTable).update({ units: 1 }).where({ product_id: 'none' }),
  [TABLES.rollupRuns]: (k) => k(TABLES.rollupRuns).insert({ ...W, status: 'running', started_at: now }),
  [TABLES.rollupDirty]: (k) => k(TABLES.rollupDirty).delete().where({ interval: 'none' }),
  [TABLES.windowTotals]: (k) => k(TABLES.windowTotals).delete().where({ interval: 'none' }),
  [TABLES.products]: (k) => k(TABLES.products).insert({ product_id: `p-${Math.random()}`, name: 'x', category: 'y' }),
  [TABLES.imports]: (k) => k(TABLES.imports).delete().where({ file_name: 'none' }),
  [TABLES.alerts]: (k) =>
    k(TABLES.alerts).insert({
      rule: 'r', webhook: 'w', product_id: `p-${Math.random()}`, direction: 'up', since: now, status: 'suppressed', factor: 5, units_per_hour: 5, usual_units_per_hour: 1, units: 1, orders: 1, is_new: false, instance: 'test',
    }),
  [TABLES.moverEpisodes]: (k) =>
    k(TABLES.moverEpisodes).insert({ product_id: `p-${Math.random()}`, direction: 'up', since: now, peak_factor: 5, units: 1, orders: 1, is_new: false }),
  [TABLES.reports]: (k) =>
    k(TABLES.reports).insert({ report: `r-${Math.random()}`, interval: 'day', window_start: now, window_end: now, status: 'waiting', due_at: now }),
};

/** Which of those writes each role may make, and which relations it may read: everything else is refused. */
const allowed: Record<string, { write: string[]; read: string[] }> = {
  [APP_ROLES.aggregator]: {
    write: [TABLES.ingestOffsets, TABLES.ingestFlushes],
    read: [TABLES.ingestOffsets, TABLES.ingestFlushes, TABLES.ingestFiles, TABLES.deploymentSettings],
  },
  [APP_ROLES.speedPipeline]: {
    write: [TABLES.speedTable, TABLES.speedCheckpoints, TABLES.windowTotals],
    read: [TABLES.speedTable, TABLES.speedCheckpoints, 'speed_checkpoint_windows', TABLES.windowTotals, TABLES.rollupRuns, TABLES.deploymentSettings, TABLES.movers, TABLES.moversState, TABLES.batchTable],
  },
  [APP_ROLES.batchRollup]: {
    write: [TABLES.batchTable, TABLES.rollupRuns, TABLES.rollupDirty, TABLES.windowTotals],
    read: [TABLES.batchTable, TABLES.rollupRuns, TABLES.rollupDirty, TABLES.windowTotals, TABLES.ingestFiles, TABLES.ingestFlushes, TABLES.ingestOffsets, TABLES.products, TABLES.speedTable, TABLES.deploymentSettings],
  },
  [APP_ROLES.notifier]: {
    write: [TABLES.alerts, TABLES.moverEpisodes, TABLES.reports],
    read: [TABLES.alerts, TABLES.moverEpisodes, TABLES.reports, TABLES.movers, TABLES.products, TABLES.batchTable, TABLES.rollupRuns, TABLES.rollupDirty, TABLES.windowTotals, TABLES.deploymentSettings],
  },
  [APP_ROLES.dashboard]: { write: [], read: [VIEWS.top1000, VIEWS.topTotals, TABLES.products, TABLES.movers, TABLES.deploymentSettings] },
};

const READABLE = [
  ...new Set([...Object.values(TABLES), 'speed_checkpoint_windows', VIEWS.top1000, VIEWS.topTotals]),
].sort();

describe('per-app database roles (migrations 0009, 0011, 0012)', () => {
  let db: ScratchDatabase;
  const conns = new Map<string, Knex>();
  beforeAll(async () => {
    db = await scratchDatabase({ migrated: true });
    for (const role of Object.values(APP_ROLES)) {
      if (role !== APP_ROLES.dashboard) await ensurePassword(db.knex, role);
      const url = new URL(db.url);
      url.username = role;
      url.password = role === APP_ROLES.dashboard ? 'hitboard-reader-test' : TEST_PASSWORD;
      conns.set(role, createDb(url.toString(), { pool: { min: 0, max: 1 }, applicationName: 'hitboard-role-test' }));
    }
  });
  afterAll(async () => {
    await Promise.all([...conns.values()].map((k) => k.destroy()));
    await db.drop();
  });

  describe.each(Object.entries(allowed))('%s', (role, may) => {
    const k = () => conns.get(role)!;

    it('logs in as itself', async () => {
      const { rows } = await k().raw<{ rows: { user: string }[] }>('SELECT current_user AS user');
      expect(rows[0]?.user).toBe(role);
    });

    it.each(Object.keys(writes))('writes %s only if it is its own', async (table) => {
      const attempt = writes[table]!(k());
      if (may.write.includes(table)) await expect(attempt).resolves.toBeDefined();
      else await expect(attempt).rejects.toEqual(PERMISSION_DENIED);
    });

    it.each(READABLE)('reads %s only if it needs it', async (relation) => {
      const attempt = k()(relation).select('*').limit(1);
      if (may.read.includes(relation)) await expect(attempt).resolves.toBeDefined();
      else await expect(attempt).rejects.toEqual(PERMISSION_DENIED);
    });

    it('cannot create a table', async () => {
      await expect(k().raw('CREATE TABLE public.sneaky (id int)')).rejects.toEqual(PERMISSION_DENIED);
    });
  });

  it('the batch layer deletes the speed rows a window covers, but cannot write speed rows', async () => {
    const batch = conns.get(APP_ROLES.batchRollup)!;
    await db.knex(TABLES.speedTable).insert({ ...W, shard: 0, product_id: 'covered', units: 1, revenue_cents: 1 });
    await expect(batch(TABLES.speedTable).where({ product_id: 'covered' }).delete()).resolves.toBe(1);
    await expect(batch(TABLES.speedTable).insert({ ...W, shard: 0, product_id: 'x', units: 1, revenue_cents: 1 })).rejects.toEqual(PERMISSION_DENIED);
    await expect(batch(TABLES.speedTable).update({ units: 2 })).rejects.toEqual(PERMISSION_DENIED);
  });

  it('window_totals: the speed pipeline writes only speed rows, the batch layer only batch rows (and retires covered speed rows)', async () => {
    const speed = conns.get(APP_ROLES.speedPipeline)!;
    const batch = conns.get(APP_ROLES.batchRollup)!;
    const T = { interval: 'day', window_start: new Date('2026-01-05T00:00:00Z') };
    await db.knex(TABLES.windowTotals).insert([
      { ...T, source: 'batch', shard: -1, units: 500, revenue_cents: 5000, orders: 50, products: 5, as_of: now },
      { ...T, source: 'speed', shard: 0, units: 40, revenue_cents: 400, as_of: now },
    ]);
    const units = async (source: string) => String((await db.knex(TABLES.windowTotals).where({ ...T, source }).first<{ units: string | number }>('units'))!.units);

    // The speed role can neither rewrite, delete nor add an exact (batch) total…
    await expect(speed(TABLES.windowTotals).where({ source: 'batch' }).update({ units: 1 })).resolves.toBe(0);
    await expect(speed(TABLES.windowTotals).where({ source: 'batch' }).delete()).resolves.toBe(0);
    await expect(speed(TABLES.windowTotals).update({ source: 'batch' }).where({ ...T, source: 'speed' })).rejects.toMatchObject({ message: expect.stringMatching(/row-level security/) });
    await expect(speed(TABLES.windowTotals).insert({ interval: 'day', window_start: new Date('2026-01-06T00:00:00Z'), source: 'batch', shard: -1, units: 1, revenue_cents: 1, as_of: now })).rejects.toMatchObject({ message: expect.stringMatching(/row-level security/) });
    expect(await units('batch')).toBe('500');
    // …and still writes its own.
    await expect(speed(TABLES.windowTotals).where({ ...T, source: 'speed' }).update({ units: 41 })).resolves.toBe(1);
    expect(await units('speed')).toBe('41');
    // The speed pipeline's own upsert (speed-store.ts) and the batch layer's (run-store.ts) pass their policies.
    const upsert = (source: string, shard: number) =>
      `INSERT INTO window_totals AS t ("interval", window_start, source, shard, units, revenue_cents, as_of) VALUES ('day', '2026-01-05T00:00:00Z', '${source}', ${shard}, 42, 420, now())
       ON CONFLICT ("interval", window_start, channel, source, shard) DO UPDATE SET units = excluded.units`;
    await speed.raw(upsert('speed', 0));
    expect(await units('speed')).toBe('42');
    await batch.raw(upsert('batch', -1));
    expect(await units('batch')).toBe('42');
    await expect(speed.raw(upsert('batch', -1))).rejects.toMatchObject({ message: expect.stringMatching(/row-level security/) });
    expect(await units('batch')).toBe('42');

    // The batch role cannot rewrite an estimate, but replaces its own totals and retires the speed ones.
    await expect(batch(TABLES.windowTotals).where({ source: 'speed' }).update({ units: 1 })).resolves.toBe(0);
    await expect(batch(TABLES.windowTotals).where({ ...T, source: 'batch' }).update({ units: 501 })).resolves.toBe(1);
    expect(await units('batch')).toBe('501');
    await expect(batch(TABLES.windowTotals).where({ ...T, source: 'speed' }).delete()).resolves.toBe(1);
    // Every reader still sees every row (the speed role reads the exact total it may not write).
    expect((await speed(TABLES.windowTotals).where(T).select<Array<{ source: string }>>('source')).map((r) => r.source)).toEqual(['batch']);
  });

  it('grants nothing beyond the listed tables (a later table is nobody\'s until its migration grants it)', async () => {
    const { rows } = await db.knex.raw<{ rows: { grantee: string; table_name: string; privilege_type: string }[] }>(
      `SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants
        WHERE grantee = ANY(?) AND table_schema = 'public'`,
      [[APP_ROLES.aggregator, APP_ROLES.speedPipeline, APP_ROLES.batchRollup, APP_ROLES.notifier]],
    );
    const byRole = (role: string) => [...new Set(rows.filter((r) => r.grantee === role).map((r) => r.table_name))].sort();
    expect(byRole(APP_ROLES.aggregator)).toEqual([TABLES.deploymentSettings, TABLES.ingestFiles, TABLES.ingestFlushes, TABLES.ingestOffsets].sort());
    expect(byRole(APP_ROLES.speedPipeline)).toEqual([TABLES.batchTable, TABLES.deploymentSettings, TABLES.movers, TABLES.moversState, TABLES.rollupRuns, 'speed_checkpoint_windows', TABLES.speedCheckpoints, TABLES.speedTable, TABLES.windowTotals].sort());
    expect(byRole(APP_ROLES.batchRollup)).toEqual(
      [TABLES.batchTable, TABLES.deploymentSettings, TABLES.ingestFiles, TABLES.ingestFlushes, TABLES.ingestOffsets, TABLES.products, TABLES.rollupDirty, TABLES.rollupRuns, TABLES.speedTable, TABLES.windowTotals].sort(),
    );
    expect(byRole(APP_ROLES.notifier)).toEqual(
      [TABLES.alerts, TABLES.batchTable, TABLES.deploymentSettings, TABLES.moverEpisodes, TABLES.movers, TABLES.products, TABLES.reports, TABLES.rollupDirty, TABLES.rollupRuns, TABLES.windowTotals].sort(),
    );
  });
});
