import type { Knex } from 'knex';
import { READ_ONLY_ROLE, TABLES, VIEWS } from '@hitboard/schema';
import { scratchDatabase, type ScratchDatabase } from './support/scratch-database';

/** Postgres SQLSTATE 42501: insufficient_privilege ("permission denied for …"). */
const PERMISSION_DENIED = expect.objectContaining({ code: '42501', message: expect.stringMatching(/permission denied/) });

describe(`read-only role ${READ_ONLY_ROLE}`, () => {
  let db: ScratchDatabase;
  let reader: Knex;
  beforeAll(async () => {
    db = await scratchDatabase({ migrated: true });
    await db.knex(TABLES.products).insert({ product_id: 'p1', name: 'Kettle', category: 'kitchen' });
    reader = db.reader();
  });
  afterAll(() => db.drop());

  it('logs in as itself', async () => {
    const { rows } = await reader.raw<{ rows: { user: string }[] }>('SELECT current_user AS user');
    expect(rows[0]?.user).toBe(READ_ONLY_ROLE);
  });

  it('reads the view and the product catalog', async () => {
    expect(await reader(VIEWS.top1000).select('*')).toEqual([]);
    expect(await reader(TABLES.products).select('product_id', 'name', 'category')).toEqual([
      { product_id: 'p1', name: 'Kettle', category: 'kitchen' },
    ]);
  });

  it('cannot insert, update or delete products', async () => {
    await expect(reader(TABLES.products).insert({ product_id: 'p2', name: 'x', category: 'y' })).rejects.toEqual(PERMISSION_DENIED);
    await expect(reader(TABLES.products).update({ name: 'x' })).rejects.toEqual(PERMISSION_DENIED);
    await expect(reader(TABLES.products).delete()).rejects.toEqual(PERMISSION_DENIED);
  });

  it('holds no write privilege on the view or the catalog', async () => {
    // Writing to the view fails anyway (UNION ALL is not auto-updatable), so ask the catalog directly.
    const { rows } = await reader.raw<{ rows: { relation: string; privilege: string; granted: boolean }[] }>(
      `SELECT r AS relation, p AS privilege, has_table_privilege(current_user, r, p) AS granted
         FROM unnest(ARRAY[?, ?]) r, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p`,
      [VIEWS.top1000, TABLES.products],
    );
    expect(rows).toHaveLength(12);
    expect(rows.filter((r) => r.granted)).toEqual([]);
  });

  it('cannot create a table', async () => {
    await expect(reader.raw('CREATE TABLE sneaky (id int)')).rejects.toEqual(PERMISSION_DENIED);
    await expect(reader.raw('CREATE TABLE public.sneaky (id int)')).rejects.toEqual(PERMISSION_DENIED);
  });

  it.each([TABLES.ingestOffsets, TABLES.ingestFlushes, TABLES.ingestFiles, TABLES.speedTable, TABLES.batchTable, TABLES.rollupRuns])(
    'cannot read %s',
    async (table) => {
      await expect(reader(table).select('*')).rejects.toEqual(PERMISSION_DENIED);
    },
  );

  it('cannot read tables added by later migrations either (no blanket grants)', async () => {
    const { rows } = await db.knex.raw<{ rows: { table_name: string }[] }>(
      `SELECT table_name FROM information_schema.role_table_grants
        WHERE grantee = ? AND table_schema = 'public' ORDER BY table_name`,
      [READ_ONLY_ROLE],
    );
    expect([...new Set(rows.map((r) => r.table_name))]).toEqual([TABLES.deploymentSettings, TABLES.movers, TABLES.products, VIEWS.builtWindows, VIEWS.channelTop1000, VIEWS.channelTotals, VIEWS.top1000, VIEWS.topTotals].sort());
  });
});
