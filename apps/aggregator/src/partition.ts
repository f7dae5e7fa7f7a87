import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Logger } from '@hitboard/runtime';
import { clock, sleep } from '@hitboard/runtime';
import { memorySharesOf, type AggregatorConfig } from './config';
import type { BufferBudget } from './core/memory-budget';
import { PartitionCore } from './core/partition-core';
import { planBatch } from './core/plan-batch';
import { PartitionFlusher, type FlushContext, type FlushReport, type FlushTrigger } from './flush/partition-flusher';
import type { AggregatorMetrics } from './metrics';
import { Mutex } from './mutex';
import type { Recovery } from './recovery';

/** Refused messages a partition holds before it flushes (with its cells): the memory bound for poison streams. */
const REFUSED_MAX_BYTES = 16 * 1024 * 1024;

/** Why a partition is not consumed (said on /healthz). */
export interface Blocked {
  reason: 'ledger-ahead-of-log' | 'not-retriable';
  detail: string;
}

/** What every partition of the process shares. */
export interface PartitionDeps {
  config: AggregatorConfig;
  /** The buffers' share of the process's memory budget, shared by every partition. */
  budget: BufferBudget;
  flushContext: FlushContext;
  recovery: Recovery;
  metrics: AggregatorMetrics;
  log: Logger;
  /** Aborted when a shutdown gives up waiting: batches stop waiting for their work. */
  shutdown: AbortSignal;
}

type BatchControl = Pick<EachBatchPayload, 'resolveOffset' | 'heartbeat' | 'isRunning' | 'isStale'>;

/**
 * One assigned partition: a batch comes in (`onBatch`), is planned by the pure core (`planBatch`),
 * offered message by message to the core, flushed through the flusher; a flush's verdict and every
 * reset go to the recovery. The batch does not come back to the Aggregator until it is done.
 */
export class Partition {
  /** Validation, dedupe, pre-sums, the read position, flush decisions and the flush's cells: no I/O. */
  readonly core: PartitionCore;
  /** The partition's flush lifecycle (one flush in flight, in order); its verdicts come back here. */
  readonly flusher: PartitionFlusher;
  /** Serialises batch processing, flushes and resets of this partition. */
  private readonly lock = new Mutex();
  /** False until the ledger is loaded and the consumer was sought to the warm-up start (the recovery sets both). */
  ready = false;
  /** Set when the partition must not be consumed (the ledger is ahead of the log, or a step cannot pass): said on /healthz. */
  blocked: Blocked | null = null;
  private isRevoked = false;
  /** A timed or rebalance flush waits for the lock: the next tick or rebalance does not queue another. */
  private flushQueued = false;
  /** Early evictions of the core's dedupe window already counted in the metric (the core's count never goes back). */
  private dedupeEvictedCounted = 0;

  constructor(
    readonly partition: number,
    private readonly deps: PartitionDeps,
  ) {
    const c = deps.config;
    this.core = new PartitionCore(
      {
        partition,
        sourceTopic: c.TOPIC_EVENTS,
        // One options object for every event (nothing allocated per call).
        validator: { currencies: c.CURRENCIES, maxBytes: c.MAX_EVENT_BYTES },
        dlqMaxValueBytes: c.DLQ_MAX_VALUE_BYTES,
        dedupeWindowMs: c.DEDUPE_WINDOW_MS,
        dedupeMaxIds: c.DEDUPE_MAX_IDS,
        allowedLatenessMs: c.ALLOWED_LATENESS_MS,
        idleTimeoutMs: c.IDLE_TIMEOUT_MS,
        watermarkMaxFutureMs: c.WATERMARK_MAX_FUTURE_MS,
        flushIntervalMs: c.FLUSH_INTERVAL_MS,
        // The budget's cap on one flush (its staging must fit DuckDB's share), or FLUSH_MAX_KEYS if lower.
        flushMaxKeys: Math.min(c.FLUSH_MAX_KEYS ?? Number.POSITIVE_INFINITY, memorySharesOf(c).flushMaxCells),
        budget: deps.budget,
        refusedMaxBytes: REFUSED_MAX_BYTES,
      },
      clock.now(),
    );
    this.flusher = new PartitionFlusher(this.core, deps.flushContext);
  }

  /** Kafka took the partition away: its last flush runs, then the Aggregator forgets it. */
  get revoked(): boolean {
    return this.isRevoked;
  }

  /** A new partition starts from the ledger (its batches are planned `reset` until it has). */
  start(): void {
    void this.lock.run(() => this.deps.recovery.reset(this)).catch((err: unknown) => {
      if (!this.deps.recovery.blockOnNotRetriable(this, err)) this.deps.log.error({ err, partition: this.partition }, 'reset failed');
    });
  }

  /**
   * Kept through a group join. kafkajs rebuilt its offset manager in this sync, so the partition would
   * restart at the Kafka commit (a hint, possibly far below what this instance has read): put it back
   * where it really is. A reset in progress seeks when it is done.
   */
  keep(): void {
    this.core.seekConfirmed = false;
    if (this.ready && this.blocked === null) this.deps.recovery.seek(this.partition, this.core.expectNext);
  }

