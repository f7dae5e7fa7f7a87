import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { Logger } from '@hitboard/runtime';
import { clock, StallWatch, retry, type Health } from '@hitboard/runtime';
import { createProducer, dlqTopicSpec, ensureTopics } from '@hitboard/kafka';
import type { RawFileWriter } from '@hitboard/lake';
import { memorySharesOf, type AggregatorConfig } from './config';
import type { FlushStep } from './core/flush-types';
import { BufferBudget, DEFAULT_MEMORY_BUDGET_MIB, MIB, splitMemoryBudget, type MemoryShares } from './core/memory-budget';
import type { FlushContext } from './flush/partition-flusher';
import { RetryingSteps } from './flush/retrying-steps';
import { Ledger } from './ledger';
import type { AggregatorMetrics } from './metrics';
import { Partition, type PartitionDeps } from './partition';
import { Recovery } from './recovery';

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

/** The consumer's fetch settings: sizes from the fetch share of the memory budget (src/core/memory-budget.ts). */
export function aggregatorFetch(shares: MemoryShares): { maxBytesPerPartition: number; maxBytes: number; maxWaitTimeInMs: number } {
  return { maxBytesPerPartition: shares.fetchMaxBytesPerPartition, maxBytes: shares.fetchMaxBytes, maxWaitTimeInMs: 250 };
}

/** The fetch settings of the default budget (bench/aggregator-throughput.ts gives its bare baseline the same). */
export const AGGREGATOR_FETCH = aggregatorFetch(splitMemoryBudget(DEFAULT_MEMORY_BUDGET_MIB * MIB));

/**
 * Batches of different partitions handled side by side. kafkajs fetches again only once every batch
 * of the last fetch is handled, so with 1 a partition's flush stalls the others; 6 was tried (safe:
 * each partition keeps its lock and batch order) and measured no faster — the work is CPU-bound on
 * one thread (JSON.parse, GC, kafkajs decoding; flush waits are ~6 % idle) — so it stays 1.
 */
export const PARTITIONS_CONSUMED_CONCURRENTLY = 1;

const TICK_MAX_MS = 1000;
const LAG_POLL_MS = 2000;

/**
 * The shell: a kafkajs consumer group member that pre-sums sale events per (minute, product) for each
 * partition it owns and flushes them exactly once to the lake, the ledger and the product-sums topic.
 * It keeps the group membership (assignment, rebalance, shutdown), health and the tick; a batch goes
 * to its `Partition` (src/partition.ts) and does not come back until it is done. See README.md for
 * the flush protocol and its recovery (src/recovery.ts).
 */
export class Aggregator {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly ledger: Ledger;
  private readonly partitions = new Map<number, Partition>();
  /** Aborted when a shutdown gives up waiting: retries stop, batches stop waiting (the ledger keeps what did not commit). */
  private readonly shutdown = new AbortController();
  private readonly steps: RetryingSteps;
  private readonly partitionDeps: PartitionDeps;
  private timer: NodeJS.Timeout | null = null;
  private lastLagPollMs = 0;
  private stopping = false;
  private running = false;
  /** The consumer crashed and kafkajs will not restart it. */
  private crashed: string | null = null;
  private readonly stallWatch: StallWatch;

