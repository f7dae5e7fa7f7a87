import { clock } from '@hitboard/runtime';
import type { Knex } from 'knex';
import { HitboardError } from '@hitboard/errors';
import { CHANNEL_ALL, normalizeProductId, TABLES } from '@hitboard/schema';
import type { UsualFromHistory } from '@hitboard/movers';
import type { ShardHeader, ShardWrite, TopRows, WindowRows } from './shard-state';

// How fresh a speed figure is (updated_at, as_of) is judged against the one clock by the dashboard, so it is
// written from it, not from Postgres's now(): a process started at a chosen instant shows "updated 2 s ago".
// An ISO string this process made is safe to inline as a literal.
const appNow = (): string => `'${clock.date().toISOString()}'::timestamptz`;

/** Per-window blobs of the checkpoint (migration 0002_speed_checkpoints). */
export const SPEED_CHECKPOINT_WINDOWS = 'speed_checkpoint_windows';

/** Another instance checkpointed this shard further: this one lost it in a rebalance. */
export class ShardFencedError extends HitboardError {
  constructor(
    readonly topic: string,
    readonly shard: number,
    readonly nextOffset: bigint,
  ) {
    super(`shard ${shard} of ${topic}: the checkpoint is already beyond offset ${nextOffset}; another instance owns it`, { retriable: false });
  }
}

/** A checkpoint this build cannot read: retrying reads the same bytes. */
export class CheckpointFormatError extends HitboardError {
  constructor(
    readonly shard: number,
    format: number,
  ) {
    super(`speed checkpoint of shard ${shard} has format ${format}; this build reads 1`, { retriable: false });
  }
}

/**
 * A Postgres call of the speed store failed. `retriable` follows the SQLSTATE class: a connection
 * lost (08), the server shutting down or a cancel (57), a serialization failure or deadlock (40) or
 * exhausted resources (53) may pass; a refused value (22: data exception, 23: constraint) or a
 * broken schema (42) fails the same way every time. Errors without a SQLSTATE (ECONNREFUSED, a pool
 * timeout) are taken as transient.
 */
export class SpeedStoreError extends HitboardError {
  readonly sqlState: string | undefined;
  constructor(
    readonly shard: number,
    what: string,
    cause: unknown,
  ) {
    const sqlState = sqlStateOf(cause);
    super(`${what} of shard ${shard} failed${sqlState ? ` (SQLSTATE ${sqlState})` : ''}: ${(cause as Error)?.message ?? String(cause)}`, {
      retriable: sqlState === undefined || TRANSIENT_SQLSTATE_CLASSES.has(sqlState.slice(0, 2)),
      cause,
    });
    this.sqlState = sqlState;
  }
}

const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '57']);
const sqlStateOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** What one write did besides moving the checkpoint. */
export interface WriteResult {
  /** speed_table rows inserted. */
  inserted: number;
  /** Windows found covered by the batch layer inside the transaction: no rows were written for them. */
  coveredInTx: Array<{ interval: string; windowStart: Date }>;
  /** Rows Postgres cannot store (a product id with NUL or a lone surrogate), left out (once per channel it is listed in). */
  skippedRows: Array<{ interval: string; windowStart: Date; channel: string; productId: string; reason: string }>;
}

export interface LoadedCheckpoint {
  header: ShardHeader;
  blobs: Map<string, Uint8Array>;
  /** The mover tracker's per-product states (movers_state). */
  moverStates: Array<{ productId: string; state: Float64Array }>;
}

/** A bytea of Float64s back to an (aligned) Float64Array. */
const toFloat64s = (b: Buffer): Float64Array => new Float64Array(new Uint8Array(b).buffer);

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const windowArrays = (ws: Array<{ interval: string; windowStart: Date }>): [string[], string[]] => [ws.map((w) => w.interval), ws.map((w) => w.windowStart.toISOString())];

/** Postgres side of the speed pipeline: speed_table rows, checkpoints, and what the batch layer covered. */
export class SpeedStore {
  constructor(
    private readonly knex: Knex,
    private readonly topic: string,
  ) {}

  async loadCheckpoint(shard: number): Promise<LoadedCheckpoint | undefined> {
    try {
      return await this.readCheckpoint(shard);
    } catch (err) {
      if (err instanceof HitboardError) throw err;
      throw new SpeedStoreError(shard, 'checkpoint read', err);
    }
  }

