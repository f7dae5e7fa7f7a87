/**
 * Issue 27: the raw files gained a `channel` column, and files written before it are never rewritten.
 * A lake holding both shapes — one file as the writer of old wrote it (no `channel`, written here with
 * DuckDB COPY directly), one by today's RawFileWriter — reads the overall sums exactly, the old rows as
 * channel `unknown`, and a lake of old files only reads at all (a plain `coalesce(channel, …)` over
 * `union_by_name` would not bind there: no file has the column).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { TABLES } from '@hitboard/schema';
import { freshDatabase, type FreshDatabase } from '@hitboard/testkit';
import { LocalLakeStore, rawFilePath, readLakeChannelSums, readLakeSums, sqlString, writeRawParquet, type RawCell } from '../src';

const HOUR = Date.parse('2026-11-22T07:00:00Z');
const min = (m: number) => HOUR + m * 60_000;

/** Rows as the pre-channel writer left them: its five columns, nothing else. */
const OLD_ROWS: Array<[minuteMs: number, productId: string, units: number, revenueCents: number, orders: number]> = [
  [min(1), 'p-1', 2, 500, 1],
  [min(1), 'p-2', 1, 100, 1],
  [min(5), 'p-1', 4, 1_000, 3],
];

const NEW_ROWS: RawCell[] = [
  { minuteStartMs: min(10), productId: 'p-1', channel: 'web', units: 3, revenueCents: 900, orders: 2 },
  { minuteStartMs: min(10), productId: 'p-1', channel: 'app', units: 1, revenueCents: 300, orders: 1 },
  { minuteStartMs: min(11), productId: 'p-2', channel: 'store', units: 5, revenueCents: 250, orders: 5 },
];

async function writeOldShapeFile(lake: LocalLakeStore, relPath: string): Promise<void> {
  mkdirSync(lake.stagingDir, { recursive: true });
  const tmp = join(lake.stagingDir, 'old-shape.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const values = OLD_ROWS.map(([m, p, u, r, o]) => `(${m}, ${sqlString(p)}, ${u}, ${r}, ${o})`).join(', ');
    await c.run(
      `COPY (SELECT make_timestamp(m::BIGINT * 1000) AS minute_start, product_id, units::BIGINT AS units, revenue_cents::BIGINT AS revenue_cents, orders::BIGINT AS orders
               FROM (VALUES ${values}) v(m, product_id, units, revenue_cents, orders) ORDER BY m, product_id)
         TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    const columns = (await c.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(tmp)}))`)).getRowObjectsJS().map((r) => r['column_name']);
    expect(columns).not.toContain('channel'); // really the old shape
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  await lake.put(relPath, tmp);
}

async function list(db: FreshDatabase, path: string, flushId: string, first: number, last: number, rows: number): Promise<void> {
  await db.knex(TABLES.ingestFlushes).insert({ flush_id: flushId, topic: 't', partition: 0, first_offset: first, last_offset: last, status: 'committed' });
  await db.knex(TABLES.ingestFiles).insert({ path, flush_id: flushId, partition: 0, first_offset: first, last_offset: last, hour: new Date(HOUR), rows });
}

const flat = (m: ReadonlyMap<string, { units: bigint; revenueCents: bigint; orders: bigint }>) =>
  Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, `${v.units}/${v.revenueCents}/${v.orders}`]));

describe('reading a lake of raw files written before and after the channel column', () => {
  let db: FreshDatabase;
  let dir: string;
  let lake: LocalLakeStore;
  beforeEach(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'lake-channels-'));
    lake = new LocalLakeStore(dir);
  });
  afterEach(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a lake of old files only: every row is channel unknown', async () => {
    const oldPath = rawFilePath(HOUR, 0, 0, 9);
    await writeOldShapeFile(lake, oldPath);
    await list(db, oldPath, 'p0-0-9', 0, 9, OLD_ROWS.length);
    expect(flat(await readLakeChannelSums(db.knex, lake))).toEqual({
      [`${HOUR}|p-1|unknown`]: '6/1500/4',
      [`${HOUR}|p-2|unknown`]: '1/100/1',
    });
    expect(flat(await readLakeSums(db.knex, lake))).toEqual({ [`${HOUR}|p-1`]: '6/1500/4', [`${HOUR}|p-2`]: '1/100/1' });
  });

  it('reads both shapes together: overall sums exact, old rows as unknown, new rows by their channel', async () => {
    const oldPath = rawFilePath(HOUR, 0, 0, 9);
    const newPath = rawFilePath(HOUR, 0, 10, 19);
    await writeOldShapeFile(lake, oldPath);
    await writeRawParquet(lake, newPath, NEW_ROWS);
    await list(db, oldPath, 'p0-0-9', 0, 9, OLD_ROWS.length);
    await list(db, newPath, 'p0-10-19', 10, 19, NEW_ROWS.length);

    const byChannel = await readLakeChannelSums(db.knex, lake);
    expect(flat(byChannel)).toEqual({
      [`${HOUR}|p-1|app`]: '1/300/1',
      [`${HOUR}|p-1|unknown`]: '6/1500/4',
      [`${HOUR}|p-1|web`]: '3/900/2',
      [`${HOUR}|p-2|store`]: '5/250/5',
      [`${HOUR}|p-2|unknown`]: '1/100/1',
    });
    expect(byChannel.get(`${HOUR}|p-1|unknown`)).toMatchObject({ hourMs: HOUR, productId: 'p-1', channel: 'unknown' });
    // Overall: every row of both files, whatever its channel.
    expect(flat(await readLakeSums(db.knex, lake))).toEqual({ [`${HOUR}|p-1`]: '10/2700/7', [`${HOUR}|p-2`]: '6/350/6' });
  });
});
