/** The batch layer's Postgres I/O: window states, dirty marks, runs, and the publish transaction. */
import type { Knex } from 'knex';
import { globalWatermark, hourStartMs, listingByHour, type WatermarkReading } from '@hitboard/lake';
import { CHANNEL_ALL, TABLES } from '@hitboard/schema';
import type { IntervalRegistry, Window } from '@hitboard/time';
import { windowKey, type DirtyMark, type LateSource, type PlanContext, type RunReason, type RunStatus, type WindowState } from './planner';
import type { RollupResult, TopRow } from './rollup-engine';
import type { WindowLock } from './window-lock';

interface LatestRow {
  interval: string;
  window_start: Date;
  run_id: bigint;
  status: RunStatus;
  input_files: number | null;
  input_rows: bigint | null;
}

/** Every window's state: latest run, latest succeeded run (with what it read), dirty mark. */
export async function loadStates(knex: Knex, scopeTo?: { intervals: readonly string[]; fromMs: number; toMs: number }): Promise<Map<string, WindowState>> {
  const scope = (q: Knex.QueryBuilder) =>
    scopeTo
      ? q
          .whereIn('interval', scopeTo.intervals as string[])
          .andWhere('window_start', '>=', new Date(scopeTo.fromMs))
          .andWhere('window_start', '<', new Date(scopeTo.toMs))
      : q;
  const [latest, succeeded, dirty] = await Promise.all([
    scope(knex(TABLES.rollupRuns).distinctOn('interval', 'window_start').select('interval', 'window_start', 'run_id', 'status'))
      .orderBy([{ column: 'interval' }, { column: 'window_start' }, { column: 'run_id', order: 'desc' }]) as Promise<LatestRow[]>,
    scope(
      knex(TABLES.rollupRuns)
        .distinctOn('interval', 'window_start')
        .select('interval', 'window_start', 'run_id', 'status', 'input_files', 'input_rows')
        .where({ status: 'succeeded' }),
    ).orderBy([{ column: 'interval' }, { column: 'window_start' }, { column: 'run_id', order: 'desc' }]) as Promise<LatestRow[]>,
    scope(knex(TABLES.rollupDirty).select('interval', 'window_start', 'late_files', 'late_rows')) as Promise<
      Array<{ interval: string; window_start: Date; late_files: number; late_rows: bigint }>
    >,
  ]);
  const states = new Map<string, WindowState>();
  const get = (interval: string, start: Date) => {
    const key = windowKey(interval, start);
    let s = states.get(key);
    if (!s) states.set(key, (s = { lastStatus: null, succeededRunId: null, inputFiles: null, inputRows: null, dirty: null }));
    return s;
  };
  for (const r of latest) get(r.interval, r.window_start).lastStatus = r.status;
  for (const r of succeeded) {
    const s = get(r.interval, r.window_start);
    s.succeededRunId = r.run_id;
    s.inputFiles = r.input_files;
    s.inputRows = r.input_rows === null ? null : Number(r.input_rows);
  }
  for (const r of dirty) get(r.interval, r.window_start).dirty = { lateFiles: r.late_files, lateRows: Number(r.late_rows) };
  return states;
}

/** What the planner's view is read from: the database, the DAG, and the events topic whose ledger counts. */
export interface PlanSource {
  knex: Knex;
  registry: IntervalRegistry;
  allowedLatenessMs: number;
  /** The events topic (`TOPIC_EVENTS`): its ledger's files and watermark, no other topic's. */
  topic: string;
}

/** Everything the planner needs, read now, with the watermark's reading (what holds it back). */
export async function loadPlanContext(src: PlanSource): Promise<PlanContext & { watermark: WatermarkReading }> {
  const [states, listing, watermark] = await Promise.all([loadStates(src.knex), listingByHour(src.knex, src.topic), globalWatermark(src.knex, src.topic)]);
  return { registry: src.registry, states, listing, watermarkMs: watermark.at?.getTime() ?? null, allowedLatenessMs: src.allowedLatenessMs, watermark };
}

