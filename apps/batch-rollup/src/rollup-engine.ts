import { fileSystemNow } from '@hitboard/runtime';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { asLakeStore, channelledParquet, ROLLUP_COLUMN_LIST, sqlString, type LakeStore } from '@hitboard/lake';
import { LakeReadError } from './errors';
import { rankChannelWindow, type RankedChannelWindow } from './rank-window';

export type { RankedChannel, TopRow } from './rank-window';

/** A window's input: raw files (minutes in [startMs, endMs) selected) or its children's full rollups. */
export type RollupInput =
  | { kind: 'raw'; paths: readonly string[]; startMs: number; endMs: number }
  | { kind: 'rollups'; paths: readonly string[] };

/** The window's totals and its stored rows, overall and per channel (see rank-window.ts). */
export type RollupResult = RankedChannelWindow;

/** A temporary rollup file this old belongs to a task that died (tasks take seconds); younger ones may be in flight elsewhere. */
const ORPHAN_AGE_MS = 3_600_000;
const TMP_PREFIX = 'rollup-';

/** Removes temporary rollup files left in the staging folder by killed tasks (only ours: the aggregator's have their own prefix). */
export async function removeOrphans(dir: string, olderThanMs: number, nowMs?: number): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith(TMP_PREFIX) && name.endsWith('.tmp'));
  if (names.length === 0) return [];
  const now = nowMs ?? fileSystemNow(dir); // mtimes are the file system's clock, not the process's chosen one
  const removed: string[] = [];
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => null);
    if (info && now - info.mtimeMs > olderThanMs) {
      await rm(join(dir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * The DuckDB side of a rollup: sums a window's input per (product, channel), joins the catalog's category,
 * writes the full rollup as Parquet (staged, then `put` into the lake store), and returns the window's totals
 * and the rows to store (top TOP_N_STORED by units and by revenue, overall and per category), and the same
 * per channel (totals, and tops ranked within the channel).
 *
 * Ties rank by product_id in byte order: DuckDB's default VARCHAR ordering, which is Postgres'
 * COLLATE "C" (the view ranks speed rows the same way; a spec checks they agree).
 */
export class RollupEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly store: LakeStore,
  ) {}

  static async create(lake: string | LakeStore, options: { threads?: number; orphanAgeMs?: number } = {}): Promise<RollupEngine> {
    const store = asLakeStore(lake);
    await removeOrphans(store.stagingDir, options.orphanAgeMs ?? ORPHAN_AGE_MS);
    const instance = await DuckDBInstance.create(':memory:', { threads: String(options.threads ?? 2) });
    const engine = new RollupEngine(instance, store);
    await engine.withConnection((c) => c.run(`CREATE TABLE catalog (product_id VARCHAR PRIMARY KEY, category VARCHAR NOT NULL)`));
    return engine;
  }

  /** Replaces the catalog (product → category) every rollup joins. Call between passes, not during one. */
  async setCatalog(products: ReadonlyArray<{ productId: string; category: string }>): Promise<void> {
    await this.withConnection(async (c) => {
      await c.run('DELETE FROM catalog');
      const appender = await c.createAppender('catalog');
      try {
        for (const p of products) {
          appender.appendVarchar(p.productId);
          appender.appendVarchar(p.category);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    });
  }

  /**
   * Rolls one window up and writes its full rollup to `outPath` (relative to the lake root).
   * `afterWrite` runs once the file is in place (a test hook for failures between file and publish).
   */
  async rollup(windowName: string, input: RollupInput, outPath: string, afterWrite?: () => Promise<void> | void): Promise<RollupResult> {
    return this.withConnection(async (c) => {
      // Local paths of the input (the lake's own files, or cached copies of its objects), valid while `read` runs.
      // Files of either shape: those written before the lake kept a channel read as 'unknown' (channelledParquet).
      const source = (paths: string[]) =>
        paths.length === 0
          ? `SELECT NULL::VARCHAR AS product_id, NULL::VARCHAR AS channel, 0::BIGINT AS units, 0::BIGINT AS revenue_cents, 0::BIGINT AS orders WHERE false`
          : input.kind === 'raw'
            ? `SELECT product_id, channel, units, revenue_cents, orders FROM ${channelledParquet(paths)}
                WHERE minute_start >= make_timestamp(${input.startMs * 1000}::BIGINT) AND minute_start < make_timestamp(${input.endMs * 1000}::BIGINT)`
            : `SELECT product_id, channel, units, revenue_cents, orders FROM ${channelledParquet(paths)}`;
      try {
        // One GROUP BY per (product, channel): the per-product sums are added up from these rows in JS (rank-window.ts).
        await this.store.withLocalFiles(input.paths, (paths) => c.run(
          `CREATE OR REPLACE TEMP TABLE win AS
           SELECT s.product_id, s.channel, coalesce(k.category, '') AS category, s.units, s.revenue_cents, s.orders, k.product_id IS NULL AS uncategorised
             FROM (SELECT product_id, channel, sum(units)::BIGINT AS units, sum(revenue_cents)::BIGINT AS revenue_cents, sum(orders)::BIGINT AS orders
                     FROM (${source(paths)}) GROUP BY product_id, channel) s
             LEFT JOIN catalog k ON k.product_id = s.product_id`,
        ));
      } catch (err) {
        throw new LakeReadError(windowName, (err as Error).message, err);
      }
      await mkdir(this.store.stagingDir, { recursive: true });
      const tmp = join(this.store.stagingDir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
      try {
        await c.run(
          `COPY (SELECT ${ROLLUP_COLUMN_LIST} FROM win ORDER BY product_id, channel)
             TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
        );
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      await this.store.put(outPath, tmp); // consumes tmp; a failure is a retriable LakeWriteError
      await afterWrite?.();
      // The whole rollup read once, by product_id then channel; totals and the tops (overall, per category,
      // per channel) are ranked in JS (rank-window.ts). (No DROP of `win`: a temporary table goes with its connection, closed below.)
      const columns = (await c.runAndReadAll(`SELECT product_id, channel, category, units, revenue_cents, orders, uncategorised FROM win ORDER BY product_id, channel`)).getColumnsJS();
      const column = <T>(i: number) => (columns[i] ?? []) as T[]; // no rows: no columns at all
      return rankChannelWindow({
        productId: column<string>(0),
        channel: column<string>(1),
        category: column<string>(2),
        units: column<bigint>(3),
        revenueCents: column<bigint>(4),
        orders: column<bigint>(5),
        uncategorised: column<boolean>(6),
      });
    });
  }

  close(): void {
    this.instance.closeSync();
  }

  private async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      return await fn(connection);
    } finally {
      connection.closeSync();
    }
  }
}
