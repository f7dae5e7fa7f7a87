import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { Logger } from '@hitboard/runtime';
import { NotRetriableError, ProgressWatch, retry, sleep, type Health } from '@hitboard/runtime';
import { createProducer, dlqTopicSpec, ensureTopics } from '@hitboard/kafka';
import { encodeProductSum, type ProductSum } from '@hitboard/schema';
import type { AggregatorConfig } from './config';
import { PartitionCore, type FlushPlan } from './core/partition-core';
import { AggregatorError, worthRetrying } from './errors';
import { runFlush, type FlushIo, type FlushStep, type FlushVerdict } from './flush/flush-protocol';
import type { ParquetWriter, WrittenFile } from './lake/parquet-writer';
import { Ledger } from './ledger/ledger';
import type { AggregatorMetrics } from './metrics';
import { Mutex } from './mutex';
import { chunkByBytes } from './publish/chunk-by-bytes';

export type { FlushStep } from './flush/flush-protocol';
export type FlushTrigger = 'time' | 'size' | 'recovery' | 'revocation' | 'shutdown';

export interface AggregatorOptions {
  config: AggregatorConfig;
  kafka: Kafka;
  knex: Knex;
  writer: ParquetWriter;
  log: Logger;
  metrics: AggregatorMetrics;
  /** Called at each step of every flush with the flush's ordinal (1-based, per process). */
  onFlushStep?: (step: FlushStep, ordinal: number) => void;
}

/** What the shell holds for one assigned partition around its pure core (src/core/partition-core.ts). */
interface PartitionState {
  partition: number;
  /** Validation, dedupe, pre-sums, flush decisions and the flush's cells: no I/O. */
  core: PartitionCore;
  /** Serialises batch processing, flushes and resets of this partition. */
  lock: Mutex;
  /** False until the ledger is loaded and the consumer was sought to the warm-up start. */
  ready: boolean;
  /** True once a batch was accepted after the last seek (a second gap is then a real gap in the log). */
  seekConfirmed: boolean;
  /** Early evictions of the core's dedupe window already counted in the metric. */
  dedupeEvictedCounted: number;
  /** Set when the partition must not be consumed (the ledger is ahead of the log, or a step cannot pass): said on /healthz. */
  blocked: { reason: 'ledger-ahead-of-log' | 'not-retriable'; detail: string } | null;
  highWatermark: number;
  flushQueued: boolean;
  revoked: boolean;
  /** The flush running off the hot path (the core's `inFlight`), until `finishInFlight` applies its result under the lock. */
  inFlight: InFlight | null;
}

/** A flush started in the background and how it ended (never rejects: a failure is an outcome). */
interface InFlight {
  plan: FlushPlan;
  trigger: FlushTrigger;
  startedAt: bigint;
  done: Promise<{ ok: true; verdict: FlushVerdict; files: WrittenFile[] } | { ok: false; err: unknown }>;
}

/** The consumer's fetch settings (bench/aggregator-throughput.ts gives its bare baseline the same). */
export const AGGREGATOR_FETCH = {
  maxBytesPerPartition: 4 * 1024 * 1024, // 4 MiB: ~14k events of ~290 bytes per partition per fetch
  maxBytes: 32 * 1024 * 1024,
  maxWaitTimeInMs: 250,
} as const;

/**
 * Batches of different partitions handled side by side. kafkajs fetches again only once every batch
 * of the last fetch is handled, so with 1 a partition's flush stalls the others; 6 was tried (safe:
 * each partition keeps its lock and batch order) and measured no faster — the work is CPU-bound on
 * one thread (JSON.parse, GC, kafkajs decoding; flush waits are ~6 % idle) — so it stays 1.
 */
export const PARTITIONS_CONSUMED_CONCURRENTLY = 1;

