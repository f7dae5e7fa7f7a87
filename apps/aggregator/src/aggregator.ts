import { clock } from '@hitboard/runtime';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { Logger } from '@hitboard/runtime';
import { NotRetriableError, StallWatch, retry, sleep, type Health } from '@hitboard/runtime';
import { createProducer, dlqTopicSpec, ensureTopics } from '@hitboard/kafka';
import type { RawFileWriter } from '@hitboard/lake';
import type { AggregatorConfig } from './config';
import { AggregatorError } from './core/errors';
import type { FlushStep } from './core/flush-types';
import { PartitionCore } from './core/partition-core';
import { PartitionFlusher, type FlushContext, type FlushReport, type FlushTrigger } from './flush/partition-flusher';
import { RetryingSteps } from './flush/retrying-steps';
import { Ledger } from './ledger';
import type { AggregatorMetrics } from './metrics';
import { Mutex } from './mutex';

export type { FlushStep } from './core/flush-types';

export interface AggregatorOptions {
  config: AggregatorConfig;
  kafka: Kafka;
  knex: Knex;
  writer: RawFileWriter;
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
  /** The partition's flush lifecycle (one flush in flight, in order); its verdicts come back here. */
  flusher: PartitionFlusher;
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
  /** The partition's log end offset (the offset its next record will get), from the last batch or lag poll. */
  logEnd: number;
  flushQueued: boolean;
  revoked: boolean;
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
  /** Aborted when a shutdown gives up waiting: retries stop, batches stop waiting (the ledger keeps what did not commit). */
  private readonly shutdown = new AbortController();
  private readonly steps: RetryingSteps;
  private readonly flushContext: FlushContext;
  private timer: NodeJS.Timeout | null = null;
  private lastLagPollMs = 0;
  private stopping = false;
  private running = false;
  /** The consumer crashed and kafkajs will not restart it. */
  private crashed: string | null = null;
  private readonly stallWatch: StallWatch;

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
    this.stallWatch = new StallWatch(c.HEALTH_STALL_AFTER_MS);
    this.steps = new RetryingSteps(o.metrics, o.log, this.shutdown.signal);
    let flushOrdinal = 0;
    this.flushContext = {
      ledger: this.ledger,
      writer: o.writer,
      producer: this.producer,
      consumer: this.consumer,
      topics: { events: c.TOPIC_EVENTS, sums: c.TOPIC_PRODUCT_SUMS, dlq: c.TOPIC_DLQ },
      steps: this.steps,
      metrics: o.metrics,
      log: o.log,
      ...(o.onFlushStep ? { onFlushStep: o.onFlushStep } : {}),
      nextOrdinal: () => ++flushOrdinal,
    };
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
   *
   * Bounded and never rejects: flushes that have not ended after `SHUTDOWN_TIMEOUT_MS` (at most
   * `STOP_BOUND_MS` − 4 s; Postgres, S3 or the broker down) or that failed are given up — their ranges are not committed, the next owner replays them
   * from the ledger — and the group, the producer and the admin client are released whatever happened,
   * so the caller can close the pool.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    const { log, config } = this.o;
    try {
      this.consumer.pause([{ topic: config.TOPIC_EVENTS }]);
    } catch (err) {
      log.warn({ err }, 'could not pause the consumer before the shutdown flush');
    }
    // Partitions flush side by side (each under its own lock, after the batch it may be handling):
    // Postgres and the produce acks overlap. The flushes get what the stop bound leaves after leaving
    // the group and closing the pool, so the partitions are given back before the process must exit.
    const flushBudgetMs = Math.max(100, Math.min(config.SHUTDOWN_TIMEOUT_MS, config.STOP_BOUND_MS - RELEASE_RESERVE_MS));
    const states = [...this.states.values()];
    const flushed = await within(
      // A partition not ready (resetting, blocked) has nothing of its own to flush: its buffer was dropped or never filled.
      Promise.all(states.map((st) => st.lock.run(async () => (st.ready ? this.flush(st, 'shutdown') : st.core.buffer.isEmpty)).catch(() => false))),
      flushBudgetMs,
    );
    // Whatever still runs stops retrying, and batches stop waiting for it.
    this.shutdown.abort();
    const unflushed = flushed === 'timeout' ? states.map((st) => st.partition) : states.filter((_, i) => !flushed[i]).map((st) => st.partition);
    if (unflushed.length > 0) {
      log.error(
        { partitions: unflushed, timedOut: flushed === 'timeout', timeoutMs: flushBudgetMs },
        'shutdown: not every partition flushed; leaving anyway (the next owner replays them from the ledger)',
      );
    }
    // Side by side, each bounded: with the broker unreachable a LeaveGroup or a disconnect can wait on
    // kafkajs's retries (~29 s) or a request timeout; the group then drops this member at its session timeout.
    await Promise.all(
      ([
        ['consumer (leave the group)', () => this.consumer.disconnect()],
        ['producer', () => this.producer.disconnect()],
        ['admin', () => this.admin.disconnect()],
      ] as const).map(async ([what, release]) => {
        const released = await within(release().then(() => true), RELEASE_TIMEOUT_MS).catch((err: unknown) => err);
        if (released !== true) log.error({ err: released === 'timeout' ? `not done within ${RELEASE_TIMEOUT_MS} ms` : released, what }, 'shutdown: could not release a Kafka client');
      }),
    );
    this.running = false;
    log.info(unflushed.length === 0 ? 'aggregator stopped: flushed and left the group' : 'aggregator stopped: left the group');
  }

  /**
   * Fails while not running, when the consumer crashed for good, when a partition is blocked (ledger
   * ahead of the log, a step that cannot pass), or when a partition with lag has not advanced its
   * ledger for `HEALTH_STALL_AFTER_MS`. Each failure names its partition.
   */
  health(): Health {
    const { lastDbErrorAtMs } = this.steps;
    const dbDown = lastDbErrorAtMs !== null && clock.now() - lastDbErrorAtMs < 10_000;
    const blocked = [...this.states.values()].filter((st) => st.blocked !== null && !st.revoked).map((st) => ({ partition: st.partition, ...st.blocked }));
    const stalled = this.stallWatch.stalled().map((p) => ({ partition: p.key, nextOffset: p.position, lag: p.lag, stuckForMs: p.stuckForMs }));
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
      this.stallWatch.forget(st.partition);
      void st.lock
        .run(() => this.flush(st, 'revocation'))
        .then((flushed) => flushed || this.o.log.warn({ partition: st.partition }, 'no flush on revocation; the new owner replays from the ledger'))
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
      if ((st.core.buffer.isEmpty && !st.flusher.busy) || st.core.intended || st.flushQueued) continue;
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
      clock.now(),
    );
    return {
      partition,
      core,
      flusher: new PartitionFlusher(core, this.flushContext),
      lock: new Mutex(),
      ready: false,
      seekConfirmed: false,
      dedupeEvictedCounted: 0,
      blocked: null,
      logEnd: 0,
      flushQueued: false,
      revoked: false,
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
    const last = await st.flusher.settle();
    if (last.verdict === 'failed') this.o.log.warn({ err: last.error, partition: st.partition }, 'the in-flight flush failed; resetting from the ledger');
    st.ready = false;
    st.core.clear();
    st.dedupeEvictedCounted = 0;
    const { low, high } = await this.steps.run('kafka-offsets', () => this.logEnds(st.partition), heartbeat);
    const ledger = await this.steps.run('ledger-open', () => this.ledger.open(st.partition, low), heartbeat);
    if (ledger.nextOffset > high) {
      // The topic was recreated or truncated while Postgres kept its ledger: consuming would skip
      // [high, next_offset) of the new log without a word. Stop here; an operator decides (README).
      st.blocked = { reason: 'ledger-ahead-of-log', detail: `ledger next_offset ${ledger.nextOffset} > log end ${high}` };
      this.o.metrics.ledgerAheadOfLog.set({ partition: String(st.partition) }, ledger.nextOffset - high);
      this.o.log.error(
        { partition: st.partition, nextOffset: ledger.nextOffset, logEnd: high, topic: c.TOPIC_EVENTS },
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
    const warmFrom = await this.steps.run('kafka-offsets', () => this.offsetAt(st.partition, warmFromMs), heartbeat);
    // The watermark is rebuilt like the buffer: from what the ledger committed, never from the
    // event times of a dropped buffer (a conflict's flush may have computed a value covering them).
    st.core.restore(ledger, Math.max(low, warmFrom), clock.now());
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
      return this.underLock(fresh, () => this.reset(fresh, heartbeat), heartbeat);
    }
    const state = st;
    await this.underLock(state, () => this.processBatch(state, batch.messages, batch.highWatermark, { resolveOffset, heartbeat, isRunning, isStale }), heartbeat);
    const evicted = state.core.dedupe.evictedEarly - state.dedupeEvictedCounted;
    if (evicted > 0) {
      this.o.metrics.dedupeEvictedEarly.inc(evicted);
      state.dedupeEvictedCounted = state.core.dedupe.evictedEarly;
    }
    if (!this.shutdown.signal.aborted) await heartbeat();
  }

  /** Runs a batch's work under the partition's lock, heartbeating; an error that cannot pass blocks the partition, any other goes to kafkajs (not while shutting down). */
  private async underLock(st: PartitionState, work: () => Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    try {
      await this.whileHeartbeating(st.lock.run(work), heartbeat);
    } catch (err) {
      if (!this.blockOnNotRetriable(st, err) && !this.shutdown.signal.aborted) throw err;
    }
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
    logEnd: string,
    ctl: Pick<EachBatchPayload, 'resolveOffset' | 'heartbeat' | 'isRunning' | 'isStale'>,
  ): Promise<void> {
    if (st.blocked !== null) return;
    if (!st.ready) return this.reset(st, ctl.heartbeat);
    st.logEnd = Number(logEnd); // kafkajs's batch.highWatermark
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
        // The log ends below where this partition already is: the topic was recreated or truncated
        // under a running consumer (kafkajs answers the seek with "offset out of range" and restarts
        // at the log's start, forever). The reset checks the ledger against the log ends and refuses.
        if (Number(logEnd) < core.expectNext) return this.reset(st, ctl.heartbeat);
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
        if (!(await this.flush(st, 'recovery', { heartbeat: ctl.heartbeat, lastOverride: core.intended?.lastOffset }))) break;
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
        if (!(await this.flush(st, 'size', { heartbeat: ctl.heartbeat }))) break;
        core.countAfterOverflowFlush(message, offset, messageTimeMs, clock.now());
      }
      consumed++;
      const trigger = core.flushAfter(offset);
      if (trigger !== null) {
        resolveHandled();
        // A size flush runs off the hot path (after the one in flight, if any: at most two buffers);
        // the recovery flush of an intended range is waited for.
        if (!(await this.flush(st, trigger, { heartbeat: ctl.heartbeat, background: trigger === 'size' }))) break;
      }
    }
    resolveHandled();
    if (consumed > 0) this.o.metrics.eventsIn.inc({ partition: String(st.partition) }, consumed);
    // A timed flush waits while the previous one is in flight: starting it would first wait for that one
    // here, under the lock, and kafkajs fetches for no partition meanwhile. The partition keeps
    // consuming into its buffer instead, and flushes once the flight has settled (the size bound still
    // waits: it bounds memory).
    if (st.ready && !st.flusher.busy && core.flushDue(clock.now())) await this.flush(st, 'time', { heartbeat: ctl.heartbeat, background: true });
  }

  // ── the flush ──────────────────────────────────────────────────────────────────────────────

  /**
   * Flushes the partition through its flusher (src/flush/partition-flusher.ts) and acts on the
   * verdict: 'conflict' resets the partition from the ledger, 'failed' blocks it (an error that cannot
   * pass) or marks it for a reset. A background flush's verdict is acted on once it has run, under the
   * lock (the next flush or a reset may settle it first). Returns false when the partition must stop
   * here (not ready, reset, failed). Must run under the partition's lock.
   */
  private async flush(st: PartitionState, trigger: FlushTrigger, options: { heartbeat?: () => Promise<void>; lastOverride?: number; background?: boolean } = {}): Promise<boolean> {
    if (!st.ready) return false;
    const report = await st.flusher.flush(trigger, options);
    if (report.verdict === 'started') {
      const { flight } = report;
      void flight.ran
        .then(() => st.lock.run(async () => this.act(st, await st.flusher.settle(flight))))
        .catch((err: unknown) => this.o.log.warn({ err, partition: st.partition }, 'could not settle a background flush'));
      return true;
    }
    return this.act(st, report, options.heartbeat);
  }

  /** What the shell does with a flush's verdict. Returns false when the partition was reset or stopped. Under the lock. */
  private async act(st: PartitionState, report: FlushReport, heartbeat?: () => Promise<void>): Promise<boolean> {
    if (report.verdict === 'conflict') {
      await this.reset(st, heartbeat);
      return false;
    }
    if (report.verdict === 'failed') {
      // The ledger may hold the range as intended: start over from it (or stay blocked if it cannot pass).
      st.ready = false;
      if (!this.blockOnNotRetriable(st, report.error)) {
        this.o.log.warn({ err: report.error, partition: st.partition }, 'flush failed; the partition resets from the ledger');
      }
      return false;
    }
    return true;
  }

  /** Waits for `work`, heartbeating every 2 s; gives up waiting once the shutdown is aborted (kafkajs leaves the group only after the batch returns). */
  private async whileHeartbeating(work: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    let done = false;
    const finished = work.finally(() => (done = true));
    while (!done) {
      await Promise.race([finished.catch(() => undefined), sleep(2000, this.shutdown.signal)]);
      if (done) break;
      if (this.shutdown.signal.aborted) {
        finished.catch((err: unknown) => this.o.log.debug({ err }, 'a batch abandoned at shutdown failed'));
        return;
      }
      await heartbeat().catch(() => undefined);
    }
    return finished;
  }

  // ── timers ─────────────────────────────────────────────────────────────────────────────────

  private async tick(): Promise<void> {
    if (this.stopping) return;
    const nowMs = clock.now();
    for (const st of this.states.values()) {
      if (!st.ready || st.revoked || st.flushQueued || st.blocked !== null) continue;
      const core = st.core;
      if (core.flushDue(nowMs)) {
        if (st.flusher.busy) continue; // the next tick, once the flight has settled (see processBatch)
        // A quiet partition gets no batches: flush it from here.
        st.flushQueued = true;
        void st.lock
          .run(() => (core.flushDue(clock.now()) ? this.flush(st, 'time', { background: true }) : Promise.resolve(true)))
          .catch((err: unknown) => {
            if (!this.blockOnNotRetriable(st, err)) this.o.log.warn({ err, partition: st.partition }, 'timed flush failed');
          })
          .finally(() => (st.flushQueued = false));
      } else if (core.drainedAndIdle && core.expectNext >= st.logEnd) {
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
        st.logEnd = Math.max(st.logEnd, Number(o.high));
        const lag = Math.max(0, Number(o.high) - st.core.ledgerNext);
        this.o.metrics.lag.set({ partition: String(o.partition) }, lag);
        if (!st.revoked) this.stallWatch.observe(st.partition, st.core.ledgerNext, lag);
      }
    }
  }

  private bufferedKeys(): number {
    let keys = 0;
    for (const st of this.states.values()) keys += st.core.buffer.keys;
    return keys;
  }
}

/** `work`'s value, or 'timeout' once `ms` have passed (the work goes on; nobody waits for it any more). */
/** Each Kafka client's release at shutdown (a LeaveGroup, a disconnect) takes at most this; they run side by side. */
const RELEASE_TIMEOUT_MS = 3000;
/** What the stop bound keeps back from the shutdown flushes: releasing the clients, then main closing the pool and the lake. */
const RELEASE_RESERVE_MS = RELEASE_TIMEOUT_MS + 1000;

async function within<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
