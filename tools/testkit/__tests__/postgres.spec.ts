import { Client } from 'pg';
import { READ_ONLY_ROLE, TABLES, VIEWS } from '@hitboard/schema';
import { freshDatabase, testServerUrl } from '../src/postgres';

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('freshDatabase', () => {
  it('returns a migrated database', async () => {
    const db = await freshDatabase();
    try {
      expect(await db.knex(VIEWS.top1000).select('*')).toEqual([]);
      const { rows } = await db.knex.raw<{ rows: { name: string }[] }>('SELECT name FROM knex_migrations ORDER BY id');
      expect(rows[0]?.name).toBe('0001_core');
    } finally {
      await db.drop();
    }
  });

  it('gives two databases that do not see each other’s rows', async () => {
    const [a, b] = await Promise.all([freshDatabase(), freshDatabase()]);
    try {
      expect(a.name).not.toBe(b.name);
      await a.knex(TABLES.products).insert({ product_id: 'only-in-a', name: 'A', category: 'c' });
      await b.knex(TABLES.products).insert({ product_id: 'only-in-b', name: 'B', category: 'c' });
      expect(await a.knex(TABLES.products).pluck('product_id')).toEqual(['only-in-a']);
      expect(await b.knex(TABLES.products).pluck('product_id')).toEqual(['only-in-b']);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('drop() removes the database even with connections still open, and is idempotent', async () => {
    const db = await freshDatabase();
    const reader = db.reader();
    await reader(TABLES.products).select('*'); // an open reader connection
    expect(await databaseExists(db.name)).toBe(true);
    await db.drop();
    expect(await databaseExists(db.name)).toBe(false);
    await expect(db.drop()).resolves.toBeUndefined();
  });

  it('connects the read-only role to the new database', async () => {
    const db = await freshDatabase();
    try {
      await db.knex(TABLES.products).insert({ product_id: 'p1', name: 'Kettle', category: 'kitchen' });
      const reader = db.reader();
      const { rows } = await reader.raw<{ rows: { user: string }[] }>('SELECT current_user AS user');
      expect(rows[0]?.user).toBe(READ_ONLY_ROLE);
      expect(await reader(TABLES.products).pluck('product_id')).toEqual(['p1']);
      await expect(reader(TABLES.speedTable).select('*')).rejects.toMatchObject({ code: '42501' });
      expect(new URL(db.readerUrl).username).toBe(READ_ONLY_ROLE);
    } finally {
      await db.drop();
    }
  });
});