const TICK_MAX_MS = 1000;
const LAG_POLL_MS = 2000;
/** The duplicate window's warm-up starts this much before the window (arrival times are producer clocks). */
const DEDUPE_WARM_SLACK_MS = 60_000;
const PUBLISH_CHUNK = 5000;
/** Bytes per produce call: half the broker's default 1 MiB `max.message.bytes` per record batch. */
const PUBLISH_CHUNK_BYTES = 512 * 1024;
/** Refused messages a partition holds before it flushes (with its cells): the memory bound for poison streams. */
const REFUSED_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The orchestrator: a kafkajs consumer group member that pre-sums sale events per (minute, product)
 * for each partition it owns and flushes them exactly once to the lake, the ledger and the
 * product-sums topic. See README.md for the flush protocol and its recovery.
 */
export class Aggregator {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly ledger: Ledger;
  private readonly states = new Map<number, PartitionState>();
  private flushOrdinal = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastLagPollMs = 0;
  private stopping = false;
  private running = false;
  private lastDbErrorAtMs: number | null = null;
  /** The consumer crashed and kafkajs will not restart it. */
  private crashed: string | null = null;
  private readonly progress: ProgressWatch;

  constructor(private readonly o: AggregatorOptions) {
    const c = o.config;
    this.consumer = o.kafka.consumer({
      groupId: c.KAFKA_GROUP_ID,
      sessionTimeout: c.KAFKA_SESSION_TIMEOUT_MS,
      rebalanceTimeout: 60_000,
      heartbeatInterval: Math.max(500, Math.floor(c.KAFKA_SESSION_TIMEOUT_MS / 10)),
      ...AGGREGATOR_FETCH,
      allowAutoTopicCreation: false,
    });
    this.producer = createProducer(o.kafka, { allowAutoTopicCreation: false });
    this.admin = o.kafka.admin();
    this.ledger = new Ledger(o.knex, c.TOPIC_EVENTS);
    this.progress = new ProgressWatch(c.HEALTH_STALL_AFTER_MS);
  }

