import { clock } from '@hitboard/runtime';
import type { Consumer, Producer } from 'kafkajs';
import type { Logger } from '@hitboard/runtime';
import { hourStartMs, rawFilePath, type RawFileWriter } from '@hitboard/lake';
import type { FlushStep, WrittenFile } from '../core/flush-types';
import type { Cell } from '../core/partition-buffer';
import type { FlushPlan, PartitionCore } from '../core/partition-core';
import type { Ledger } from '../ledger';
import type { AggregatorMetrics } from '../metrics';
import { runFlush, type FlushIo, type FlushRange, type ProtocolVerdict } from './flush-protocol';
import { publishFlush } from './publish-flush';
import type { RetryingSteps } from './retrying-steps';

/** `size`: a partition's own bound (refused bytes, FLUSH_MAX_KEYS); `budget`: the process's memory budget (the largest buffers). */
export type FlushTrigger = 'time' | 'size' | 'budget' | 'recovery' | 'revocation' | 'shutdown';

/**
 * How a flush ended, for the shell to act on: `committed` (the core moved past its range), `conflict`
 * (the ledger refused it, or it was not the intended range: the shell resets the partition), `stale`
 * (it was planned before a reset: nothing to do), `failed` (a step failed for good, or the shutdown
 * stopped it: `error` says which; the shell blocks or resets the partition).
 */
export type FlushVerdict = 'committed' | 'conflict' | 'stale' | 'failed';

/**
 * What `flush` and `settle` report: a verdict, or `started` (a background flush is running; settle it
 * once `flight.ran` resolves), or `idle` (nothing to flush, or nothing in flight).
 */
export type FlushReport = { verdict: FlushVerdict; error?: unknown } | { verdict: 'started'; flight: Flight } | { verdict: 'idle' };

/** A flush in flight: `ran` resolves when its protocol has run (its result is applied by `settle`). */
export interface Flight {
  readonly ran: Promise<void>;
}

/** What every partition's flusher shares: the ledger, the lake, the Kafka clients, how steps retry, the hooks. */
export interface FlushContext {
  ledger: Ledger;
  writer: RawFileWriter;
  producer: Producer;
  /** For step (e), the Kafka offset commit. */
  consumer: Consumer;
  topics: { events: string; sums: string; dlq: string };
  steps: RetryingSteps;
  metrics: AggregatorMetrics;
  log: Logger;
  /** The crash hook: called at each step of every flush with the flush's ordinal (1-based, per process). */
  onFlushStep?: (step: FlushStep, ordinal: number) => void;
  /** The next flush ordinal of this process (shared by every partition's flusher). */
  nextOrdinal(): number;
}

type Ran = { ok: true; verdict: ProtocolVerdict; files: WrittenFile[] } | { ok: false; err: unknown };

interface InFlight extends Flight {
  plan: FlushPlan;
  trigger: FlushTrigger;
  startedAt: bigint;
  result: Promise<Ran>;
}

/**
 * The flush lifecycle of one partition: plan → start → the flush protocol (ledger, lake, publish,
 * ledger) → apply its result to the core → a verdict. One flush in flight at a time, in order: every
 * flush first settles the one in flight. A background flush runs while the partition consumes into a
 * fresh buffer (at most two buffers). The generation check keeps a flush planned before a reset from
 * moving the core. Resets, blocks and seeks are the shell's: it acts on the verdict.
 */
export class PartitionFlusher {
  private inFlight: InFlight | null = null;

  constructor(
    private readonly core: PartitionCore,
    private readonly ctx: FlushContext,
  ) {}

  /** True while a flush runs or waits to be settled. */
  get busy(): boolean {
    return this.inFlight !== null;
  }

  /**
   * Flushes the core's buffer as the range [next first offset, last consumed] (or up to `lastOverride`,
   * an intended range the log no longer shows in full). The flush in flight settles first; if it did
   * not commit, its verdict is returned and nothing new starts. A `background` flush returns `started`
   * at once; otherwise it is waited for (heartbeating) and its verdict returned.
   */
  async flush(trigger: FlushTrigger, options: { lastOverride?: number; background?: boolean; heartbeat?: () => Promise<void> } = {}): Promise<FlushReport> {
    const previous = await this.settle();
    if (previous.verdict === 'conflict' || previous.verdict === 'failed') return previous;
    const plan = this.core.planFlush(clock.now(), options.lastOverride);
    if (plan === null) return { verdict: 'idle' };
    if (plan === 'mismatch') {
      this.ctx.log.error({ partition: this.core.partition, intended: this.core.intended }, 'flush range differs from the intended one; resetting from the ledger');
      return { verdict: 'conflict' };
    }
    this.core.started(plan);
    // The plan's cell array is all the flight needs: the buffer's Maps go (issue 28: ~40 bytes a cell).
    plan.buffer.dropIndex();
    // Heartbeats only while someone waits for it (a batch's heartbeat outlives no batch).
    const result = this.run(plan, options.background ? undefined : options.heartbeat);
    const flight: InFlight = { plan, trigger, startedAt: process.hrtime.bigint(), result, ran: result.then(() => undefined) };
    this.inFlight = flight;
    return options.background ? { verdict: 'started', flight } : this.settle();
  }

