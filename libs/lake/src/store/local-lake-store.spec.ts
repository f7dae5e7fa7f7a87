import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../columns';
import { openLakeStore } from './lake-settings';

/** Writes a one-row Parquet file with DuckDB, as the lake's writers do. */
async function writeParquet(path: string, productId: string, units: number): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    await c.run(`COPY (SELECT ${sqlString(productId)} AS product_id, ${units}::BIGINT AS units) TO ${sqlString(path)} (FORMAT parquet)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** What the lake's readers (readLakeSums, the rollup engine) run on the paths the store gives them. */
async function readAll(paths: string[]): Promise<Array<[string, number]>> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const reader = await c.runAndReadAll(`SELECT product_id, units FROM read_parquet([${paths.map(sqlString).join(', ')}], hive_partitioning = false) ORDER BY product_id`);
    return reader.getRowObjectsJS().map((r) => [String(r['product_id']), Number(r['units'])]);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

const NEIGHBOUR: Record<string, string> = { 'lake[1]': 'lake1', 'lake*': 'lakeX', 'lake?': 'lakeX' };

describe('a lake folder whose path holds glob characters', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hb-lake-glob-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(NEIGHBOUR))('%s: readers get its own files, never another lake\'s', async (name) => {
    // This lake, and a neighbour its name would match as a glob (lake[1] → lake1, lake* → lakeX, …).
    const key = 'raw/date=2026-11-20/hour=10/p0-0-9.parquet';
    const own = join(dir, name);
    const other = join(dir, NEIGHBOUR[name]!);
    for (const root of [own, other]) mkdirSync(join(root, 'raw/date=2026-11-20/hour=10'), { recursive: true });
    await writeParquet(join(own, key), 'ours', 1);
    await writeParquet(join(other, key), 'theirs', 1000);

    const store = openLakeStore({ LAKE_DIR: own });
    try {
      expect(await store.withLocalFiles([key], readAll)).toEqual([['ours', 1]]);
    } finally {
      await store.close();
    }
  });
});
