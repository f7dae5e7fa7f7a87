import type { FlushStep, LedgerOutcome, WrittenFile } from '../core/flush-types';
import type { Cell } from '../core/partition-buffer';

/** How the protocol ended: written everywhere and committed, or refused by the ledger (another owner, another pending flush). */
export type ProtocolVerdict = 'committed' | 'conflict';

/** One flush: the range `[firstOffset, lastOffset]` of a partition and what it carries. */
export interface FlushRange {
  partition: number;
  flushId: string;
  firstOffset: number;
  lastOffset: number;
  /** The buffer's cells (in any order: the Parquet writer sorts them, so a replay writes the same rows). */
  cells: readonly Cell[];
  /** The watermark stored with the commit (null: none yet). */
  watermarkMs: number | null;
}

/** What the protocol talks to. Each step is retried by `step` (libs/runtime retry) until it passes or cannot. */
export interface FlushIo {
  beginFlush(partition: number, flushId: string, firstOffset: number, lastOffset: number): Promise<LedgerOutcome>;
  writeFiles(range: FlushRange): Promise<WrittenFile[]>;
  /** Publishes the product sums and the DLQ records of the range. */
  publish(range: FlushRange): Promise<void>;
  commitFlush(partition: number, flushId: string, firstOffset: number, lastOffset: number, files: readonly WrittenFile[], watermarkMs: number | null): Promise<LedgerOutcome>;
  /** Runs one named step with retries. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Called at each crash point (tests kill -9 there). */
  onStep(step: FlushStep): void;
}

/**
 * The flush protocol, exactly once (see README "The flush protocol"):
 * (a) ledger: record the range as intended (CAS on next_offset); (b) Parquet files, tmp → rename;
 * (c) publish product sums (with the flush id) and DLQ records; (d) ledger: files + committed +
 * next_offset CAS in one transaction. Returns the verdict; on 'conflict' nothing of this range was
 * committed by this call (resets are the shell's). (e), the Kafka offset commit, is a hint: the flusher's.
 */
export async function runFlush(io: FlushIo, range: FlushRange): Promise<{ verdict: ProtocolVerdict; files: WrittenFile[] }> {
  const { partition, flushId, firstOffset, lastOffset } = range;
  const began = await io.step('ledger-begin', () => io.beginFlush(partition, flushId, firstOffset, lastOffset));
  if (began === 'conflict') return { verdict: 'conflict', files: [] };
  io.onStep('before-file');
  const files = await io.step('parquet', () => io.writeFiles(range));
  io.onStep('after-file');
  await io.step('publish', () => io.publish(range));
  io.onStep('after-publish');
  const committed = await io.step('ledger-commit', () => io.commitFlush(partition, flushId, firstOffset, lastOffset, files, range.watermarkMs));
  if (committed === 'conflict') return { verdict: 'conflict', files };
  io.onStep('after-ledger');
  return { verdict: 'committed', files };
}