  /**
   * Waits for the flush in flight (only `flight`, if given: a newer one is left running) and applies its
   * result: on commit the core moves past its range (only its range: the buffer consumed since stays),
   * with its metrics and the Kafka commit hint.
   */
  async settle(flight?: Flight): Promise<FlushReport> {
    const inFlight = this.inFlight;
    if (inFlight === null || (flight !== undefined && flight !== inFlight)) return { verdict: 'idle' };
    const ran = await inFlight.result;
    if (this.inFlight === inFlight) this.inFlight = null;
    const { plan, trigger } = inFlight;
    const { metrics, log } = this.ctx;
    const partition = this.core.partition;
    const current = plan.generation === this.core.generation;
    if (!ran.ok) return current ? { verdict: 'failed', error: ran.err } : { verdict: 'stale' };
    if (ran.verdict === 'conflict') {
      metrics.flushes.inc({ outcome: 'conflict', trigger });
      if (!current) return { verdict: 'stale' };
      log.warn({ partition, flushId: plan.flushId }, 'the ledger refused the flush (another instance owns the partition, or another flush is pending); resetting');
      return { verdict: 'conflict' };
    }
    metrics.flushes.inc({ outcome: 'committed', trigger });
    metrics.eventsFlushed.inc(plan.events);
    if (plan.duplicates > 0) metrics.duplicates.inc(plan.duplicates);
    for (const r of plan.refused) metrics.dlq.inc({ reason: r.rejection.reason });
    metrics.flushDuration.observe(Number(process.hrtime.bigint() - inFlight.startedAt) / 1e9);
    if (!this.core.committed(plan)) {
      log.warn({ partition, flushId: plan.flushId }, 'a flush committed after the partition was reset: ignored (the reset read the ledger)');
      return { verdict: 'stale' };
    }
    log.debug({ partition, flushId: plan.flushId, trigger, files: ran.files.length, keys: plan.cells.length, refused: plan.refused.length }, 'flush committed');
    // (e) A hint only: on assignment the ledger decides where to start.
    this.ctx.consumer
      .commitOffsets([{ topic: this.ctx.topics.events, partition, offset: String(plan.lastOffset + 1) }])
      .catch((err: unknown) => log.debug({ err, partition }, 'Kafka offset commit failed (harmless: the ledger is the truth)'));
    return { verdict: 'committed' };
  }

  /** An idle partition's watermark moves on without a flush (the rollups wait for it); best effort: a failed write is left to the next flush. */
  async storeIdleWatermark(nowMs: number): Promise<void> {
    const wm = this.core.idleWatermarkToStore(nowMs);
    if (wm !== null) await this.ctx.ledger.advanceWatermark(this.core.partition, this.core.ledgerNext, wm).catch(() => undefined);
  }

  /** Runs one plan through the flush protocol; never rejects (a failure is a result). */
  private run(plan: FlushPlan, heartbeat?: () => Promise<void>): Promise<Ran> {
    const { ctx } = this;
    const partition = this.core.partition;
    let ordinal = 0;
    const io: FlushIo = {
      beginFlush: (...args) => ctx.ledger.beginFlush(...args),
      writeFiles: (range) => writeFlushFiles(ctx.writer, range),
      publish: () => publishFlush(ctx.producer, ctx.topics, partition, plan),
      commitFlush: (...args) => ctx.ledger.commitFlush(...args),
      step: (name, fn) => ctx.steps.run(name, fn, heartbeat),
      onStep: (step) => {
        if (step === 'before-file') ordinal = ctx.nextOrdinal();
        ctx.onFlushStep?.(step, ordinal);
      },
    };
    const range: FlushRange = { partition, flushId: plan.flushId, firstOffset: plan.firstOffset, lastOffset: plan.lastOffset, cells: plan.cells, watermarkMs: plan.watermarkMs };
    return runFlush(io, range).then(
      (r): Ran => ({ ok: true, ...r }),
      (err: unknown): Ran => ({ ok: false, err }),
    );
  }
}

/** Step (b): one lake file per UTC hour of the range, named after the range (a replay writes the same names). */
async function writeFlushFiles(writer: RawFileWriter, range: FlushRange): Promise<WrittenFile[]> {
  const byHour = new Map<number, Cell[]>();
  for (const cell of range.cells) {
    const hourMs = hourStartMs(cell.minuteStartMs);
    const cells = byHour.get(hourMs);
    if (cells) cells.push(cell);
    else byHour.set(hourMs, [cell]);
  }
  const files: WrittenFile[] = [];
  for (const [hourMs, cells] of [...byHour].sort((a, b) => a[0] - b[0])) {
    const written = await writer.write(rawFilePath(hourMs, range.partition, range.firstOffset, range.lastOffset), cells);
    files.push({ ...written, hourMs });
  }
  return files;
}
