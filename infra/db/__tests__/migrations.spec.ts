import { clock } from '@hitboard/runtime';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES, VIEWS } from '@hitboard/schema';
import { Client } from 'pg';
import { DirectoryMigrationSource, migrateLatest, migrateRollback, setRolePassword } from '../src';
import { scratchDatabase, type ScratchDatabase } from './support/scratch-database';

async function relations(db: ScratchDatabase): Promise<string[]> {
  const { rows } = await db.knex.raw<{ rows: { relname: string }[] }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') ORDER BY c.relname`,
  );
  return rows.map((r) => r.relname);
}

/** Every migration in the package, in order (other migrations join 0001_core over time). */
async function allMigrations(): Promise<string[]> {
  const source = new DirectoryMigrationSource();
  return (await source.getMigrations()).map((file) => source.getMigrationName(file));
}

describe('migrations', () => {
  let db: ScratchDatabase;
  let all: string[];
  beforeAll(async () => (all = await allMigrations()));
  beforeEach(async () => (db = await scratchDatabase({ migrated: false })));
  afterEach(() => db.drop());

  it('run forward on an empty database and create every table and the view', async () => {
    expect(await relations(db)).toEqual([]);
    const { applied } = await migrateLatest(db.knex);
    expect(applied).toEqual(all);
    expect(applied[0]).toBe('0001_core');
    const expected = [
      TABLES.products,
      TABLES.ingestOffsets,
      TABLES.ingestFlushes,
      TABLES.ingestFiles,
      TABLES.speedTable,
      TABLES.batchTable,
      TABLES.rollupRuns,
      VIEWS.top1000,
    ];
    expect(await relations(db)).toEqual(expect.arrayContaining(expected));
  });

  it('are a no-op when already at the latest version', async () => {
    await migrateLatest(db.knex);
    const { applied } = await migrateLatest(db.knex);
    expect(applied).toEqual([]);
    const { rows } = await db.knex.raw<{ rows: { name: string }[] }>('SELECT name FROM knex_migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(all);
  });

  it('roll back completely and forward again', async () => {
    await migrateLatest(db.knex);
    const { reverted } = await migrateRollback(db.knex, { all: true });
    expect([...reverted].sort()).toEqual(all);
    expect((await relations(db)).filter((r) => !r.startsWith('knex_'))).toEqual([]);
    expect((await migrateLatest(db.knex)).applied).toEqual(all);
  });

  it('store amounts as bigint and times as timestamptz', async () => {
    await migrateLatest(db.knex);
    const { rows } = await db.knex.raw<{ rows: { table_name: string; column_name: string; data_type: string }[] }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> 'knex_migrations' AND table_name <> 'knex_migrations_lock'`,
    );
    const type = (table: string, column: string) => rows.find((r) => r.table_name === table && r.column_name === column)?.data_type;
    for (const [table, column] of [
      [TABLES.speedTable, 'units'],
      [TABLES.speedTable, 'revenue_cents'],
      [TABLES.speedTable, 'error_bound'],
      [TABLES.speedTable, 'revenue_error_bound'],
      [TABLES.batchTable, 'units'],
      [TABLES.batchTable, 'revenue_cents'],
      [TABLES.batchTable, 'orders'],
      [TABLES.ingestOffsets, 'next_offset'],
      [VIEWS.top1000, 'units'],
      [VIEWS.top1000, 'revenue_cents'],
      [VIEWS.top1000, 'error_bound'],
    ] as const) {
      expect(`${table}.${column}: ${type(table, column)}`).toBe(`${table}.${column}: bigint`);
    }
    const times = rows.filter((r) => /(_at|window_start|hour|watermark|as_of)$/.test(r.column_name) && !/_per_hour(_low)?$/.test(r.column_name));
    expect(times.length).toBeGreaterThan(10);
    for (const r of times) expect(`${r.table_name}.${r.column_name}: ${r.data_type}`).toBe(`${r.table_name}.${r.column_name}: timestamp with time zone`);
    // Money and counts are integers end to end: no floating-point column anywhere but the movers'
    // statistics (rates, expectations, factors and p-values are not amounts: 0010) and the factors the
    // notifier copies from them (0011).
    const floats = rows.filter((r) => /double|real/.test(r.data_type));
    expect(floats.length).toBeGreaterThan(0);
    expect(floats.filter((r) => r.table_name !== TABLES.movers).map((r) => `${r.table_name}.${r.column_name}`).sort()).toEqual([
      `${TABLES.alerts}.factor`,
      `${TABLES.alerts}.units_per_hour`,
      `${TABLES.alerts}.usual_units_per_hour`,
      `${TABLES.moverEpisodes}.peak_factor`,
    ]);
  });
});

describe('DirectoryMigrationSource', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hitboard-migrations-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeMigration = (file: string, table: string) =>
    writeFileSync(
      join(dir, file),
      `exports.up = (knex) => knex.raw('CREATE TABLE ${table} (id int)');\nexports.down = (knex) => knex.raw('DROP TABLE ${table}');\n`,
    );

  it('lists NNNN_*.ts|js files in name order, ignoring everything else', async () => {
    for (const file of ['0010_later.js', '0002_second.ts', '0001_first.ts', 'README.md', 'types.d.ts', 'helper.ts', '0003_x.spec.ts']) {
      writeFileSync(join(dir, file), '');
    }
    const source = new DirectoryMigrationSource(dir);
    const files = await source.getMigrations();
    expect(files).toEqual(['0001_first.ts', '0002_second.ts', '0010_later.js']);
    expect(files.map((f) => source.getMigrationName(f))).toEqual(['0001_first', '0002_second', '0010_later']);
  });

  it('picks up a migration added to the directory later and applies only that one', async () => {
    const db = await scratchDatabase({ migrated: false });
    try {
      const config = { migrationSource: new DirectoryMigrationSource(dir) };
      writeMigration('0001_a.js', 'a');
      expect((await db.knex.migrate.latest(config))[1]).toEqual(['0001_a']);
      writeMigration('0002_b.js', 'b');
      expect((await db.knex.migrate.latest(config))[1]).toEqual(['0002_b']);
      expect((await db.knex.migrate.latest(config))[1]).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('the package directory holds 0001_core first', async () => {
    const files = await new DirectoryMigrationSource().getMigrations();
    expect(files[0]).toBe('0001_core.ts');
  });
});

describe('setRolePassword', () => {
  it('sets any password, quotes included, without client-side quoting', async () => {
    const db = await scratchDatabase({ migrated: false });
    const role = `hbt_pw_${process.pid}_${clock.now()}`;
    const password = `it's a \\ "pass" ?word $1 $$`;
    try {
      await db.knex.raw(`CREATE ROLE "${role}" LOGIN`);
      await setRolePassword(db.knex, role, password);
      const url = new URL(db.url);
      url.username = role;
      url.password = password;
      const client = new Client({ connectionString: url.toString() });
      // On trust-auth servers any password logs in; the ALTER ROLE not failing is then the check.
      await client.connect();
      const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
      await client.end();
      expect(rows[0]?.user).toBe(role);
    } finally {
      await db.drop();
      const admin = new Client({ connectionString: process.env.HITBOARD_TEST_PG_URL });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
      await admin.end();
    }
  });
});
