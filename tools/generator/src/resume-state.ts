import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Segment, StreamPosition } from './stream';

/**
 * A resumable generator run's checkpoint: what it has sent, kept in a small JSON file (written to a temporary
 * name and renamed, so it is never half-written). Before a batch goes out its end is recorded as
 * `inflightUntil`; once Kafka acknowledged it (and the ground truth has it), `position` moves there.
 * After a crash the run resumes at `position` and re-sends exactly the in-flight batch first: the
 * same chunks make the same event ids, so the aggregator drops what had already arrived.
 */
export interface GeneratorCheckpoint {
  seed: number;
  products: number;
  segments: Segment[];
  position: StreamPosition;
  inflightUntil: StreamPosition | null;
  /** Valid events acknowledged so far (all runs). */
  sentEvents: number;
}

export class CheckpointFile {
  constructor(readonly path: string) {}

  read(): GeneratorCheckpoint | null {
    if (!existsSync(this.path)) return null;
    return JSON.parse(readFileSync(this.path, 'utf8')) as GeneratorCheckpoint;
  }

  write(checkpoint: GeneratorCheckpoint): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(checkpoint, null, 2));
    renameSync(tmp, this.path);
  }
}

/** How a run starts from what an earlier one left. */
export interface ResumePlan {
  state: GeneratorCheckpoint;
  /** Re-send [position, replayUntilMs) first: the batch a crash may have left half-sent (null: none). */
  replayUntilMs: number | null;
  /** Then continue from here (a stop longer than maxCatchUpMs leaves a gap: the shop was closed). */
  continueFrom: StreamPosition;
  resumed: boolean;
}

/**
 * Resumes a run: never generates a chunk twice except the in-flight batch (which is re-sent as it
 * was), never skips one it may have sent. A new live rate applies from where this run continues.
 */
export function planResume(previous: GeneratorCheckpoint | null, fresh: GeneratorCheckpoint, nowMs: number, options: { maxCatchUpMs: number; ratePerSec?: number }): ResumePlan {
  if (!previous) return { state: fresh, replayUntilMs: null, continueFrom: fresh.position, resumed: false };
  if (previous.seed !== fresh.seed || previous.products !== fresh.products) {
    throw new Error(`the checkpoint file is for seed ${previous.seed} and ${previous.products} products, not ${fresh.seed} and ${fresh.products}: use the same options or a new data folder`);
  }
  const inflight = previous.inflightUntil;
  const replayUntilMs = inflight ? inflight.chunkStartMs + (inflight.emitted > 0 ? 1000 : 0) : null;
  const afterReplay = replayUntilMs !== null && replayUntilMs > previous.position.chunkStartMs ? { chunkStartMs: replayUntilMs, emitted: 0 } : previous.position;
  const liveEdge = Math.floor(nowMs / 1000) * 1000;
  const continueFrom = liveEdge - afterReplay.chunkStartMs > options.maxCatchUpMs ? { chunkStartMs: liveEdge, emitted: 0 } : afterReplay;
  const segments = [...previous.segments];
  const lastRate = segments[segments.length - 1]?.ratePerSec;
  if (options.ratePerSec !== undefined && options.ratePerSec !== lastRate) segments.push({ fromMs: Math.max(continueFrom.chunkStartMs + (continueFrom.emitted > 0 ? 1000 : 0), segments[segments.length - 1]?.fromMs ?? 0), ratePerSec: options.ratePerSec });
  return { state: { ...previous, segments }, replayUntilMs, continueFrom, resumed: true };
}
