import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';
import type { ShardHeader, ShardWrite } from './shard-state';

/** Per-window blobs of the checkpoint (migration 0002_speed_checkpoints). */
export const SPEED_CHECKPOINT_WINDOWS = 'speed_checkpoint_windows';

/** Another instance checkpointed this shard further: this one lost it in a rebalance. */
export class ShardFencedError extends Error {
  readonly retriable = false;
  constructor(
    readonly topic: string,
    readonly shard: number,
    readonly nextOffset: bigint,
  ) {
    super(`shard ${shard} of ${topic}: the checkpoint is already beyond offset ${nextOffset}; another instance owns it`);
    this.name = 'ShardFencedError';
  }
}

export interface LoadedCheckpoint {
  header: ShardHeader;
  blobs: Map<string, Uint8Array>;
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const windowArrays = (ws: Array<{ interval: string; windowStart: Date }>): [string[], string[]] => [ws.map((w) => w.interval), ws.map((w) => w.windowStart.toISOString())];

/** Postgres side of the speed pipeline: speed_table rows, checkpoints, and what the batch layer covered. */
export class SpeedStore {
  constructor(
    private readonly knex: Knex,
    private readonly topic: string,
  ) {}

  async loadCheckpoint(shard: number): Promise<LoadedCheckpoint | undefined> {
    const header = await this.knex(TABLES.speedCheckpoints).where({ topic: this.topic, shard }).first<{ state: Buffer; state_format: number } | undefined>('state', 'state_format');
    if (!header) return undefined;
    if (header.state_format !== 1) throw new Error(`speed checkpoint of shard ${shard} has format ${header.state_format}; this build reads 1`);
    const rows = await this.knex(SPEED_CHECKPOINT_WINDOWS)
      .where({ topic: this.topic, shard })
      .select<Array<{ interval: string; window_start: Date; state: Buffer }>>('interval', 'window_start', 'state');
    const blobs = new Map(rows.map((r) => [`${r.interval}|${r.window_start.getTime()}`, new Uint8Array(r.state)]));
    return { header: JSON.parse(header.state.toString('utf8')) as ShardHeader, blobs };
  }

  /** Windows among `windows` that have a succeeded rollup run (the batch layer owns them now). */
  async coveredWindows(windows: Array<{ interval: string; windowStart: Date }>): Promise<Array<{ interval: string; windowStart: Date }>> {
    if (windows.length === 0) return [];
    const [intervals, starts] = windowArrays(windows);
    const { rows } = await this.knex.raw<{ rows: Array<{ interval: string; window_start: Date }> }>(
      `SELECT DISTINCT r."interval", r.window_start
         FROM ${TABLES.rollupRuns} r
         JOIN unnest(?::text[], ?::timestamptz[]) AS w (i, ws) ON r."interval" = w.i AND r.window_start = w.ws
        WHERE r.status = 'succeeded'`,
      [intervals, starts],
    );
    return rows.map((r) => ({ interval: r.interval, windowStart: r.window_start }));
  }

  /**
   * One transaction: the checkpoint header first (its row lock serialises writers of the shard,
   * and its guard refuses to move the offset backwards), then the shard's rows of every changed
   * window are replaced, covered windows' rows deleted, and window blobs upserted or dropped.
   * Returns the number of speed_table rows inserted.
   */
  async write(shard: number, write: ShardWrite): Promise<number> {
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

      const cleared = [...write.deleteRows, ...write.replace];
      if (cleared.length > 0) {
        const [intervals, starts] = windowArrays(cleared);
        await tx.raw(
          `DELETE FROM ${TABLES.speedTable} s
            USING unnest(?::text[], ?::timestamptz[]) AS w (i, ws)
            WHERE s.shard = ? AND s."interval" = w.i AND s.window_start = w.ws`,
          [intervals, starts, shard],
        );
      }
      let inserted = 0;
      for (const w of write.replace) {
        // unnest keeps it one statement per window with 8 array parameters, whatever the row count.
        const n = w.rows.length;
        if (n === 0) continue;
        await tx.raw(
          `INSERT INTO ${TABLES.speedTable} ("interval", window_start, shard, product_id, units, revenue, error_bound, revenue_error_bound, updated_at)
           SELECT ?, ?::timestamptz, ?, p, u, r, ?, ?, now()
             FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS x (p, u, r)`,
          [
            w.interval,
            w.windowStart.toISOString(),
            shard,
            w.unitsBound,
            w.revenueBound,
            w.rows.map((r) => r.productId),
            w.rows.map((r) => String(r.units)),
            w.rows.map((r) => String(r.revenueCents)),
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
      for (const w of write.replace) {
        if (!write.header.windows.includes(w.key)) continue; // closed by this write: its blob is dropped
        await tx.raw(
          `INSERT INTO ${SPEED_CHECKPOINT_WINDOWS} (topic, shard, "interval", window_start, state, updated_at)
           VALUES (?, ?, ?, ?, ?, now())
           ON CONFLICT (topic, shard, "interval", window_start) DO UPDATE SET state = excluded.state, updated_at = now()`,
          [this.topic, shard, w.interval, w.windowStart.toISOString(), toBuffer(w.blob)],
        );
      }
      return inserted;
    });
  }
}