  private async readCheckpoint(shard: number): Promise<LoadedCheckpoint | undefined> {
    const header = await this.knex(TABLES.speedCheckpoints).where({ topic: this.topic, shard }).first<{ state: Buffer; state_format: number } | undefined>('state', 'state_format');
    if (!header) return undefined;
    if (header.state_format !== 1) throw new CheckpointFormatError(shard, header.state_format);
    const rows = await this.knex(SPEED_CHECKPOINT_WINDOWS)
      .where({ topic: this.topic, shard })
      .select<Array<{ interval: string; window_start: Date; state: Buffer }>>('interval', 'window_start', 'state');
    const blobs = new Map(rows.map((r) => [`${r.interval}|${r.window_start.getTime()}`, new Uint8Array(r.state)]));
    const movers = await this.knex(TABLES.moversState).where({ topic: this.topic, shard }).select<Array<{ product_id: string; state: Buffer }>>('product_id', 'state');
    const moverStates = movers.map((r) => ({ productId: r.product_id, state: toFloat64s(r.state) }));
    return { header: JSON.parse(header.state.toString('utf8')) as ShardHeader, blobs, moverStates };
  }

  /**
   * The usual figures of `productIds` at the hour of the week holding `windowStarts` (the same hour
   * in the weeks before): per product, units and orders summed over those hours and divided by the
   * number of them the batch layer has rolled up (a product outside an hour's stored tops counts 0
   * there). Products without a row in any of them are left out: they have no such history.
   */
  async usualFromHistory(shard: number, productIds: string[], windowStarts: Date[]): Promise<Map<string, UsualFromHistory>> {
    if (productIds.length === 0 || windowStarts.length === 0) return new Map();
    try {
      const { rows } = await this.knex.raw<{ rows: Array<{ product_id: string; units: string; orders: string; hours: string }> }>(
        `WITH done AS (
           SELECT DISTINCT window_start FROM ${TABLES.rollupRuns}
            WHERE "interval" = 'hour' AND status = 'succeeded' AND window_start = ANY (?::timestamptz[]))
         SELECT b.product_id, sum(b.units)::text AS units, sum(b.orders)::text AS orders, (SELECT count(*) FROM done)::text AS hours
           FROM ${TABLES.batchTable} b JOIN done d ON b.window_start = d.window_start
          WHERE b."interval" = 'hour' AND b.channel = '${CHANNEL_ALL}' AND b.product_id = ANY (?::text[])
          GROUP BY b.product_id`,
        [windowStarts.map((d) => d.toISOString()), productIds],
      );
      return new Map(rows.map((r) => [r.product_id, { unitsPerHour: Number(r.units) / Number(r.hours), ordersPerHour: Number(r.orders) / Number(r.hours) }]));
    } catch (err) {
      throw new SpeedStoreError(shard, 'mover history read', err);
    }
  }

  /** Windows among `windows` (of `shard`, for error messages) that have a succeeded rollup run (the batch layer owns them now). */
  async coveredWindows(shard: number, windows: Array<{ interval: string; windowStart: Date }>): Promise<Array<{ interval: string; windowStart: Date }>> {
    try {
      return await coveredIn(this.knex, windows);
    } catch (err) {
      throw new SpeedStoreError(shard, 'covered-window check', err);
    }
  }

  /**
   * One transaction: the checkpoint header first (its row lock serialises writers of the shard,
   * and its guard refuses to move the offset backwards); then, for windows with a succeeded
   * rollup run by now (checked in this transaction, so a window covered since the last check
   * gets no rows back), nothing but deletes; the shard's rows and `window_totals` rows of every
   * other changed window are replaced, for channel 'all' (the overall figures) and for each
   * channel the window has seen, covered windows' rows and totals (of every channel) deleted, and
   * window blobs upserted or dropped. Postgres errors come back as SpeedStoreError (retriable or not).
   */
  async write(shard: number, write: ShardWrite): Promise<WriteResult> {
    try {
      return await this.writeTx(shard, write);
    } catch (err) {
      if (err instanceof HitboardError) throw err;
      throw new SpeedStoreError(shard, 'speed write', err);
    }
  }

