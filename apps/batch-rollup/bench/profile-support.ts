/**
 * What the rollup profiles share: a scratch database and lake filled with the bench's data, an
 * engine and task deps over them, and a tally of Postgres statements by their text (knex's query /
 * query-response events, so each time includes the round trip).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES, TOPICS } from '@hitboard/schema';
import { freshDatabase, type FreshDatabase } from '@hitboard/testkit';
import { RollupEngine } from '../src/rollup-engine';
import type { TaskDeps } from '../src/rollup-task';
import { fillLake } from './lake-fixture';

export const H = 3_600_000;
export const START = Date.parse('2026-01-01T00:00:00Z');

export interface ProfileWorld {
  db: FreshDatabase;
  registry: IntervalRegistry;
  deps: TaskDeps;
  statements: StatementTally;
}

/**
 * The lake's shape: the default bench's (5,000 products, 2 files × 1,500 rows an hour), or with
 * BENCH_SCALE=1 the `--scale` bench's (200,000 products, 4 files × 250,000 rows an hour, channels on).
 */
const SCALE = process.env['BENCH_SCALE'] === '1';
const SHAPE = SCALE ? { products: 200_000, partitions: 4, cellsPerFile: 250_000, channels: true } : { products: 5000, partitions: 2, cellsPerFile: 1500 };

/** Runs `fn` over `days` of the bench's lake (or its first `hours`), then drops the database and the lake. */
export async function withProfileWorld(days: number, fn: (world: ProfileWorld) => Promise<void>, hours?: number): Promise<void> {
  const db = await freshDatabase();
  const lakeDir = mkdtempSync(join(tmpdir(), 'rollup-profile-'));
  let engine: RollupEngine | undefined;
  try {
    await fillLake(db.knex, lakeDir, { ...SHAPE, startMs: START, days, hours });
    const registry = IntervalRegistry.standard('UTC');
    engine = await RollupEngine.create(lakeDir, { threads: 2 });
    await engine.setCatalog((await db.knex(TABLES.products).select('product_id', 'category')).map((r) => ({ productId: r.product_id, category: r.category })));
    const deps: TaskDeps = { knex: db.knex, engine, registry, topic: TOPICS.salesEvents, allowedLatenessMs: 0, log: pino({ level: 'silent' }) };
    await fn({ db, registry, deps, statements: new StatementTally(db.knex) });
  } finally {
    engine?.close();
    await db.drop();
    rmSync(lakeDir, { recursive: true, force: true });
  }
}

/** Postgres statements summed by their text while `recording` is on. */
export class StatementTally {
  recording = true;
  private readonly started = new Map<string, { sql: string; at: number }>();
  private readonly bySql = new Map<string, { n: number; ms: number }>();

  constructor(knex: FreshDatabase['knex']) {
    knex.on('query', (q: { __knexQueryUid: string; sql: string }) => this.started.set(q.__knexQueryUid, { sql: q.sql, at: performance.now() }));
    knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
      const s = this.started.get(q.__knexQueryUid);
      this.started.delete(q.__knexQueryUid);
      if (!s || !this.recording) return;
      const key = s.sql.replace(/\s+/g, ' ').slice(0, 110);
      const e = this.bySql.get(key) ?? { n: 0, ms: 0 };
      e.n += 1;
      e.ms += performance.now() - s.at;
      this.bySql.set(key, e);
    });
  }

  /** The `top` costliest statements, mean ms and count per `per` (a window, a run). */
  print(title: string, per: number, top: number): void {
    process.stdout.write(`${title}\n`);
    for (const [sql, e] of [...this.bySql].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
      process.stdout.write(`${(e.ms / per).toFixed(2).padStart(7)} ms  ×${(e.n / per).toFixed(1)}  ${sql}\n`);
    }
  }
}

export function runProfile(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
