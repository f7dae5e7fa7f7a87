import { clock } from '@hitboard/runtime';
import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';
import { AggregatorError } from './core/errors';
import type { IntendedFlush, LedgerOutcome, WrittenFile } from './core/flush-types';

export interface PartitionLedger {
  nextOffset: number;
  intended: IntendedFlush | null;
  /** The stored event-time watermark in epoch ms (null: none yet). */
  watermarkMs: number | null;
  /** Wall-clock time of the partition's last ledger change (commit or idle watermark move), epoch ms. */
  updatedAtMs: number;
}

const num = (v: unknown): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new AggregatorError(`offset ${String(v)} is beyond 2^53`, null, { retriable: false });
  return n;
};

/**
 * The ingest ledger in Postgres: the truth about what the lake holds. Per source partition the
 * next offset to consume (`ingest_offsets`), per flush its range and status (`ingest_flushes`),
 * and the files of committed flushes (`ingest_files`). Ownership of a partition is decided here,
 * by compare-and-swap on `next_offset`, never by Kafka's group membership alone.
 */
export class Ledger {
  constructor(
    private readonly knex: Knex,
    readonly topic: string,
  ) {}

  /**
   * Makes sure the partition has a row, starting at `lowOffset` (the oldest offset Kafka still has),
   * and reports where it stands (next offset, pending flush, stored watermark). A ledger behind `lowOffset` means retention deleted offsets
   * before they were ingested: they are gone, so the ledger moves up (and says so).
   */
  async open(partition: number, lowOffset: number): Promise<PartitionLedger & { skippedLost: number }> {
    return this.knex.transaction(async (tx) => {
      await tx(TABLES.ingestOffsets).insert({ topic: this.topic, partition, next_offset: lowOffset }).onConflict(['topic', 'partition']).ignore();
      const row = await tx(TABLES.ingestOffsets)
        .where({ topic: this.topic, partition })
        .forUpdate()
        .first<{ next_offset: bigint; watermark: Date | string | null; updated_at: Date | string } | undefined>('next_offset', 'watermark', 'updated_at');
      let nextOffset = num(row?.next_offset ?? lowOffset);
      let skippedLost = 0;
      const intended = await this.intendedIn(tx, partition);
      if (nextOffset < lowOffset && intended === null) {
        skippedLost = lowOffset - nextOffset;
        await tx(TABLES.ingestOffsets).where({ topic: this.topic, partition }).update({ next_offset: lowOffset, updated_at: clock.date() });
        nextOffset = lowOffset;
      }
      const watermarkMs = row?.watermark == null ? null : new Date(row.watermark).getTime();
      const updatedAtMs = row ? new Date(row.updated_at).getTime() : clock.now();
      return { nextOffset, intended, watermarkMs: Number.isFinite(watermarkMs) ? watermarkMs : null, updatedAtMs, skippedLost };
    });
  }

  private async intendedIn(tx: Knex | Knex.Transaction, partition: number): Promise<IntendedFlush | null> {
    const row = await tx(TABLES.ingestFlushes)
      .where({ topic: this.topic, partition, status: 'intended' })
      .first<{ flush_id: string; first_offset: bigint; last_offset: bigint } | undefined>('flush_id', 'first_offset', 'last_offset');
    return row ? { flushId: row.flush_id, firstOffset: num(row.first_offset), lastOffset: num(row.last_offset) } : null;
  }

  /**
   * Step (a) of a flush: records [first, last] as `intended`, if this instance still owns the
   * partition (`next_offset = first`) and no other flush is pending. Re-entering the same flush
   * (a replay after a crash, or after a rebalance) is allowed: same id, same range.
   */
  async beginFlush(partition: number, flushId: string, firstOffset: number, lastOffset: number): Promise<LedgerOutcome> {
    return this.knex.transaction(async (tx) => {
      const row = await tx(TABLES.ingestOffsets).where({ topic: this.topic, partition }).forUpdate().first<{ next_offset: bigint } | undefined>('next_offset');
      if (!row || num(row.next_offset) !== firstOffset) return 'conflict';
      const pending = await this.intendedIn(tx, partition);
      if (pending) return pending.flushId === flushId ? 'ok' : 'conflict';
      await tx(TABLES.ingestFlushes).insert({
        flush_id: flushId,
        topic: this.topic,
        partition,
        first_offset: firstOffset,
        last_offset: lastOffset,
        status: 'intended',
      });
      return 'ok';
    });
  }

  /**
   * Step (d): in one transaction, list the files, mark the flush committed and advance
   * `next_offset` from first to last + 1 by compare-and-swap. Zero rows changed → roll back.
   */
  async commitFlush(
    partition: number,
    flushId: string,
    firstOffset: number,
    lastOffset: number,
    files: readonly WrittenFile[],
    watermarkMs: number | null,
  ): Promise<LedgerOutcome> {
    try {
      return await this.knex.transaction(async (tx) => {
        const advanced = await tx(TABLES.ingestOffsets)
          .where({ topic: this.topic, partition, next_offset: firstOffset })
          .update({
            next_offset: lastOffset + 1,
            updated_at: clock.date(),
            ...(watermarkMs === null ? {} : { watermark: tx.raw('GREATEST(watermark, ?::timestamptz)', [new Date(watermarkMs).toISOString()]) }),
          });
        if (advanced !== 1) throw new Conflict();
        const marked = await tx(TABLES.ingestFlushes)
          .where({ flush_id: flushId, status: 'intended' })
          .update({ status: 'committed', committed_at: tx.fn.now() });
        if (marked !== 1) throw new Conflict();
        if (files.length > 0) {
          await tx(TABLES.ingestFiles)
            .insert(
              files.map((f) => ({
                path: f.path,
                flush_id: flushId,
                partition,
                first_offset: firstOffset,
                last_offset: lastOffset,
                hour: new Date(f.hourMs),
                rows: f.rows,
              })),
            )
            .onConflict('path')
            .ignore();
        }
        return 'ok' as const;
      });
    } catch (err) {
      if (err instanceof Conflict) return 'conflict';
      throw err;
    }
  }

  /** Moves an idle partition's watermark forward, only while this instance's view of it is current. */
  async advanceWatermark(partition: number, expectedNextOffset: number, watermarkMs: number): Promise<void> {
    await this.knex(TABLES.ingestOffsets)
      .where({ topic: this.topic, partition, next_offset: expectedNextOffset })
      .update({ watermark: this.knex.raw('GREATEST(watermark, ?::timestamptz)', [new Date(watermarkMs).toISOString()]), updated_at: clock.date() });
  }
}

class Conflict extends AggregatorError {
  constructor() {
    super('ledger conflict: another instance advanced the partition', null, { retriable: false });
  }
}