  private async writeTx(shard: number, write: ShardWrite): Promise<WriteResult> {
    return this.knex.transaction(async (tx) => {
      const { rows: guard } = await tx.raw<{ rows: unknown[] }>(
        `INSERT INTO ${TABLES.speedCheckpoints} AS c (topic, shard, next_offset, state, state_format, updated_at)
         VALUES (?, ?, ?, ?, 1, now())
         ON CONFLICT (topic, shard) DO UPDATE
            SET next_offset = excluded.next_offset, state = excluded.state, state_format = excluded.state_format, updated_at = now()
          WHERE c.next_offset <= excluded.next_offset
         RETURNING 1`,
        [this.topic, shard, write.nextOffset.toString(), Buffer.from(JSON.stringify(write.header), 'utf8')],
      );
      if (guard.length === 0) throw new ShardFencedError(this.topic, shard, write.nextOffset);

      const coveredInTx = await coveredIn(tx, write.replace);
      const coveredKeys = new Set(coveredInTx.map((w) => `${w.interval}|${w.windowStart.getTime()}`));
      const replace = write.replace.filter((w) => !coveredKeys.has(w.key));
      const cleared = [...write.deleteRows, ...write.replace];
      if (cleared.length > 0) {
        const [intervals, starts] = windowArrays(cleared);
        // Every channel of the window, 'all' included: the replaced ones are inserted again below.
        await tx.raw(
          `DELETE FROM ${TABLES.speedTable} s
            USING unnest(?::text[], ?::timestamptz[]) AS w (i, ws)
            WHERE s.shard = ? AND s."interval" = w.i AND s.window_start = w.ws`,
          [intervals, starts, shard],
        );
      }
      const gone = [...write.deleteRows, ...coveredInTx];
      if (gone.length > 0) {
        const [intervals, starts] = windowArrays(gone);
        // Every channel's totals of the window, 'all' included.
        await tx.raw(
          `DELETE FROM ${TABLES.windowTotals} t
            USING unnest(?::text[], ?::timestamptz[]) AS w (i, ws)
            WHERE t.source = 'speed' AND t.shard = ? AND t."interval" = w.i AND t.window_start = w.ws`,
          [intervals, starts, shard],
        );
      }
      // Per window: the overall list (channel 'all') and each channel's, each with its own bounds and totals.
      const lists: Array<{ w: WindowRows; channel: string; top: TopRows }> = replace.flatMap((w) => [
        { w, channel: CHANNEL_ALL, top: w },
        ...w.channels.map((c) => ({ w, channel: c.channel, top: c })),
      ]);
      if (lists.length > 0) {
        // Exact per shard: the sketch's N. Orders and distinct products are not known exactly here (NULL).
        await tx.raw(
          `INSERT INTO ${TABLES.windowTotals} AS t ("interval", window_start, channel, source, shard, units, revenue_cents, orders, products, as_of)
           SELECT i, ws, c, 'speed', ?, u, r, NULL, NULL, ${appNow()}
             FROM unnest(?::text[], ?::timestamptz[], ?::text[], ?::bigint[], ?::bigint[]) AS x (i, ws, c, u, r)
           ON CONFLICT ("interval", window_start, channel, source, shard) DO UPDATE
              SET units = excluded.units, revenue_cents = excluded.revenue_cents, orders = NULL, products = NULL, as_of = excluded.as_of`,
          [
            shard,
            ...windowArrays(lists.map((l) => l.w)),
            lists.map((l) => l.channel),
            lists.map((l) => String(l.top.unitsTotal)),
            lists.map((l) => String(l.top.revenueCentsTotal)),
          ],
        );
      }
      let inserted = 0;
      const skippedRows: WriteResult['skippedRows'] = [];
      for (const { w, channel, top } of lists) {
        // Defence in depth (decoding refuses such ids): one unstorable id must not fail the shard's write forever.
        const rows = top.rows.filter((r) => {
          if (normalizeProductId(r.productId) !== null) return true;
          skippedRows.push({ interval: w.interval, windowStart: w.windowStart, channel, productId: r.productId, reason: 'product_id control characters' });
          return false;
        });
        // unnest keeps it one statement per (window, channel) with 9 parameters, whatever the row count.
        const n = rows.length;
        if (n === 0) continue;
        await tx.raw(
          `INSERT INTO ${TABLES.speedTable} ("interval", window_start, channel, shard, product_id, units, revenue_cents, error_bound, revenue_error_bound, updated_at)
           SELECT ?, ?::timestamptz, ?, ?, p, u, r, ?, ?, ${appNow()}
             FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS x (p, u, r)`,
          [
            w.interval,
            w.windowStart.toISOString(),
            channel,
            shard,
            top.unitsBound,
            top.revenueBound,
            rows.map((r) => r.productId),
            rows.map((r) => String(r.units)),
            rows.map((r) => String(r.revenueCents)),
          ],
        );
        inserted += n;
      }

      if (write.dropBlobs.length > 0) {
        const [intervals, starts] = windowArrays(write.dropBlobs);
        await tx.raw(
          `DELETE FROM ${SPEED_CHECKPOINT_WINDOWS} c
            USING unnest(?::text[], ?::timestamptz[]) AS w (i, ws)
            WHERE c.topic = ? AND c.shard = ? AND c."interval" = w.i AND c.window_start = w.ws`,
          [intervals, starts, this.topic, shard],
        );
      }
      // Covered windows keep their blob until the state drops them (the header written above lists them).
      for (const w of write.replace) {
        if (!write.header.windows.includes(w.key)) continue; // closed by this write: its blob is dropped
        await tx.raw(
          `INSERT INTO ${SPEED_CHECKPOINT_WINDOWS} (topic, shard, "interval", window_start, state, updated_at)
           VALUES (?, ?, ?, ?, ?, now())
           ON CONFLICT (topic, shard, "interval", window_start) DO UPDATE SET state = excluded.state, updated_at = now()`,
          [this.topic, shard, w.interval, w.windowStart.toISOString(), toBuffer(w.blob)],
        );
      }
      await this.writeMovers(tx, shard, write);
      return { inserted, coveredInTx, skippedRows };
    });
  }

