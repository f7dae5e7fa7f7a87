import type { Knex } from 'knex';
import { TABLES, TOPICS } from '@hitboard/schema';

const HOUR_MS = 3_600_000;

/** A lake file the ledger lists: only these are ever read. `path` is relative to the lake root. */
export interface ListedFile {
  path: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  /** The UTC hour (lake partition) the file's rows belong to. */
  hourMs: number;
  rows: number;
  /** When the flush that wrote it committed (its ledger row was created). */
  listedAt: Date;
}

interface FileRow {
  path: string;
  partition: number;
  first_offset: bigint;
  last_offset: bigint;
  hour: Date;
  rows: number;
  created_at: Date;
}

const toListed = (r: FileRow): ListedFile => ({
  path: r.path,
  partition: r.partition,
  firstOffset: Number(r.first_offset),
  lastOffset: Number(r.last_offset),
  hourMs: r.hour.getTime(),
  rows: r.rows,
  listedAt: r.created_at,
});

/**
 * The ledger-listed raw files whose UTC hour overlaps [fromMs, toMs), oldest hour first. A window
 * in a zone such as Asia/Kolkata starts at :30 UTC, so it spans two UTC hours: the caller selects
 * its minutes from these files (`minute_start >= start AND minute_start < end`).
 */
export async function listedFiles(knex: Knex | Knex.Transaction, fromMs: number, toMs: number): Promise<ListedFile[]> {
  const firstHour = fromMs - (((fromMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
  const rows = await knex(TABLES.ingestFiles)
    .select<FileRow[]>('path', 'partition', 'first_offset', 'last_offset', 'hour', 'rows', 'created_at')
    .where('hour', '>=', new Date(firstHour))
    .andWhere('hour', '<', new Date(toMs))
    .orderBy([{ column: 'hour' }, { column: 'partition' }, { column: 'first_offset' }]);
  return rows.map(toListed);
}

/** The ledger-listed raw files committed after `sinceMs` (late data for windows already rolled up is found here). */
export async function filesListedSince(knex: Knex | Knex.Transaction, since: Date): Promise<ListedFile[]> {
  const rows = await knex(TABLES.ingestFiles)
    .select<FileRow[]>('path', 'partition', 'first_offset', 'last_offset', 'hour', 'rows', 'created_at')
    .where('created_at', '>', since)
    .orderBy([{ column: 'created_at' }, { column: 'path' }]);
  return rows.map(toListed);
}

/**
 * The global event-time watermark: the minimum over the source topic's partitions of their ledger
 * watermarks. Every partition's data at or before it has been seen (up to the aggregator's allowed
 * lateness). A partition with no watermark yet (it never held data) is excepted; an idle partition's
 * watermark is advanced by its aggregator, so it does not hold the others back. Null: no data yet.
 */
export async function globalWatermark(knex: Knex | Knex.Transaction, topic: string = TOPICS.salesEvents): Promise<Date | null> {
  const row = await knex(TABLES.ingestOffsets)
    .where({ topic })
    .whereNotNull('watermark')
    .min<{ watermark: Date | null }>('watermark as watermark')
    .first();
  return row?.watermark ?? null;
}