  /** Kafka is about to take partitions away: flush now, while the partition is surely still ours. */
  flushBeforeRebalance(): void {
    const { core } = this;
    if ((core.buffer.isEmpty && !this.flusher.busy) || core.intended || this.flushQueued) return;
    this.flushQueued = true;
    void this.lock
      .run(() => this.flush('revocation'))
      .catch((err: unknown) => this.deps.log.warn({ err, partition: this.partition }, 'flush on rebalance failed'))
      .finally(() => (this.flushQueued = false));
  }

  /** Revoked: flush what it holds (the ledger CAS decides if it still counts). Never rejects. */
  async revoke(): Promise<void> {
    this.isRevoked = true;
    const { log } = this.deps;
    await this.lock
      .run(() => this.flush('revocation'))
      .then((flushed) => flushed || log.warn({ partition: this.partition }, 'no flush on revocation; the new owner replays from the ledger'))
      .catch((err: unknown) => log.warn({ err, partition: this.partition }, 'flush on revocation failed; the new owner replays from the ledger'))
      .finally(() => this.core.leaveBudget());
  }

  /**
   * The shutdown flush, after the batch in hand. True when nothing is left unflushed: a partition not
   * ready (resetting, blocked) has nothing of its own to flush (its buffer was dropped or never filled).
   */
  flushAtShutdown(): Promise<boolean> {
    return this.lock.run(async () => (this.ready ? this.flush('shutdown') : this.core.buffer.isEmpty)).catch(() => false);
  }