  /** The mover tracker's changed products and the shard's movers, in the write's transaction. */
  private async writeMovers(tx: Knex.Transaction, shard: number, write: ShardWrite): Promise<void> {
    const { changed, evicted } = write.moverChanges;
    if (evicted.length > 0) {
      await tx.raw(`DELETE FROM ${TABLES.moversState} WHERE topic = ? AND shard = ? AND product_id = ANY (?::text[])`, [this.topic, shard, evicted]);
    }
    // Batches keep a statement's parameters bounded when a backlog touched many products.
    for (let i = 0; i < changed.length; i += 10_000) {
      const part = changed.slice(i, i + 10_000);
      await tx.raw(
        `INSERT INTO ${TABLES.moversState} (topic, shard, product_id, state)
         SELECT ?, ?, p, s FROM unnest(?::text[], ?::bytea[]) AS x (p, s)
         ON CONFLICT (topic, shard, product_id) DO UPDATE SET state = excluded.state`,
        [this.topic, shard, part.map((c) => c.productId), part.map((c) => toBuffer(new Uint8Array(c.state.buffer, c.state.byteOffset, c.state.byteLength)))],
      );
    }
    await tx.raw(`DELETE FROM ${TABLES.movers} WHERE shard = ?`, [shard]);
    const movers = write.movers.filter((m) => normalizeProductId(m.productId) !== null);
    if (movers.length === 0) return;
    const col = <T>(f: (m: (typeof movers)[number]) => T): T[] => movers.map(f);
    await tx.raw(
      `INSERT INTO ${TABLES.movers} (shard, product_id, direction, since, span_minutes, orders, units, expected_orders, expected_units,
                                     units_per_hour, units_per_hour_low, usual_units_per_hour, factor, p_value, is_new, baseline, spark, updated_at)
       SELECT ?, p, d, s, sm, o, u, eo, eu, uph, low, usual, f, pv, n, b,
              COALESCE((SELECT array_agg(v::int) FROM json_array_elements_text(sp::json) v), '{}'), ${appNow()}
         FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::float8[], ?::bigint[], ?::bigint[], ?::float8[], ?::float8[],
                     ?::float8[], ?::float8[], ?::float8[], ?::float8[], ?::float8[], ?::boolean[], ?::text[], ?::text[])
           AS x (p, d, s, sm, o, u, eo, eu, uph, low, usual, f, pv, n, b, sp)`,
      [
        shard,
        col((m) => m.productId),
        col((m) => m.direction),
        col((m) => new Date(m.sinceMs).toISOString()),
        col((m) => m.spanMinutes),
        col((m) => String(m.orders)),
        col((m) => String(m.units)),
        col((m) => m.expectedOrders),
        col((m) => m.expectedUnits),
        col((m) => m.unitsPerHour),
        col((m) => m.unitsPerHourLow),
        col((m) => m.usualUnitsPerHour),
        // A new product's factor is infinite against nothing: stored against its prior.
        col((m) => (Number.isFinite(m.factor) ? m.factor : 1e9)),
        col((m) => m.pValue),
        col((m) => m.isNew),
        col((m) => m.baseline),
        col((m) => JSON.stringify(m.spark.map((v) => Math.round(v)))),
      ],
    );
  }
}

/** Windows among `windows` with a succeeded rollup run, seen from `db` (a transaction or the pool). */
async function coveredIn(db: Knex | Knex.Transaction, windows: Array<{ interval: string; windowStart: Date }>): Promise<Array<{ interval: string; windowStart: Date }>> {
  if (windows.length === 0) return [];
  const [intervals, starts] = windowArrays(windows);
  const { rows } = await db.raw<{ rows: Array<{ interval: string; window_start: Date }> }>(
    `SELECT DISTINCT r."interval", r.window_start
       FROM ${TABLES.rollupRuns} r
       JOIN unnest(?::text[], ?::timestamptz[]) AS w (i, ws) ON r."interval" = w.i AND r.window_start = w.ws
      WHERE r.status = 'succeeded'`,
    [intervals, starts],
  );
  return rows.map((r) => ({ interval: r.interval, windowStart: r.window_start }));
}
