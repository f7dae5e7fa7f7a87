/**
 * The types the pure core shares with the I/O around it (the ledger, the lake writer, the flusher):
 * defined here, so the I/O modules import the core and never the reverse.
 */

/** A flush recorded as `intended` and not yet committed: the next flush of its partition must be exactly this range. */
export interface IntendedFlush {
  flushId: string;
  firstOffset: number;
  lastOffset: number;
}

/** What a ledger step said: done, or refused (another instance advanced the partition, or a different flush is pending). */
export type LedgerOutcome = 'ok' | 'conflict';

/** One Parquet file a flush wrote: `path` relative to the lake root, the UTC hour it holds, its rows. */
export interface WrittenFile {
  path: string;
  hourMs: number;
  rows: number;
}

/** The named steps of a flush, for the crash hook (`AGGREGATOR_CRASH_AT`). */
export type FlushStep = 'before-file' | 'after-file' | 'after-publish' | 'after-ledger';