  constructor(private readonly o: AggregatorOptions) {
    const c = o.config;
    const shares = memorySharesOf(c);
    this.consumer = o.kafka.consumer({
      groupId: c.KAFKA_GROUP_ID,
      sessionTimeout: c.KAFKA_SESSION_TIMEOUT_MS,
      rebalanceTimeout: 60_000,
      heartbeatInterval: Math.max(500, Math.floor(c.KAFKA_SESSION_TIMEOUT_MS / 10)),
      ...aggregatorFetch(shares),
      allowAutoTopicCreation: false,
    });
    this.producer = createProducer(o.kafka, { allowAutoTopicCreation: false });
    this.admin = o.kafka.admin();
    this.ledger = new Ledger(o.knex, c.TOPIC_EVENTS);
    this.stallWatch = new StallWatch(c.HEALTH_STALL_AFTER_MS);
    this.steps = new RetryingSteps(o.metrics, o.log, this.shutdown.signal);
    const recovery = new Recovery({ config: c, consumer: this.consumer, admin: this.admin, ledger: this.ledger, writer: o.writer, steps: this.steps, metrics: o.metrics, log: o.log });
    let flushOrdinal = 0;
    const flushContext: FlushContext = {
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
    this.partitionDeps = { config: c, budget: new BufferBudget(shares.buffersBytes), flushContext, recovery, metrics: o.metrics, log: o.log, shutdown: this.shutdown.signal };
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
    const partitions = [...this.partitions.values()];
    const flushed = await within(Promise.all(partitions.map((p) => p.flushAtShutdown())), flushBudgetMs);
    // Whatever still runs stops retrying, and batches stop waiting for it.
    this.shutdown.abort();
    const unflushed = flushed === 'timeout' ? partitions.map((p) => p.partition) : partitions.filter((_, i) => !flushed[i]).map((p) => p.partition);
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
    const blocked = [...this.partitions.values()].filter((p) => p.blocked !== null && !p.revoked).map((p) => ({ partition: p.partition, ...p.blocked }));
    const stalled = this.stallWatch.stalled().map((p) => ({ partition: p.key, nextOffset: p.position, lag: p.lag, stuckForMs: p.stuckForMs }));
    return {
      ok: this.running && !this.stopping && this.crashed === null && blocked.length === 0 && stalled.length === 0,
      partitions: [...this.partitions.keys()].sort((a, b) => a - b),
      postgres: dbDown ? 'retrying' : 'ok',
      bufferedKeys: this.bufferedKeys(),
      ...(this.crashed !== null ? { consumerCrashed: this.crashed } : {}),
      ...(blocked.length > 0 ? { blocked } : {}),
      ...(stalled.length > 0 ? { stalled } : {}),
    };
  }

  // ── assignment ─────────────────────────────────────────────────────────────────────────────

  private onAssignment(assignedPartitions: number[]): void {
    const assigned = new Set(assignedPartitions);
    this.o.log.info({ partitions: assignedPartitions }, 'partitions assigned');
    for (const p of this.partitions.values()) {
      if (assigned.has(p.partition)) continue;
      this.stallWatch.forget(p.partition);
      void p.revoke().finally(() => {
        if (this.partitions.get(p.partition) === p) this.partitions.delete(p.partition);
      });
    }
    for (const partition of assignedPartitions) {
      const existing = this.partitions.get(partition);
      if (existing && !existing.revoked) {
        this.o.metrics.rejoins.inc();
        existing.keep();
      } else {
        this.track(partition).start();
      }
    }
  }

  /** Kafka is about to take partitions away: flush everything now, while we surely still own it. */
  private onRebalancing(): void {
    for (const p of this.partitions.values()) p.flushBeforeRebalance();
  }

  /** A new partition, not ready until its reset has run. */
  private track(partition: number): Partition {
    const p = new Partition(partition, this.partitionDeps);
    this.partitions.set(partition, p);
    return p;
  }

  // ── consuming ──────────────────────────────────────────────────────────────────────────────

  /** A batch for a partition the GROUP_JOIN event has not told us about yet starts it (its plan is a reset). */
  private eachBatch(payload: EachBatchPayload): Promise<void> {
    const p = this.partitions.get(payload.batch.partition);
    return (p && !p.revoked ? p : this.track(payload.batch.partition)).onBatch(payload);
  }

  // ── timers ─────────────────────────────────────────────────────────────────────────────────

  private async tick(): Promise<void> {
    if (this.stopping) return;
    const nowMs = clock.now();
    for (const p of this.partitions.values()) await p.onTick(nowMs);
    this.o.metrics.bufferedKeys.set(this.bufferedKeys());
    this.o.metrics.bufferedBytes.set(this.partitionDeps.budget.heldBytes());
    let ids = 0;
    for (const p of this.partitions.values()) ids += p.core.dedupe.size;
    this.o.metrics.dedupeIds.set(ids);
    if (nowMs - this.lastLagPollMs >= LAG_POLL_MS) {
      this.lastLagPollMs = nowMs;
      const offsets = await this.admin.fetchTopicOffsets(this.o.config.TOPIC_EVENTS).catch(() => null);
      for (const o of offsets ?? []) {
        const p = this.partitions.get(o.partition);
        if (!p || !p.ready) continue;
        p.core.logEnd = Math.max(p.core.logEnd, Number(o.high));
        const lag = Math.max(0, Number(o.high) - p.core.ledgerNext);
        this.o.metrics.lag.set({ partition: String(o.partition) }, lag);
        if (!p.revoked) this.stallWatch.observe(p.partition, p.core.ledgerNext, lag);
      }
    }
  }

  private bufferedKeys(): number {
    let keys = 0;
    for (const p of this.partitions.values()) keys += p.core.buffer.keys;
    return keys;
  }
}

/** Each Kafka client's release at shutdown (a LeaveGroup, a disconnect) takes at most this; they run side by side. */
const RELEASE_TIMEOUT_MS = 3000;
/** What the stop bound keeps back from the shutdown flushes: releasing the clients, then main closing the pool and the lake. */
const RELEASE_RESERVE_MS = RELEASE_TIMEOUT_MS + 1000;

/** `work`'s value, or 'timeout' once `ms` have passed (the work goes on; nobody waits for it any more). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