/** The planner's view of one window and its children only (what a task re-checks under its lock). */
export async function loadWindowContext(src: PlanSource, w: Window): Promise<PlanContext> {
  const source = src.registry.get(w.interval).rolledUpFrom;
  const intervals = source === null ? [w.interval] : [w.interval, source];
  const fromMs = w.start.getTime();
  const [states, listing, watermark] = await Promise.all([
    loadStates(src.knex, { intervals, fromMs, toMs: w.end.getTime() }),
    listingByHour(src.knex, src.topic, hourStartMs(fromMs), w.end.getTime()),
    globalWatermark(src.knex, src.topic),
  ]);
  return { registry: src.registry, states, listing, watermarkMs: watermark.at?.getTime() ?? null, allowedLatenessMs: src.allowedLatenessMs };
}

/**
 * Marks windows dirty (late files and rows); an existing mark keeps its time and the larger counts.
 * `onlyBuilt`: only windows with a succeeded run (an unbuilt window has nothing stale to rebuild).
 */
export async function markDirty(db: Knex | Knex.Transaction, marks: readonly DirtyMark[], options: { onlyBuilt?: boolean } = {}): Promise<number> {
  if (marks.length === 0) return 0;
  const built = options.onlyBuilt
    ? `WHERE EXISTS (SELECT 1 FROM ${TABLES.rollupRuns} r WHERE r."interval" = m.i AND r.window_start = m.s AND r.status = 'succeeded')`
    : '';
  const result = await db.raw<{ rowCount: number }>(
    `INSERT INTO ?? ("interval", window_start, late_files, late_rows)
     SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::int[], ?::bigint[]) AS m(i, s, f, r) ${built}
     ON CONFLICT ("interval", window_start) DO UPDATE
       SET late_files = GREATEST(??.late_files, EXCLUDED.late_files), late_rows = GREATEST(??.late_rows, EXCLUDED.late_rows)
     WHERE ??.late_files < EXCLUDED.late_files OR ??.late_rows < EXCLUDED.late_rows`,
    [
      TABLES.rollupDirty,
      marks.map((m) => m.window.interval),
      marks.map((m) => m.window.start.toISOString()),
      marks.map((m) => m.lateFiles),
      marks.map((m) => String(m.lateRows)),
      TABLES.rollupDirty,
      TABLES.rollupDirty,
      TABLES.rollupDirty,
      TABLES.rollupDirty,
    ],
  );
  return result.rowCount;
}

/**
 * Marks what a pass found late (lateDataMarks of a plan read a moment ago), except what is stale by now:
 * another scheduler may have rebuilt a late raw window between that read and this write, and its mark
 * would send the window (and its ancestors) to a second rebuild with nothing new. Under the publish
 * locks of the late raw windows (a publish of one of them commits before or after this, not during),
 * a mark is kept if any window it stands for still has the succeeded run the plan saw.
 */
export async function markLateData(knex: Knex, marks: readonly DirtyMark[]): Promise<number> {
  if (marks.length === 0) return 0;
  return knex.transaction(async (trx) => {
    const sources = new Map<string, LateSource>();
    for (const m of marks) for (const src of m.sources ?? []) sources.set(windowKey(src.window.interval, src.window.start), src);
    const ordered = [...sources.values()].map((src) => src.window).sort((a, b) => a.interval.localeCompare(b.interval) || a.start.getTime() - b.start.getTime());
    await lockForPublish(trx, ordered);
    const newest = ordered.length
      ? ((await trx(TABLES.rollupRuns)
          .select('interval', 'window_start')
          .max('run_id as run_id')
          .where({ status: 'succeeded' })
          .whereIn(
            ['interval', 'window_start'],
            ordered.map((w) => [w.interval, w.start]),
          )
          .groupBy('interval', 'window_start')) as Array<{ interval: string; window_start: Date; run_id: bigint }>)
      : [];
    const now = new Map(newest.map((r) => [windowKey(r.interval, r.window_start), BigInt(r.run_id)]));
    const stillLate = (src: LateSource) => (now.get(windowKey(src.window.interval, src.window.start)) ?? null) === src.seenRunId;
    return markDirty(
      trx,
      marks.filter((m) => m.sources === undefined || m.sources.some(stillLate)),
    );
  });
}

/** The catalog the rollups join: product → category. */
export async function loadCatalog(knex: Knex): Promise<Array<{ productId: string; category: string }>> {
  const rows = await knex(TABLES.products).select<Array<{ product_id: string; category: string }>>('product_id', 'category');
  return rows.map((r) => ({ productId: r.product_id, category: r.category }));
}