  async start(): Promise<void> {
    const c = this.o.config;
    await this.producer.connect();
    await this.admin.connect();
    // The DLQ is keyed by source partition:offset and compacted, so a replayed flush's records replace the first ones.
    await retry(() => ensureTopics(this.o.kafka, [dlqTopicSpec(c.TOPIC_DLQ)]), {
      attempts: 5,
      onRetry: (err) => this.o.log.warn({ err }, 'could not check the DLQ topic; retrying'),
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => this.onAssignment(e.payload.memberAssignment[c.TOPIC_EVENTS] ?? []));
    this.consumer.on(this.consumer.events.REBALANCING, () => this.onRebalancing());
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.o.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      // kafkajs restarts the consumer itself unless the error is not retriable: then nothing consumes any more.
      if (!e.payload.restart) {
        this.crashed = e.payload.error.message;
        this.o.metrics.failures.inc({ step: 'consumer' });
      }
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: c.TOPIC_EVENTS, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
    const tickMs = Math.min(TICK_MAX_MS, Math.max(25, Math.floor(c.FLUSH_INTERVAL_MS / 2)));
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.o.log.warn({ err }, 'tick failed')), tickMs);
    this.o.log.info({ topic: c.TOPIC_EVENTS, group: c.KAFKA_GROUP_ID }, 'aggregator started');
  }

  /**
   * Graceful stop: finish the batch in hand, flush every partition, then leave the group. kafkajs's
   * `consumer.stop()` leaves the group, so it comes last: stopping first handed the partitions to
   * another instance while this one was still flushing them (the ledger CAS kept totals exact, but
   * the new owner started over from the ledger, and replayed or conflicted with the flush). Pausing
   * stops new batches while keeping the membership (kafkajs keeps heartbeating).
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    try {
      this.consumer.pause([{ topic: this.o.config.TOPIC_EVENTS }]);
    } catch (err) {
      this.o.log.warn({ err }, 'could not pause the consumer before the shutdown flush');
    }
    // Partitions flush side by side (each under its own lock, after the batch it may be handling):
    // Postgres and the produce acks overlap.
    await Promise.all([...this.states.values()].map((st) => st.lock.run(() => this.flush(st, 'shutdown'))));
    await this.consumer.stop();
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.admin.disconnect();
    this.running = false;
    this.o.log.info('aggregator stopped: flushed and left the group');
  }

  /**
   * Fails while not running, when the consumer crashed for good, when a partition is blocked (ledger
   * ahead of the log, a step that cannot pass), or when a partition with lag has not advanced its
   * ledger for `HEALTH_STALL_AFTER_MS`. Each failure names its partition.
   */
  health(): Health {
    const dbDown = this.lastDbErrorAtMs !== null && Date.now() - this.lastDbErrorAtMs < 10_000;
    const blocked = [...this.states.values()].filter((st) => st.blocked !== null && !st.revoked).map((st) => ({ partition: st.partition, ...st.blocked }));
    const stalled = this.progress.stalled().map((p) => ({ partition: p.key, nextOffset: p.position, lag: p.lag, stuckForMs: p.stuckForMs }));
    return {
      ok: this.running && !this.stopping && this.crashed === null && blocked.length === 0 && stalled.length === 0,
      partitions: [...this.states.keys()].sort((a, b) => a - b),
      postgres: dbDown ? 'retrying' : 'ok',
      bufferedKeys: this.bufferedKeys(),
      ...(this.crashed !== null ? { consumerCrashed: this.crashed } : {}),
      ...(blocked.length > 0 ? { blocked } : {}),
      ...(stalled.length > 0 ? { stalled } : {}),
    };
  }

  // ── assignment ─────────────────────────────────────────────────────────────────────────────

  private onAssignment(partitions: number[]): void {
    const assigned = new Set(partitions);
    this.o.log.info({ partitions }, 'partitions assigned');
    for (const st of this.states.values()) {
      if (assigned.has(st.partition)) continue;
      // Revoked: flush what we hold (the ledger CAS decides if it still counts), then forget it.
      st.revoked = true;
      this.progress.forget(st.partition);
      void st.lock
        .run(() => this.flush(st, 'revocation'))
        .catch((err: unknown) => this.o.log.warn({ err, partition: st.partition }, 'flush on revocation failed; the new owner replays from the ledger'))
        .finally(() => {
          if (this.states.get(st.partition) === st && st.revoked) this.states.delete(st.partition);
        });
    }
    for (const partition of partitions) {
      const existing = this.states.get(partition);
      if (existing && !existing.revoked) {
        // Kept. kafkajs rebuilt its offset manager in this sync, so the partition would restart at the
        // Kafka commit (a hint, possibly far below what this instance has read): put it back where it
        // really is. A reset in progress seeks when it is done.
        this.o.metrics.rejoins.inc();
        existing.seekConfirmed = false;
        if (existing.ready && existing.blocked === null) this.seek(partition, existing.core.expectNext);
        continue;
      }
      const st = this.newState(partition);
      this.states.set(partition, st);
      void st.lock.run(() => this.reset(st)).catch((err: unknown) => {
        if (!this.blockOnNotRetriable(st, err)) this.o.log.error({ err, partition }, 'reset failed');
      });
    }
  }

  /** Kafka is about to take partitions away: flush everything now, while we surely still own it. */
  private onRebalancing(): void {
    for (const st of this.states.values()) {
      if ((st.core.buffer.isEmpty && st.inFlight === null) || st.core.intended || st.flushQueued) continue;
      st.flushQueued = true;
      void st.lock
        .run(() => this.flush(st, 'revocation'))
        .catch((err: unknown) => this.o.log.warn({ err, partition: st.partition }, 'flush on rebalance failed'))
        .finally(() => (st.flushQueued = false));
    }
  }

  private newState(partition: number): PartitionState {
    const c = this.o.config;
    const core = new PartitionCore(
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
        flushMaxKeys: c.FLUSH_MAX_KEYS,
        refusedMaxBytes: REFUSED_MAX_BYTES,
      },
      Date.now(),
    );
    return {
      partition,
      core,
      lock: new Mutex(),
      ready: false,
      seekConfirmed: false,
      dedupeEvictedCounted: 0,
      blocked: null,
      highWatermark: 0,
      flushQueued: false,
      revoked: false,
      inFlight: null,
    };
  }

  /**
   * (Re)starts a partition from the ledger: drop anything in memory, load next_offset, any
   * intended flush and the stored watermark, remove orphan temporary files, and seek back to the
   * first offset that arrived within `DEDUPE_WINDOW_MS` (+ a minute) before the ledger's last change,
   * so the duplicate window is rebuilt as it was (those offsets are read for their ids only, never
   * counted). A ledger ahead of the log blocks the partition. Must run under the partition's lock.
   */
  private async reset(st: PartitionState, heartbeat?: () => Promise<void>): Promise<void> {
    const c = this.o.config;
    // A flush still in flight finishes first (its commit, if any, is then in the ledger this reads).
    await this.finishInFlight(st).catch((err: unknown) => this.o.log.warn({ err, partition: st.partition }, 'the in-flight flush failed; resetting from the ledger'));
    st.ready = false;
    st.core.clear();
    st.dedupeEvictedCounted = 0;
    const { low, high } = await this.retrying('kafka-offsets', () => this.logEnds(st.partition), heartbeat);
    const ledger = await this.retrying('ledger-open', () => this.ledger.open(st.partition, low), heartbeat);
    if (ledger.nextOffset > high) {
      // The topic was recreated or truncated while Postgres kept its ledger: consuming would skip
      // [high, next_offset) of the new log without a word. Stop here; an operator decides (README).
      st.blocked = { reason: 'ledger-ahead-of-log', detail: `ledger next_offset ${ledger.nextOffset} > log end ${high}` };
      this.o.metrics.ledgerAheadOfLog.set({ partition: String(st.partition) }, ledger.nextOffset - high);
      this.o.log.error(
        { partition: st.partition, nextOffset: ledger.nextOffset, highWatermark: high, topic: c.TOPIC_EVENTS },
        'the ledger is ahead of the log (topic recreated or truncated?): refusing to consume this partition; see apps/aggregator/README.md',
      );
      this.pausePartition(st.partition);
      return;
    }
    if (st.blocked?.reason === 'ledger-ahead-of-log') {
      this.o.metrics.ledgerAheadOfLog.set({ partition: String(st.partition) }, 0);
      st.blocked = null;
    }
    if (ledger.skippedLost > 0) {
      this.o.log.error({ partition: st.partition, lost: ledger.skippedLost, low }, 'offsets were deleted by retention before they were ingested');
    }
    const warmFromMs = ledger.updatedAtMs - c.DEDUPE_WINDOW_MS - DEDUPE_WARM_SLACK_MS;
    const warmFrom = await this.retrying('kafka-offsets', () => this.offsetAt(st.partition, warmFromMs), heartbeat);
    // The watermark is rebuilt like the buffer: from what the ledger committed, never from the
    // event times of a dropped buffer (a conflict's flush may have computed a value covering them).
    st.core.restore(ledger, Math.max(low, warmFrom), Date.now());
    st.seekConfirmed = false;
    const removed = await this.o.writer.removeOrphanTmpFiles(st.partition);
    if (removed.length > 0) this.o.log.info({ partition: st.partition, removed }, 'removed orphan temporary files');
    this.seek(st.partition, st.core.expectNext);
    st.ready = true;
    const { core } = st;
    this.o.log.info(
      { partition: st.partition, nextOffset: core.ledgerNext, warmFrom: core.expectNext, intended: core.intended },
      core.intended ? 'partition ready: replaying the intended flush first' : 'partition ready',
    );
  }

  /**
   * kafkajs's seek throws once the consumer is stopped (a shutdown flush that lost the CAS resets the
   * partition); there is nothing to seek then: the next owner starts from the ledger.
   */
  private seek(partition: number, offset: number): void {
    try {
      this.consumer.seek({ topic: this.o.config.TOPIC_EVENTS, partition, offset: String(offset) });
    } catch (err) {
      this.o.log.warn({ err, partition, offset }, 'seek failed (consumer stopped?)');
    }
  }

  private async logEnds(partition: number): Promise<{ low: number; high: number }> {
    const offsets = await this.admin.fetchTopicOffsets(this.o.config.TOPIC_EVENTS);
    const entry = offsets.find((o) => o.partition === partition);
    return entry ? { low: Number(entry.low), high: Number(entry.high) } : { low: 0, high: 0 };
  }

  /** The first offset of the partition whose Kafka timestamp is at or after `timestampMs` (the log end if none). */
  private async offsetAt(partition: number, timestampMs: number): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(this.o.config.TOPIC_EVENTS, Math.max(0, timestampMs));
    const entry = offsets.find((o) => o.partition === partition);
    const offset = entry ? Number(entry.offset) : -1;
    return offset >= 0 ? offset : Number.MAX_SAFE_INTEGER;
  }

  private pausePartition(partition: number): void {
    try {
      this.consumer.pause([{ topic: this.o.config.TOPIC_EVENTS, partitions: [partition] }]);
    } catch (err) {
      this.o.log.warn({ err, partition }, 'could not pause the partition');
    }
  }

  // ── consuming ──────────────────────────────────────────────────────────────────────────────

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    let st = this.states.get(batch.partition);
    if (!st || st.revoked) {
      // A batch for a partition the GROUP_JOIN event has not told us about yet.
      st = this.newState(batch.partition);
      this.states.set(batch.partition, st);
      const fresh = st;
      try {
        await this.whileHeartbeating(fresh.lock.run(() => this.reset(fresh, heartbeat)), heartbeat);
      } catch (err) {
        if (!this.blockOnNotRetriable(fresh, err)) throw err;
      }
      return;
    }
    const state = st;
    try {
      await this.whileHeartbeating(
        state.lock.run(() => this.processBatch(state, batch.messages, batch.highWatermark, { resolveOffset, heartbeat, isRunning, isStale })),
        heartbeat,
      );
    } catch (err) {
      if (!this.blockOnNotRetriable(state, err)) throw err;
    }
    const evicted = state.core.dedupe.evictedEarly - state.dedupeEvictedCounted;
    if (evicted > 0) {
      this.o.metrics.dedupeEvictedEarly.inc(evicted);
      state.dedupeEvictedCounted = state.core.dedupe.evictedEarly;
    }
    await heartbeat();
  }

  /**
   * A step failed with an error that will fail the same way every time: stop consuming the partition
   * (paused, nothing skipped: the ledger still holds the range) and say so on /healthz, instead of
   * letting kafkajs restart into the same error forever. Returns false for any other error.
   */
  private blockOnNotRetriable(st: PartitionState, err: unknown): boolean {
    if (!(err instanceof NotRetriableError || (err instanceof AggregatorError && !err.retriable))) return false;
    st.blocked = { reason: 'not-retriable', detail: (err as Error).message };
    this.o.log.error({ err, partition: st.partition }, 'partition stopped: a step failed with an error that cannot pass');
    this.pausePartition(st.partition);
    return true;
  }

  private async processBatch(
    st: PartitionState,
    messages: KafkaMessage[],
    highWatermark: string,
    ctl: Pick<EachBatchPayload, 'resolveOffset' | 'heartbeat' | 'isRunning' | 'isStale'>,
  ): Promise<void> {
    if (st.blocked !== null) return;
    if (!st.ready) return this.reset(st, ctl.heartbeat);
    st.highWatermark = Number(highWatermark);
    const first = messages[0];
    if (first === undefined) return;
    const core = st.core;
    if (Number(first.offset) < core.expectNext) {
      // A fetch from below where this partition is (kafkajs restarted it at the Kafka commit after a
      // group sync, or a seek raced a fetch). Count what is skipped; a batch wholly below it is
      // skipped by a seek, never by fetching the same range again.
      const last = messages[messages.length - 1] as KafkaMessage;
      const below = Number(last.offset) < core.expectNext ? messages.length : messages.findIndex((m) => Number(m.offset) >= core.expectNext);
      this.o.metrics.refetched.inc({ partition: String(st.partition) }, below);
      if (below === messages.length) {
        this.seek(st.partition, core.expectNext);
        return;
      }
    }
    if (Number(first.offset) > core.expectNext && !st.seekConfirmed) {
      // The seek of the last reset was not applied yet (or was lost in a rebalance): ask again, once.
      st.seekConfirmed = true;
      this.seek(st.partition, core.expectNext);
      return;
    }
    st.seekConfirmed = true;
    const nowMs = Date.now();
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
        if (!(await this.flush(st, 'recovery', ctl.heartbeat, core.intended?.lastOffset))) break;
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
        if (!(await this.flush(st, 'size', ctl.heartbeat))) break;
        core.countAfterOverflowFlush(message, offset, messageTimeMs, Date.now());
      }
      consumed++;
      const trigger = core.flushAfter(offset);
      if (trigger !== null) {
        resolveHandled();
        // A size flush runs off the hot path (after the one in flight, if any: at most two buffers);
        // the recovery flush of an intended range is waited for.
        if (!(await this.flush(st, trigger, ctl.heartbeat, undefined, trigger === 'size'))) break;
      }
    }
    resolveHandled();
    if (consumed > 0) this.o.metrics.eventsIn.inc({ partition: String(st.partition) }, consumed);
    if (st.ready && core.flushDue(Date.now())) await this.flush(st, 'time', ctl.heartbeat, undefined, true);
  }

  // ── the flush ──────────────────────────────────────────────────────────────────────────────

  /**
   * Flushes the core's plan (its buffer as the range [next first offset, last consumed]) through
   * the flush protocol (src/flush/flush-protocol.ts). The flush in flight, if any, finishes first and
   * its verdict is applied: a partition flushes one range at a time, in order. In the background the
   * protocol runs off the lock while the partition consumes into a fresh buffer (its verdict is
   * applied by the next flush, a reset, or the lock task queued when it ends); otherwise it is waited
   * for and applied here. 'committed' moves the partition on, 'conflict' resets it from the ledger.
   * Returns false when it was reset (or not ready). Must run under the partition's lock.
   */
  private async flush(st: PartitionState, trigger: FlushTrigger, heartbeat?: () => Promise<void>, lastOverride?: number, background = false): Promise<boolean> {
    if (!st.ready) return false;
    if (!(await this.settle(st, heartbeat))) return false;
    const partition = st.partition;
    const core = st.core;
    const plan = core.planFlush(Date.now(), lastOverride);
    if (plan === null) return true;
    if (plan === 'mismatch') {
      this.o.log.error({ partition, intended: core.intended }, 'flush range differs from the intended one; resetting from the ledger');
      await this.reset(st, heartbeat);
      return false;
    }
    core.started(plan);
    // Heartbeats only while someone waits for it (a batch's heartbeat outlives no batch).
    const done = this.runPlan(st, plan, background ? undefined : heartbeat).then(
      (r) => ({ ok: true as const, ...r }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    const inFlight: InFlight = { plan, trigger, startedAt: process.hrtime.bigint(), done };
    st.inFlight = inFlight;
    if (!background) return this.settle(st, heartbeat);
    // Apply its verdict as soon as the partition's lock is free (the next batch, flush or reset may do it first).
    void done.then(() =>
      st.lock
        .run(() => (st.inFlight === inFlight ? this.settle(st) : Promise.resolve(true)))
        .catch((err: unknown) => {
          if (!this.blockOnNotRetriable(st, err)) this.o.log.warn({ err, partition }, 'background flush failed; the partition resets from the ledger');
        }),
    );
    return true;
  }

  /** Runs one plan through the flush protocol; its verdict is applied by `finishInFlight`. */
  private runPlan(st: PartitionState, plan: FlushPlan, heartbeat?: () => Promise<void>): Promise<{ verdict: FlushVerdict; files: WrittenFile[] }> {
    const partition = st.partition;
    let ordinal = 0;
    const io: FlushIo = {
      beginFlush: (...args) => this.ledger.beginFlush(...args),
      writeFiles: (r) => this.o.writer.write(r.partition, r.firstOffset, r.lastOffset, r.cells),
      publish: () => this.publish(partition, plan),
      commitFlush: (...args) => this.ledger.commitFlush(...args),
      step: (name, fn) => this.retrying(name, fn, heartbeat),
      onStep: (step) => {
        if (step === 'before-file') ordinal = ++this.flushOrdinal;
        this.o.onFlushStep?.(step, ordinal);
      },
    };
    return runFlush(io, {
      partition,
      flushId: plan.flushId,
      firstOffset: plan.firstOffset,
      lastOffset: plan.lastOffset,
      cells: plan.cells,
      watermarkMs: plan.watermarkMs,
    });
  }

  /** Waits for the in-flight flush and applies its verdict; a conflict resets the partition. Returns false when it was reset. Under the lock. */
  private async settle(st: PartitionState, heartbeat?: () => Promise<void>): Promise<boolean> {
    if ((await this.finishInFlight(st)) !== 'conflict') return true;
    await this.reset(st, heartbeat);
    return false;
  }

  /**
   * Waits for the in-flight flush (if any) and applies what it did: on 'committed' the core moves
   * past its range (only its range: the buffer consumed since stays), with its metrics and the Kafka
   * commit hint (its range's end). A result from before a reset ('stale') changes nothing; a
   * 'conflict' is the caller's to reset; a failure marks the partition for a reset and is thrown.
   * Under the lock.
   */
  private async finishInFlight(st: PartitionState): Promise<'none' | 'committed' | 'conflict' | 'stale'> {
    const inFlight = st.inFlight;
    if (inFlight === null) return 'none';
    const result = await inFlight.done;
    if (st.inFlight === inFlight) st.inFlight = null;
    const { plan, trigger } = inFlight;
    const partition = st.partition;
    const { metrics, log } = this.o;
    if (!result.ok) {
      // The ledger may hold the range as intended: start over from it.
      if (plan.generation === st.core.generation) st.ready = false;
      throw result.err;
    }
    if (result.verdict === 'conflict') {
      metrics.flushes.inc({ outcome: 'conflict', trigger });
      if (plan.generation !== st.core.generation) return 'stale';
      log.warn({ partition, flushId: plan.flushId }, 'the ledger refused the flush (another instance owns the partition, or another flush is pending); resetting');
      return 'conflict';
    }
    metrics.flushes.inc({ outcome: 'committed', trigger });
    metrics.eventsFlushed.inc(plan.events);
    if (plan.duplicates > 0) metrics.duplicates.inc(plan.duplicates);
    for (const r of plan.refused) metrics.dlq.inc({ reason: r.rejection.reason });
    metrics.flushDuration.observe(Number(process.hrtime.bigint() - inFlight.startedAt) / 1e9);
    if (!st.core.committed(plan)) {
      log.warn({ partition, flushId: plan.flushId }, 'a flush committed after the partition was reset: ignored (the reset read the ledger)');
      return 'stale';
    }
    metrics.bufferedKeys.set(this.bufferedKeys());
    log.debug({ partition, flushId: plan.flushId, trigger, files: result.files.length, keys: plan.cells.length, refused: plan.refused.length }, 'flush committed');
    // (e) A hint only: on assignment the ledger decides where to start.
    this.consumer
      .commitOffsets([{ topic: this.o.config.TOPIC_EVENTS, partition, offset: String(plan.lastOffset + 1) }])
      .catch((err: unknown) => log.debug({ err, partition }, 'Kafka offset commit failed (harmless: the ledger is the truth)'));
    return 'committed';
  }

  private async publish(partition: number, plan: FlushPlan): Promise<void> {
    const c = this.o.config;
    const first = String(plan.firstOffset);
    const last = String(plan.lastOffset);
    const sums = plan.cells.map((cell) => {
      const sum: ProductSum = {
        flushId: plan.flushId,
        sourcePartition: partition,
        firstOffset: first,
        lastOffset: last,
        minuteStartMs: cell.minuteStartMs,
        productId: cell.productId,
        units: cell.units,
        revenueCents: cell.revenueCents,
        orders: cell.orders,
      };
      return { key: cell.productId, value: encodeProductSum(sum) };
    });
    // Chunked by bytes too: the broker refuses a record batch above max.message.bytes, on every retry.
    for (const messages of chunkByBytes(sums, PUBLISH_CHUNK_BYTES, PUBLISH_CHUNK)) {
      await this.producer.send({ topic: c.TOPIC_PRODUCT_SUMS, acks: -1, messages });
    }
    for (const messages of chunkByBytes(plan.dlq, PUBLISH_CHUNK_BYTES, PUBLISH_CHUNK)) {
      await this.producer.send({ topic: c.TOPIC_DLQ, acks: -1, messages });
    }
  }

  /**
   * Retries a step until it succeeds, backing off up to 5 s (Postgres away, broker electing, disk
   * full): nothing is lost meanwhile, the partition just waits and its lag grows. Heartbeats keep
   * the group membership alive while we wait.
   */
  private async retrying<T>(step: string, fn: () => Promise<T>, heartbeat?: () => Promise<void>): Promise<T> {
    try {
      return await retry(
        async () => {
          if (heartbeat) await heartbeat().catch(() => undefined);
          const result = await fn();
          if (step.startsWith('ledger')) this.lastDbErrorAtMs = null;
          return result;
        },
        {
          baseDelayMs: 100,
          maxDelayMs: 5000,
          // kafkajs marks its own errors retriable or not; its client retries those itself, so only
          // our errors that say they cannot pass stop the loop.
          retriable: worthRetrying,
          onRetry: (err, attempt, delayMs) => {
            if (step.startsWith('ledger')) this.lastDbErrorAtMs = Date.now();
            this.o.metrics.retries.inc({ step });
            this.o.log.warn({ err: (err as Error).message, step, attempt, delayMs }, 'step failed; retrying');
          },
        },
      );
    } catch (err) {
      if (err instanceof NotRetriableError) {
        this.o.metrics.failures.inc({ step });
        this.o.log.error({ err, step }, 'step failed with an error that cannot pass: not retried');
      }
      throw err;
    }
  }

  private async whileHeartbeating<T>(work: Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
    let done = false;
    const finished = work.finally(() => (done = true));
    while (!done) {
      await Promise.race([finished.catch(() => undefined), sleep(2000)]);
      if (!done) await heartbeat().catch(() => undefined);
    }
    return finished;
  }

  // ── timers ─────────────────────────────────────────────────────────────────────────────────

  private async tick(): Promise<void> {
    if (this.stopping) return;
    const nowMs = Date.now();
    for (const st of this.states.values()) {
      if (!st.ready || st.revoked || st.flushQueued || st.blocked !== null) continue;
      const core = st.core;
      if (core.flushDue(nowMs)) {
        // A quiet partition gets no batches: flush it from here.
        st.flushQueued = true;
        void st.lock
          .run(() => (core.flushDue(Date.now()) ? this.flush(st, 'time', undefined, undefined, true) : Promise.resolve(true)))
          .catch((err: unknown) => {
            if (!this.blockOnNotRetriable(st, err)) this.o.log.warn({ err, partition: st.partition }, 'timed flush failed');
          })
          .finally(() => (st.flushQueued = false));
      } else if (core.drainedAndIdle && core.expectNext >= st.highWatermark) {
        const wm = core.watermark.value(nowMs, true);
        if (wm !== null && (core.storedWatermarkMs === null || wm > core.storedWatermarkMs)) {
          core.storedWatermarkMs = wm;
          await this.ledger.advanceWatermark(st.partition, core.ledgerNext, wm).catch(() => undefined);
        }
      }
    }
    this.o.metrics.bufferedKeys.set(this.bufferedKeys());
    let ids = 0;
    for (const st of this.states.values()) ids += st.core.dedupe.size;
    this.o.metrics.dedupeIds.set(ids);
    if (nowMs - this.lastLagPollMs >= LAG_POLL_MS) {
      this.lastLagPollMs = nowMs;
      const offsets = await this.admin.fetchTopicOffsets(this.o.config.TOPIC_EVENTS).catch(() => null);
      for (const o of offsets ?? []) {
        const st = this.states.get(o.partition);
        if (!st || !st.ready) continue;
        st.highWatermark = Math.max(st.highWatermark, Number(o.high));
        const lag = Math.max(0, Number(o.high) - st.core.ledgerNext);
        this.o.metrics.lag.set({ partition: String(o.partition) }, lag);
        if (!st.revoked) this.progress.observe(st.partition, st.core.ledgerNext, lag);
      }
    }
  }

  private bufferedKeys(): number {
    let keys = 0;
    for (const st of this.states.values()) keys += st.core.buffer.keys;
    return keys;
  }
}