  /** One batch from kafkajs, under the partition's lock, heartbeating while it waits. */
  async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await this.underLock(() => this.handle(batch.messages, Number(batch.highWatermark), { resolveOffset, heartbeat, isRunning, isStale }), heartbeat);
    const evicted = this.core.dedupe.evictedEarly - this.dedupeEvictedCounted;
    if (evicted > 0) {
      this.deps.metrics.dedupeEvictedEarly.inc(evicted);
      this.dedupeEvictedCounted = this.core.dedupe.evictedEarly;
    }
    if (!this.deps.shutdown.aborted) await heartbeat();
  }

  /**
   * Runs work under the partition's lock, heartbeating; an error that cannot pass blocks the
   * partition, any other goes to kafkajs (not while shutting down).
   */
  private async underLock(work: () => Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    try {
      await this.whileHeartbeating(this.lock.run(work), heartbeat);
    } catch (err) {
      if (!this.deps.recovery.blockOnNotRetriable(this, err) && !this.deps.shutdown.aborted) throw err;
    }
  }

  /**
   * Flushes through the flusher (src/flush/partition-flusher.ts) and acts on the verdict. A background
   * flush's verdict is acted on once it has run, under the lock (the next flush or a reset may settle
   * it first). Returns false when the partition must stop here (not ready, reset, failed). Under the lock.
   */
  private async flush(trigger: FlushTrigger, options: { heartbeat?: () => Promise<void>; lastOverride?: number; background?: boolean } = {}): Promise<boolean> {
    if (!this.ready) return false;
    const report = await this.flusher.flush(trigger, options);
    if (report.verdict === 'started') {
      const { flight } = report;
      void flight.ran
        .then(() => this.lock.run(async () => this.act(await this.flusher.settle(flight))))
        .catch((err: unknown) => this.deps.log.warn({ err, partition: this.partition }, 'could not settle a background flush'));
      return true;
    }
    return this.act(report, options.heartbeat);
  }

  /** A quiet partition gets no batches: its timed flush, its share of the memory budget and its idle watermark are the tick's. */
  async onTick(nowMs: number): Promise<void> {
    if (!this.ready || this.revoked || this.flushQueued || this.blocked !== null) return;
    const { core } = this;
    const trigger = core.flushDue(nowMs) ? 'time' : core.overBudget ? 'budget' : null;
    if (trigger === null) return this.flusher.storeIdleWatermark(nowMs);
    if (this.flusher.busy) return; // the next tick, once the flight has settled (see `consume`)
    this.flushQueued = true;
    void this.lock
      .run(() => (core.flushDue(clock.now()) || core.overBudget ? this.flush(trigger, { background: true }) : Promise.resolve(true)))
      .catch((err: unknown) => {
        if (!this.deps.recovery.blockOnNotRetriable(this, err)) this.deps.log.warn({ err, partition: this.partition }, 'timed flush failed');
      })
      .finally(() => (this.flushQueued = false));
  }

  /** Carries out the core's plan for the batch. Under the lock. */
  private async handle(messages: KafkaMessage[], logEnd: number, ctl: BatchControl): Promise<void> {
    const { core } = this;
    if (this.ready && this.blocked === null) core.logEnd = logEnd;
    const plan = planBatch({ ready: this.ready, blocked: this.blocked !== null, expectNext: core.expectNext, seekConfirmed: core.seekConfirmed }, { messages, logEnd });
    if (plan.kind !== 'skip' && plan.refetched > 0) this.deps.metrics.refetched.inc({ partition: String(this.partition) }, plan.refetched);
    switch (plan.kind) {
      case 'skip':
        return;
      case 'reset':
        return this.deps.recovery.reset(this, ctl.heartbeat);
      case 'seek':
        if (plan.why === 'ahead') core.seekConfirmed = true;
        return this.deps.recovery.seek(this.partition, plan.offset);
      case 'consume':
        core.seekConfirmed = true;
        return this.consume(messages, ctl);
    }
  }

  /** Offers the batch to the core; flushes when the core says so (stopping if a flush resets or fails the partition). */
  private async consume(messages: KafkaMessage[], ctl: BatchControl): Promise<void> {
    const { core } = this;
    const nowMs = clock.now();
    let consumed = 0;
    // resolveOffset turns the offset into a Long (a measurable cost per message): resolve the last
    // handled offset once per batch, and before every flush (a flush may reset and seek).
    let unresolved: string | null = null;
    const resolveHandled = (): void => {
      if (unresolved !== null) ctl.resolveOffset(unresolved);
      unresolved = null;
    };
    for (let i = 0; i < messages.length; i++) {
      // isStale builds a string key per call: ask every 64 messages. Reading a few more messages of
      // a stale batch costs nothing: the flush's ledger CAS decides what counts.
      if ((i & 63) === 0 && (!ctl.isRunning() || ctl.isStale())) break;
      const message = messages[i] as KafkaMessage;
      const offset = Number(message.offset);
      if (offset < core.expectNext) continue;
      if (core.mustCloseIntendedBefore(offset)) {
        // The intended range ended on an offset the log no longer shows: close it where it was declared.
        resolveHandled();
        if (!(await this.flush('recovery', { heartbeat: ctl.heartbeat, lastOverride: core.intended?.lastOffset }))) break;
      }
      // "The future" is judged against the message's Kafka timestamp, so a replay decides the same.
      const timestampMs = Number(message.timestamp);
      const messageTimeMs = timestampMs > 0 ? timestampMs : nowMs;
      unresolved = message.offset;
      const offered = core.offer(message, offset, messageTimeMs, nowMs);
      if (offered === 'warmed') continue;
      if (offered === 'overflow') {
        // Its cell would pass 2^53 cents: flush what is buffered (up to the previous offset), then
        // count it in the next buffer. Deterministic, so a replay of the range ends at the same place.
        resolveHandled();
        if (!(await this.flush('size', { heartbeat: ctl.heartbeat }))) break;
        core.countAfterOverflowFlush(message, offset, messageTimeMs, clock.now());
      }
      consumed++;
      const trigger = core.flushAfter(offset);
      if (trigger !== null) {
        resolveHandled();
        // A size or budget flush runs off the hot path (after the one in flight, if any: at most two
        // buffers); the recovery flush of an intended range is waited for.
        if (!(await this.flush(trigger, { heartbeat: ctl.heartbeat, background: trigger !== 'recovery' }))) break;
      }
    }
    resolveHandled();
    if (consumed > 0) this.deps.metrics.eventsIn.inc({ partition: String(this.partition) }, consumed);
    // A timed flush waits while the previous one is in flight: starting it would first wait for that one
    // here, under the lock, and kafkajs fetches for no partition meanwhile. The partition keeps
    // consuming into its buffer instead, and flushes once the flight has settled (the size bound still
    // waits: it bounds memory).
    if (this.ready && !this.flusher.busy && core.flushDue(clock.now())) await this.flush('time', { heartbeat: ctl.heartbeat, background: true });
  }

  /** What a flush's verdict does: 'conflict' resets from the ledger, 'failed' blocks (cannot pass) or marks for a reset. Under the lock. */
  private async act(report: FlushReport, heartbeat?: () => Promise<void>): Promise<boolean> {
    if (report.verdict === 'conflict') {
      await this.deps.recovery.reset(this, heartbeat);
      return false;
    }
    if (report.verdict === 'failed') {
      // The ledger may hold the range as intended: start over from it (or stay blocked if it cannot pass).
      this.ready = false;
      if (!this.deps.recovery.blockOnNotRetriable(this, report.error)) {
        this.deps.log.warn({ err: report.error, partition: this.partition }, 'flush failed; the partition resets from the ledger');
      }
      return false;
    }
    return true;
  }

  /** Waits for `work`, heartbeating every 2 s; gives up waiting once the shutdown is aborted (kafkajs leaves the group only after the batch returns). */
  private async whileHeartbeating(work: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    const { shutdown, log } = this.deps;
    let done = false;
    const finished = work.finally(() => (done = true));
    while (!done) {
      await Promise.race([finished.catch(() => undefined), sleep(2000, shutdown)]);
      if (done) break;
      if (shutdown.aborted) {
        finished.catch((err: unknown) => log.debug({ err }, 'a batch abandoned at shutdown failed'));
        return;
      }
      await heartbeat().catch(() => undefined);
    }
    return finished;
  }
}