/** Under the window's lock: any run still `running` belongs to a dead process. Returns their ids. */
export async function failAbandoned(lock: WindowLock, w: Window): Promise<bigint[]> {
  const { rows } = await lock.raw(
    `UPDATE ?? SET status = 'failed', finished_at = now(),
            error = 'abandoned: its process stopped before finishing (the window lock was free)'
      WHERE "interval" = ? AND window_start = ? AND status = 'running' RETURNING run_id`,
    [TABLES.rollupRuns, w.interval, w.start],
  );
  return (rows as Array<{ run_id: bigint }>).map((r) => r.run_id);
}

/**
 * The run row's own commits (running, failed, abandoned) need not wait for the disk: `set_config(…,
 * true)` turns synchronous commit off for the statement's own transaction. If Postgres crashed before
 * writing them out, the commits after them are lost too (the WAL is a prefix; the publish commits
 * durably and writes them out with it), which is the state of a task killed earlier: the window
 * is not done, and runs again.
 */
const NO_WAIT_FOR_DISK = `SELECT set_config('synchronous_commit', 'off', true)`;

export async function startRun(lock: WindowLock, w: Window, reason: RunReason): Promise<bigint> {
  const { rows } = await lock.raw(`WITH no_wait AS (${NO_WAIT_FOR_DISK}) INSERT INTO ?? ("interval", window_start, status, reason) SELECT ?, ?, 'running', ? FROM no_wait RETURNING run_id`, [
    TABLES.rollupRuns,
    w.interval,
    w.start,
    reason,
  ]);
  return (rows as Array<{ run_id: bigint }>)[0]!.run_id;
}

export async function failRun(lock: WindowLock, runId: bigint, error: string): Promise<void> {
  await lock.raw(`WITH no_wait AS (${NO_WAIT_FOR_DISK}) UPDATE ?? SET status = 'failed', finished_at = now(), error = ? FROM no_wait WHERE run_id = ?`, [
    TABLES.rollupRuns,
    error.slice(0, 4000),
    String(runId),
  ]);
}

/** What a run read: raw files and rows (raw intervals), or the children's succeeded runs (others). */
export interface RunInputs {
  inputFiles: number;
  inputRows: number | null;
  /** Children's succeeded run ids read (by child window start ms); an empty child maps to null. */
  children: Map<number, bigint | null> | null;
  childInterval: string | null;
}

/** Second key of the publish locks' space: "hb" + 2 (the window locks are "hb" + 1). */
const PUBLISH_LOCK_SPACE = 0x68620002;

/**
 * Serialises, per window, "a child marks its built ancestors dirty" with "the window checks its
 * children and clears its own mark" (both in publish transactions): otherwise a parent could read its
 * children before a child's commit and delete the mark that child put after. Taken finer interval
 * first, then by start, so two publishes never wait on each other in a cycle.
 */
async function lockForPublish(trx: Knex.Transaction, windows: readonly Window[]): Promise<void> {
  // One round trip: unnest yields the keys in array order, and the locks are taken row by row in that order.
  await trx.raw('SELECT pg_advisory_xact_lock(?, hashtext(k)) FROM unnest(?::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n', [
    PUBLISH_LOCK_SPACE,
    windows.map((w) => windowKey(w.interval, w.start)),
  ]);
}

/**
 * The late files and rows a window's new run brings its ancestors, or null when they saw these very
 * inputs. A raw window's inputs are counted (the ledger only grows, so equal counts are the same
 * files); a never-built window with nothing to read is what a parent took it as (empty). Any other
 * rebuild of a rollup of rollups is new to its ancestors (its own dirty mark's counts travel up).
 */
function newToAncestors(
  inputs: RunInputs,
  previous: { input_files: number | null; input_rows: bigint | null } | undefined,
  ownMark: { late_files: number; late_rows: bigint } | undefined,
): { lateFiles: number; lateRows: number } | null {
  if (inputs.children === null) {
    const files = inputs.inputFiles - (previous?.input_files ?? 0);
    const rows = (inputs.inputRows ?? 0) - Number(previous?.input_rows ?? 0);
    return files === 0 && rows === 0 ? null : { lateFiles: Math.max(0, files), lateRows: Math.max(0, rows) };
  }
  if (previous === undefined && inputs.inputFiles === 0) return null;
  return { lateFiles: ownMark?.late_files ?? 0, lateRows: Number(ownMark?.late_rows ?? 0) };
}

