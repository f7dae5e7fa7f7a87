import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';

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

const FILE_COLUMNS = ['path', 'partition', 'first_offset', 'last_offset', 'hour', 'rows', 'created_at'].map((c) => `f.${c}`);

/**
 * The files of one events topic's flushes (`ingest_files` f). A file row has no topic of its own: its
 * flush has. Every ledger read names the topic, so a database shared by environments (or holding a
 * recreated topic's old ledger) never mixes them.
 */
export function filesOfTopic(knex: Knex | Knex.Transaction, topic: string): Knex.QueryBuilder {
  return knex({ f: TABLES.ingestFiles })
    .join({ fl: TABLES.ingestFlushes }, 'fl.flush_id', 'f.flush_id')
    .where('fl.topic', topic);
}

/**
 * The ledger-listed raw files of `topic` whose UTC hour overlaps [fromMs, toMs), oldest hour first. A
 * window in a zone such as Asia/Kolkata starts at :30 UTC, so it spans two UTC hours: the caller
 * selects its minutes from these files (`minute_start >= start AND minute_start < end`).
 */
export async function listedFiles(knex: Knex | Knex.Transaction, topic: string, fromMs: number, toMs: number): Promise<ListedFile[]> {
  const firstHour = fromMs - (((fromMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
  const rows = await filesOfTopic(knex, topic)
    .select<FileRow[]>(FILE_COLUMNS)
    .where('f.hour', '>=', new Date(firstHour))
    .andWhere('f.hour', '<', new Date(toMs))
    .orderBy([{ column: 'f.hour' }, { column: 'f.partition' }, { column: 'f.first_offset' }]);
  return rows.map(toListed);
}

/** The ledger-listed raw files of `topic` committed after `since`. */
export async function filesListedSince(knex: Knex | Knex.Transaction, topic: string, since: Date): Promise<ListedFile[]> {
  const rows = await filesOfTopic(knex, topic)
    .select<FileRow[]>(FILE_COLUMNS)
    .where('f.created_at', '>', since)
    .orderBy([{ column: 'f.created_at' }, { column: 'f.path' }]);
  return rows.map(toListed);
}

/** The global watermark of one topic, and what holds it back. */
export interface WatermarkReading {
  /** Min over the topic's partitions of their watermarks; null until every partition has one (or the ledger has none of this topic). */
  at: Date | null;
  /** Partitions the ledger holds for the topic. */
  partitions: number;
  /** Partitions with a ledger row but no watermark yet (assigned, not committed): each holds every hour open. */
  silent: number[];
}

/**
 * The global event-time watermark of `topic`: the minimum over its partitions of their ledger
 * watermarks. Every partition's data at or before it has been seen (up to the aggregator's allowed
 * lateness). A partition whose row exists but has no watermark (created on assignment, before its
 * first commit) holds it back: on a first run or a history fill one fast partition must not close
 * hours for all. An empty partition is not stuck there: its aggregator stores a watermark once it has
 * consumed to the log end and stayed idle (`IDLE_TIMEOUT_MS`), as it does for any idle partition.
 */
export async function globalWatermark(knex: Knex | Knex.Transaction, topic: string): Promise<WatermarkReading> {
  const row = await knex(TABLES.ingestOffsets)
    .where({ topic })
    .first<{ partitions: number; min: Date | null; silent: number[] | null }>(
      knex.raw('count(*)::int AS partitions'),
      knex.raw('min(watermark) AS min'),
      knex.raw('array_agg(partition ORDER BY partition) FILTER (WHERE watermark IS NULL) AS silent'),
    );
  const silent = row?.silent ?? [];
  return { at: silent.length === 0 ? (row?.min ?? null) : null, partitions: row?.partitions ?? 0, silent };
}

/** The topics the ledger holds partitions of (to say which one a misconfigured app should have read). */
export async function ledgerTopics(knex: Knex | Knex.Transaction): Promise<string[]> {
  return knex(TABLES.ingestOffsets).distinct('topic').orderBy('topic').pluck('topic');
}