/**
 * What a window's publish writes: its totals rows (overall as channel 'all', then one per channel) and
 * its batch rows (the overall tops as channel 'all', then each channel's tops ranked within it).
 */
export function servingRows(result: RollupResult): {
  totals: Array<{ channel: string; units: bigint; revenueCents: bigint; orders: bigint; products: number }>;
  rows: Array<{ channel: string; row: TopRow }>;
} {
  return {
    totals: [{ channel: CHANNEL_ALL, units: result.units, revenueCents: result.revenueCents, orders: result.orders, products: result.products }, ...result.channels],
    rows: [...result.top.map((row) => ({ channel: CHANNEL_ALL, row })), ...result.channels.flatMap((c) => c.top.map((row) => ({ channel: c.channel, row })))],
  };
}

/**
 * The one transaction that makes a window's rollup visible: replace its batch rows (overall and per
 * channel), write its batch totals (likewise), mark the run succeeded, clear its dirty mark (unless a child changed since it was read),
 * mark its built ancestors dirty if it read inputs they did not see (whatever the reason it ran), and
 * delete the speed rows and speed totals it now covers. Readers see the speed estimate or the exact
 * rows, never both, never neither.
 */
export async function publish(
  lock: WindowLock,
  w: Window,
  runId: bigint,
  result: RollupResult,
  inputs: RunInputs,
  ancestors: readonly Window[],
): Promise<{ stillDirty: boolean; ancestorsMarked: number }> {
  const { totals, rows: stored } = servingRows(result);
  return lock.transaction(async (trx) => {
    // One statement for what replaces the window's serving state besides its rows (each statement is a
    // round trip, and on busy cores every round trip waits for a core): the old batch rows, the speed
    // rows and speed totals it now covers go (every channel's), its batch totals are written (overall
    // and per channel; a channel the window no longer has loses its old totals row).
    await trx.raw(
      `WITH old_rows AS (DELETE FROM ?? WHERE "interval" = ? AND window_start = ?),
            speed_rows AS (DELETE FROM ?? WHERE "interval" = ? AND window_start = ?),
            speed_totals AS (DELETE FROM ?? WHERE "interval" = ? AND window_start = ? AND source = 'speed'),
            gone_channels AS (DELETE FROM ?? WHERE "interval" = ? AND window_start = ? AND source = 'batch' AND channel <> ALL(?::text[]))
       INSERT INTO ?? ("interval", window_start, channel, source, shard, units, revenue_cents, orders, products, as_of)
       SELECT ?, ?::timestamptz, t.channel, 'batch', -1, t.units, t.revenue_cents, t.orders, t.products, now()
         FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) AS t(channel, units, revenue_cents, orders, products)
       ON CONFLICT ("interval", window_start, channel, source, shard) DO UPDATE
         SET units = EXCLUDED.units, revenue_cents = EXCLUDED.revenue_cents, orders = EXCLUDED.orders, products = EXCLUDED.products, as_of = EXCLUDED.as_of`,
      [
        TABLES.batchTable,
        w.interval,
        w.start,
        TABLES.speedTable,
        w.interval,
        w.start,
        TABLES.windowTotals,
        w.interval,
        w.start,
        TABLES.windowTotals,
        w.interval,
        w.start,
        totals.map((t) => t.channel),
        TABLES.windowTotals,
        w.interval,
        w.start.toISOString(),
        totals.map((t) => t.channel),
        totals.map((t) => String(t.units)),
        totals.map((t) => String(t.revenueCents)),
        totals.map((t) => String(t.orders)),
        totals.map((t) => String(t.products)),
      ] as unknown as readonly Knex.RawBinding[],
    );
    if (stored.length > 0) {
      await trx.raw(
        `INSERT INTO ?? ("interval", window_start, run_id, channel, product_id, category, units, revenue_cents, orders,
                         rank_units, rank_revenue, category_rank_units, category_rank_revenue)
         SELECT ?, ?::timestamptz, ?::bigint, * FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::int[], ?::int[], ?::int[], ?::int[])`,
        [
          TABLES.batchTable,
          w.interval,
          w.start.toISOString(),
          String(runId),
          stored.map((r) => r.channel),
          stored.map((r) => r.row.productId),
          stored.map((r) => r.row.category),
          stored.map((r) => String(r.row.units)),
          stored.map((r) => String(r.row.revenueCents)),
          stored.map((r) => String(r.row.orders)),
          stored.map((r) => r.row.rankUnits),
          stored.map((r) => r.row.rankRevenue),
          stored.map((r) => r.row.categoryRankUnits),
          stored.map((r) => r.row.categoryRankRevenue),
        ] as unknown as readonly Knex.RawBinding[],
      );
    }
    // From here to the commit: this window's and its ancestors' marks (`ancestors` come finer first).
    await lockForPublish(trx, [w, ...ancestors]);
    // The run's previous succeeded inputs and the window's own dirty mark, in one round trip.
    const { rows } = await trx.raw<{ rows: Array<{ previous: { input_files: number | null; input_rows: string | null } | null; own_mark: { late_files: number; late_rows: string } | null }> }>(
      `SELECT (SELECT json_build_object('input_files', input_files, 'input_rows', input_rows::text) FROM ??
                WHERE "interval" = ? AND window_start = ? AND status = 'succeeded' AND run_id < ? ORDER BY run_id DESC LIMIT 1) AS previous,
              (SELECT json_build_object('late_files', late_files, 'late_rows', late_rows::text) FROM ?? WHERE "interval" = ? AND window_start = ?) AS own_mark`,
      [TABLES.rollupRuns, w.interval, w.start, String(runId), TABLES.rollupDirty, w.interval, w.start],
    );
    const read = rows[0]!;
    const previous = read.previous === null ? undefined : { input_files: read.previous.input_files, input_rows: read.previous.input_rows === null ? null : BigInt(read.previous.input_rows) };
    const ownMark = read.own_mark === null ? undefined : { late_files: read.own_mark.late_files, late_rows: BigInt(read.own_mark.late_rows) };
    const stillDirty = inputs.children !== null && (await childrenChanged(trx, w, inputs));
    // A child rebuilt (late data) after this run read it keeps (or puts) the window's mark, so it runs again; else the mark goes.
    await trx.raw(
      `WITH run AS (UPDATE ?? SET status = 'succeeded', finished_at = now(), "rows" = ?, input_files = ?, input_rows = ?, error = NULL, dirty = ? WHERE run_id = ?),
            cleared AS (DELETE FROM ?? WHERE NOT ?::boolean AND "interval" = ? AND window_start = ?)
       INSERT INTO ?? ("interval", window_start) SELECT ?, ? WHERE ?::boolean ON CONFLICT DO NOTHING`,
      [
        TABLES.rollupRuns,
        result.products,
        inputs.inputFiles,
        inputs.inputRows,
        stillDirty,
        String(runId),
        TABLES.rollupDirty,
        stillDirty,
        w.interval,
        w.start,
        TABLES.rollupDirty,
        w.interval,
        w.start,
        stillDirty,
      ],
    );
    // Whatever the reason this window ran (missing, forced, late data), ancestors built without these inputs are stale now.
    const late = newToAncestors(inputs, previous, ownMark);
    const ancestorsMarked = late === null ? 0 : await markDirty(trx, ancestors.map((a) => ({ window: a, ...late })), { onlyBuilt: true });
    return { stillDirty, ancestorsMarked };
  });
}

/** Did a child get a newer succeeded run, or a dirty mark, since this run read it? (read in the publish transaction) */
async function childrenChanged(trx: Knex.Transaction, w: Window, inputs: RunInputs): Promise<boolean> {
  const child = inputs.childInterval!;
  const range = (q: Knex.QueryBuilder) => q.where('interval', child).andWhere('window_start', '>=', w.start).andWhere('window_start', '<', w.end);
  const [runs, dirty] = await Promise.all([
    range(trx(TABLES.rollupRuns).select('window_start').max('run_id as run_id').where({ status: 'succeeded' })).groupBy('window_start') as Promise<
      Array<{ window_start: Date; run_id: bigint }>
    >,
    range(trx(TABLES.rollupDirty).count<Array<{ n: bigint }>>('* as n')),
  ]);
  if (BigInt(dirty[0]?.n ?? 0) > 0n) return true;
  const now = new Map(runs.map((r) => [r.window_start.getTime(), r.run_id]));
  for (const [start, read] of inputs.children!) if ((now.get(start) ?? null) !== read) return true;
  for (const start of now.keys()) if (!inputs.children!.has(start)) return true;
  return false;
}
