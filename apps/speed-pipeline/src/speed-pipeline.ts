import { clock } from '@hitboard/runtime';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { NotRetriableError, StallWatch, retry, sleep, type Logger } from '@hitboard/runtime';
import { decodeProductSum, TOP_N_STORED } from '@hitboard/schema';
import { isRetriable } from '@hitboard/errors';
import type { IntervalRegistry } from '@hitboard/time';
import type { TopKParams } from '@hitboard/topk';
import type { Mover, MoverParams, UsualFromHistory } from '@hitboard/movers';
import type { SpeedMetrics } from './metrics';
import { ShardState, type ShardStateOptions } from './shard-state';
import { ShardFencedError, SpeedStore } from './speed-store';

export interface SpeedPipelineOptions {
  kafka: Kafka;
  knex: Knex;
  log: Logger;
  metrics: SpeedMetrics;
  registry: IntervalRegistry;
  topic: string;
  groupId: string;
  topk: TopKParams;
  writeIntervalMs: number; // how often every shard writes its rows + checkpoint
  horizonMs: number; // see ShardState: closes windows this long after their end (event time)
  /** How far ahead of the wall clock a record's minute may be; beyond it the record is refused ('future'). */
  maxClockSkewMs?: number; // default 15 minutes
  /** /healthz fails for a shard whose checkpoint has not moved this long while records wait. */
  stallAfterMs?: number; // default max(60 s, 20 × writeIntervalMs)
  /** Graceful stop: how long the last checkpoint may take (Postgres may be gone) before leaving anyway. */
  stopTimeoutMs?: number; // default 10 s
  /** Test hook: the clock stalls and write age are judged by (event time always uses the wall clock). */
  clock?: () => number;
  /** Rows per window written to speed_table: top N by units ∪ top N by revenue. */
  rowsPerWindow?: number; // default TOP_N_STORED (1000)
  maxBytesPerPartition?: number; // default 1 MiB (kafkajs' default)
  sessionTimeoutMs?: number; // default 30 s (kafkajs' default); a crashed instance's shards wait this long

  /** Mover tracker settings (issue 17); MoverTracker's defaults otherwise. */
  movers?: Partial<MoverParams>;
  /** Movers written per shard and direction, strongest first. */
  moversPerShard?: number; // default 100

  /** Test hook: called after each applied record with the running count. */
  onRecordApplied?: (count: number) => void;
  /** Test hook: called after each shard transaction commits (before the Kafka offset commit) with the running count. */
  onShardWritten?: (count: number) => void;
}

/** A shard checkpointed further than the fetch position by more than this is sought to, not skipped through. */
const SEEK_GAP = 1000n;
/** A stop's LeaveGroup (consumer.disconnect) takes at most this. */
const LEAVE_TIMEOUT_MS = 3000;

/**
 * The speed layer's orchestrator: a kafkajs consumer group on `sales.product-sums`, one
 * `ShardState` per assigned shard (a shard is one partition of that topic: this file says shard,
 * and partition only where it speaks kafkajs's API), and a writer that every `writeIntervalMs` moves each
 * shard's changed windows and its checkpoint to Postgres in one transaction, then commits the
 * Kafka offset as a hint.
 *
 * The checkpoint is the truth for where to resume: on the first batch after a shard is
 * assigned, and on any batch that starts beyond the shard state's offset (the shard was consumed
 * elsewhere meanwhile), the shard is loaded from it, messages below its offset are skipped (a
 * Kafka commit that lags only costs a re-read) and a fetch position beyond it is sought back
 * (nothing is lost if the commit ran ahead). Offsets are resolved per message, so a batch cut
 * short by a rebalance or a stop is re-fetched from where it stopped.
 */
export class SpeedPipeline {
  private readonly consumer: Consumer;
  private readonly store: SpeedStore;
  private readonly shards = new Map<number, ShardState>();
  private readonly shardOptions: ShardStateOptions;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private applied = 0;
  private writes = 0;
  private assigned: number[] = [];
  /** The consumer's last crash, until kafkajs restarted it and it rejoined the group. */
  private crashed: { error: Error; restart: boolean } | undefined;
  private lastWriteOkMs: number;
  private readonly now: () => number;
  private readonly lastWrittenOffset = new Map<number, bigint>();
  /** The offset each shard's last successful Kafka commit hint named (lag as Kafka tools see it). */
  private readonly committedHint = new Map<number, bigint>();
  /** Shards sought back to their checkpoint offset, not yet reloaded. */
  private readonly soughtTo = new Map<number, bigint>();
  /** Shards whose freshly loaded checkpoint was past the batch's log end, re-fetched once for a newer one. */
  private readonly refetchedForLogEnd = new Map<number, bigint>();
  /** Shards this instance refuses to consume (paused), and why: /healthz names them. */
  private readonly blocked = new Map<number, string>();
  /** The log end offset (kafkajs's `batch.highWatermark`: the offset the next record will get) seen in each shard's last batch. */
  private readonly logEnds = new Map<number, bigint>();
  /** Per shard: position = the checkpoint's offset, lag = records after it. */
  private readonly stallWatch: StallWatch<number>;
  private stopping = false;
  private batchInFlight: Promise<void> = Promise.resolve();

  constructor(private readonly options: SpeedPipelineOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    });
    this.store = new SpeedStore(options.knex, options.topic);
    this.shardOptions = { registry: options.registry, topk: options.topk, horizonMs: options.horizonMs,
      ...(options.maxClockSkewMs !== undefined ? { maxClockSkewMs: options.maxClockSkewMs } : {}),
      ...(options.movers !== undefined ? { movers: options.movers } : {}),
    };
    this.now = options.clock ?? clock.now;
    this.lastWriteOkMs = this.now();
    this.stallWatch = new StallWatch(options.stallAfterMs ?? Math.max(60_000, 20 * options.writeIntervalMs), this.now);
  }

  /** Shards Kafka assigned this instance at the last rebalance. */
  assignment(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  /** Shards this instance holds state for. */
  assignedShards(): number[] {
    return [...this.shards.keys()].sort((a, b) => a - b);
  }

  /**
   * Unhealthy when the consumer crashed (until kafkajs restarted it and it rejoined), when no
   * write succeeded for a while, when a shard is blocked (checkpoint ahead of the log, a write
   * Postgres will never take), or when a shard's checkpoint has not moved while records wait
   * (StallWatch: a stalled shard, not an idle one). `error` says which, naming the shards.
   */
  health(): {
    ok: boolean;
    shards: number[];
    recordsApplied: number;
    lastWriteAgoMs: number;
    blocked: Array<{ shard: number; reason: string }>;
    stalled: Array<{ shard: number; checkpointOffset: number; lag: number; stuckForMs: number }>;
    error?: string;
  } {
    const lastWriteAgoMs = this.now() - this.lastWriteOkMs;
    const blocked = [...this.blocked].map(([shard, reason]) => ({ shard, reason }));
    const stalled = this.stallWatch.stalled().map((s) => ({ shard: s.key, checkpointOffset: s.position, lag: s.lag, stuckForMs: s.stuckForMs }));
    const problems = [
      ...(this.crashed ? [this.crashed.error.message] : []),
      ...(lastWriteAgoMs < Math.max(30_000, 10 * this.options.writeIntervalMs) ? [] : [`no speed write succeeded for ${lastWriteAgoMs} ms`]),
      ...blocked.map((r) => `shard ${r.shard} blocked: ${r.reason}`),
      ...stalled.map((s) => `shard ${s.shard} stalled: checkpoint at ${s.checkpointOffset} with ${s.lag} records waiting, unmoved for ${s.stuckForMs} ms`),
    ];
    return {
      ok: problems.length === 0,
      shards: this.assignedShards(),
      recordsApplied: this.applied,
      lastWriteAgoMs,
      blocked,
      stalled,
      ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
    };
  }

  async start(): Promise<void> {
    const { consumer, log } = this;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = new Set(e.payload.memberAssignment[this.options.topic] ?? []);
      this.assigned = [...assigned];
      log.info({ shards: [...assigned].sort((a, b) => a - b) }, 'shards assigned');
      // kafkajs restarted the consumer after a crash and it is back in the group: healthy again.
      if (this.crashed?.restart) this.crashed = undefined;
      // A seek-back of the previous generation may never have been fetched; the first batch of this
      // one decides afresh (otherwise a fetch ahead of the checkpoint would be taken for a log gap).
      this.soughtTo.clear();
      this.refetchedForLogEnd.clear();
      // Revoked shards leave memory; whoever owns them now resumes from the last checkpoint. Kept
      // shards stay, but "kept" is only what this instance saw: if it was dropped from the group
      // meanwhile (missed heartbeats) another instance may have owned and advanced the shard, and
      // kafkajs restarts the fetch at the group's commit hint. onBatch reloads a state that the
      // fetch position has passed, and a write from a state the checkpoint has passed is refused.
      // A blocked shard is decided afresh by its next batch (the operator may have fixed it).
      if (this.blocked.size > 0) {
        const blockedShards = [...this.blocked.keys()];
        this.blocked.clear();
        for (const s of blockedShards) this.options.metrics.shardBlocked.remove({ shard: String(s) });
        this.consumer.resume([{ topic: this.options.topic, partitions: blockedShards }]);
      }
      void this.serialised(async () => {
        for (const p of [...this.shards.keys()]) {
          if (assigned.has(p)) continue;
          this.shards.delete(p);
          this.lastWrittenOffset.delete(p);
          this.committedHint.delete(p);
          this.stallWatch.forget(p);
          this.options.metrics.windowsOpen.remove({ shard: String(p) });
        }
      });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.crashed = { error: e.payload.error, restart: e.payload.restart };
      log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false, // the checkpoint is the truth; the Kafka commit is a hint made after it
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => {
        const run = this.onBatch(payload);
        this.batchInFlight = run.catch(() => undefined);
        return run;
      },
    });
    this.timer = setInterval(() => void this.writeAll(), this.options.writeIntervalMs);
  }

  /**
   * Graceful stop: no more records applied, one last write + checkpoint of every shard, and only
   * then leave the group (disconnect), so the next owner starts from this instance's last
   * checkpoint instead of re-reading what it applied (issue 7, finding 7; the aggregator's order).
   * The last write is bounded (`stopTimeoutMs`, a few attempts): with Postgres gone the instance
   * still leaves, and the next owner resumes from the previous checkpoint (records re-read, none lost).
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    try {
      this.consumer.pause([{ topic: this.options.topic }]);
    } catch (err) {
      this.log.debug({ err }, 'pause before stop failed (the consumer is not running)');
    }
    // The batch in flight and the last write share one bound: a batch retrying a Postgres that is gone
    // must not hold the stop (what it did not checkpoint is re-read by the next owner).
    const stopTimeoutMs = this.options.stopTimeoutMs ?? 10_000;
    const deadline = new AbortController();
    const finalWrite = this.batchInFlight.then(() => this.serialised(() => this.writeFinal(deadline.signal)));
    const timedOut = await Promise.race([finalWrite.then(() => false), sleep(stopTimeoutMs, deadline.signal).then(() => true)]);
    deadline.abort();
    if (timedOut) {
      this.options.metrics.finalWriteFailed.inc();
      this.log.error({ stopTimeoutMs }, 'last checkpoint not written in time: leaving anyway; the next owner resumes from the previous checkpoint');
    }
    // Bounded too: with the broker unreachable a LeaveGroup waits on kafkajs's retries; the group then
    // drops this member at its session timeout instead.
    const leaveDeadline = new AbortController();
    const left = await Promise.race([this.consumer.disconnect().then(() => true), sleep(LEAVE_TIMEOUT_MS, leaveDeadline.signal).then(() => false)]);
    leaveDeadline.abort();
    if (!left) this.log.error({ leaveTimeoutMs: LEAVE_TIMEOUT_MS }, 'could not leave the group in time (broker unreachable?): the group reassigns the shards at its session timeout');
  }

  /** Every shard's last write, each retried a few times while its error may pass; never throws. */
  private async writeFinal(signal: AbortSignal): Promise<void> {
    for (const [shard, state] of [...this.shards]) {
      try {
        await retry(() => this.writeShard(shard, state), {
          attempts: 3,
          baseDelayMs: 100,
          maxDelayMs: 1000,
          signal,
          onRetry: (err, attempt) => this.log.warn({ shard, err, attempt }, 'last checkpoint write failed; retrying'),
        });
      } catch (err) {
        if (err instanceof NotRetriableError && err.cause instanceof ShardFencedError) continue; // another owner has it
        this.options.metrics.finalWriteFailed.inc();
        this.log.error({ shard, err }, 'last checkpoint not written: the next owner resumes from the previous checkpoint');
      }
      if (signal.aborted) return;
    }
  }

  private get log(): Logger {
    return this.options.log;
  }

  /** Runs `fn` after every earlier writer/rebalance step: shard maps change only here and in onBatch. */
  private serialised(fn: () => Promise<void>): Promise<void> {
    const run = this.writing.then(fn, fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { partition: shard } = batch;
    const first = batch.messages[0];
    if (first === undefined || this.stopping || this.blocked.has(shard)) return;
    const logEnd = BigInt(batch.highWatermark);
    this.logEnds.set(shard, logEnd);
    const firstOffset = BigInt(first.offset);
    let state = this.shards.get(shard);
    if (state !== undefined && firstOffset > state.nextOffset) {
      // The fetch skipped records this state has not applied: the shard was consumed elsewhere
      // meanwhile (this instance left the group unknowingly, or a revocation is still queued), or
      // the group's offsets were moved. The state is not contiguous with the log any more; the
      // checkpoint is the truth, so reload it (and seek back if it is behind the fetch).
      this.log.warn({ shard, fetchOffset: first.offset, stateOffset: state.nextOffset.toString() }, 'fetch position passed the shard state: reloading from the checkpoint');
      this.shards.delete(shard);
      state = undefined;
    }
    const loadedNow = state === undefined;
    if (state === undefined) {
      await this.writing; // a rebalance step may be pending
      state = await this.loadShard(shard);
      const target = state.nextOffset;
      if (firstOffset > target) {
        // The fetch position is beyond the checkpoint (a commit hint ran ahead of it, or another
        // owner's checkpoint is behind our position): records in between would be lost. Seek back
        // once and reload on the next batch; if the log no longer has them (retention), say so.
        if (this.soughtTo.get(shard) !== target) {
          this.soughtTo.set(shard, target);
          this.log.warn({ shard, fetchOffset: first.offset, checkpointOffset: target.toString() }, 'fetch position is ahead of the checkpoint: seeking back');
          this.consumer.seek({ topic: batch.topic, partition: shard, offset: target.toString() });
          return;
        }
        this.log.error({ shard, fetchOffset: first.offset, checkpointOffset: target.toString() }, 'records below the fetch position are gone from the log');
      } else if (target - firstOffset > SEEK_GAP) {
        this.log.info({ shard, fetchOffset: first.offset, checkpointOffset: target.toString() }, 'seeking forward to the checkpoint');
        this.consumer.seek({ topic: batch.topic, partition: shard, offset: target.toString() });
        this.shards.set(shard, state);
        return;
      }
      this.soughtTo.delete(shard);
      this.shards.set(shard, state);
    }
    if (state.nextOffset > logEnd) {
      // This batch's log end was read before the checkpoint: the previous owner may have checkpointed
      // records appended since (its last write, in a rebalance). Fetch once more for a newer log end.
      if (loadedNow && this.refetchedForLogEnd.get(shard) !== state.nextOffset) {
        this.refetchedForLogEnd.set(shard, state.nextOffset);
        this.shards.delete(shard);
        this.consumer.seek({ topic: batch.topic, partition: shard, offset: first.offset });
        return;
      }
      this.refuseCheckpointAheadOfLog(shard, state.nextOffset, logEnd);
      return;
    }
    this.refetchedForLogEnd.delete(shard);
    const label = String(shard);
    const m = this.options.metrics;
    const refusedHere = { future: 0, overflow: 0 };
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const offset = BigInt(message.offset);
      if (offset >= state.nextOffset) {
        let sum;
        try {
          sum = decodeProductSum(message.value ?? Buffer.alloc(0));
        } catch (err) {
          // Never block a shard on one bad record: count it, log it, move on.
          m.badRecords.inc({ shard: label });
          this.log.warn({ shard, offset: message.offset, err }, 'skipping a record that is not a ProductSum');
          state.skip(offset);
          resolveOffset(message.offset);
          continue;
        }
        const outcome = state.apply(sum, offset, clock.now());
        if (outcome === 'apply') {
          m.recordsApplied.inc({ shard: label });
          this.applied += 1;
          this.options.onRecordApplied?.(this.applied);
        } else if (outcome === 'late') {
          m.lateDropped.inc({ shard: label, reason: 'closed-or-covered' });
        } else if (outcome === 'future' || outcome === 'overflow') {
          // Skipped, consistently (a replay decides the same), and counted: never half-applied.
          m.recordsRefused.inc({ shard: label, reason: outcome });
          refusedHere[outcome] += 1;
          if (outcome === 'overflow') this.log.error({ shard, offset: message.offset, productId: sum.productId, units: sum.units, revenueCents: sum.revenueCents }, 'record skipped: a window total would pass 2^53');
        } else {
          m.duplicatesDropped.inc({ shard: label, reason: outcome });
        }
      }
      resolveOffset(message.offset);
    }
    if (refusedHere.future > 0) this.log.warn({ shard, records: refusedHere.future }, 'records skipped: event time beyond the wall clock + allowed skew (a producer clock is wrong)');
    m.windowsOpen.set({ shard: label }, state.windows.size);
    const lag = logEnd - state.nextOffset;
    m.lag.set({ shard: label }, Number(lag > 0n ? lag : 0n));
    this.reportToStallWatch(shard);
    await heartbeat();
  }

  /** Reports the shard's checkpoint position and the records after it to the stall watch. */
  private reportToStallWatch(shard: number): void {
    const checkpoint = this.lastWrittenOffset.get(shard) ?? 0n;
    const end = this.logEnds.get(shard);
    if (end === undefined) return;
    this.stallWatch.observe(shard, Number(checkpoint), Number(end > checkpoint ? end - checkpoint : 0n));
  }

  /**
   * The checkpoint says this shard consumed further than its partition holds: the topic was
   * recreated or truncated while Postgres kept its checkpoints. Consuming would skip every record
   * below the checkpoint offset without a word, so the shard is blocked (paused) until an operator
   * decides (apps/speed-pipeline/README.md, "A checkpoint ahead of the log").
   */
  private refuseCheckpointAheadOfLog(shard: number, checkpointOffset: bigint, logEnd: bigint): void {
    const reason = `checkpoint offset ${checkpointOffset} is beyond the end of the partition (${logEnd}): topic recreated or truncated?`;
    this.blockShard(shard, reason, 'checkpoint-ahead-of-log');
  }

  private blockShard(shard: number, reason: string, kind: string): void {
    if (!this.blocked.has(shard)) {
      this.log.error({ shard, topic: this.options.topic, reason }, 'refusing to consume this shard until an operator acts; see the README');
    }
    this.blocked.set(shard, reason);
    this.options.metrics.shardBlocked.set({ shard: String(shard), reason: kind }, 1);
    this.shards.delete(shard);
    this.stallWatch.forget(shard);
    this.consumer.pause([{ topic: this.options.topic, partitions: [shard] }]);
  }

  private async loadShard(shard: number): Promise<ShardState> {
    const checkpoint = await this.store.loadCheckpoint(shard);
    this.committedHint.delete(shard); // unknown: the group's commit may lag the checkpoint
    if (!checkpoint) {
      this.lastWrittenOffset.delete(shard);
      this.log.info({ shard }, 'no checkpoint: starting the shard empty');
      return new ShardState(this.shardOptions);
    }
    const state = ShardState.restore(this.shardOptions, checkpoint.header, checkpoint.blobs, clock.now(), checkpoint.moverStates);
    this.stallWatch.forget(shard);
    this.lastWrittenOffset.set(shard, state.nextOffset);
    this.log.info({ shard, nextOffset: state.nextOffset.toString(), windows: state.windows.size }, 'shard restored from its checkpoint');
    return state;
  }

  /** Writes every shard that changed; one transaction per shard. Never throws. */
  writeAll(): Promise<void> {
    return this.serialised(async () => {
      // An instance with no shard (more instances than partitions) has nothing to write: not a failure.
      if (this.shards.size === 0) this.lastWriteOkMs = this.now();
      for (const [shard, state] of [...this.shards]) {
        try {
          await this.writeShard(shard, state);
        } catch (err) {
          if (err instanceof ShardFencedError) {
            this.log.warn({ shard }, 'shard checkpointed further by another instance: dropping it');
            // Only this state: onBatch may have reloaded the shard meanwhile.
            if (this.shards.get(shard) === state) this.shards.delete(shard);
          } else if (!isRetriable(err)) {
            // The same write will fail the same way: stop, say why, and let /healthz name the shard.
            this.options.metrics.writeErrors.inc({ shard: String(shard), retriable: 'false' });
            if (this.shards.get(shard) === state) this.blockShard(shard, `speed write refused: ${(err as Error).message}`, 'write-refused');
          } else {
            this.options.metrics.writeErrors.inc({ shard: String(shard), retriable: 'true' });
            this.log.error({ shard, err }, 'speed write failed; retrying next cycle');
          }
        }
        this.reportToStallWatch(shard);
      }
    });
  }

  /**
   * The same-hour-of-the-week history (the 4 weeks before, from the batch layer) of the shard's
   * mover candidates now; one lookup per write, a flood of candidates (a backlog) beyond 5000 is
   * scored on the recent rate alone.
   */
  private async moverHistory(shard: number, state: ShardState): Promise<ReadonlyMap<string, UsualFromHistory>> {
    const now = state.movers.newestMinuteMs;
    const candidates = state.movers.candidates();
    if (now === null || candidates.length === 0) return new Map();
    const WEEK_MS = 7 * 24 * 3_600_000;
    const hours = [1, 2, 3, 4].map((k) => this.options.registry.windowAt('hour', now - k * WEEK_MS).start);
    return this.store.usualFromHistory(shard, candidates.slice(0, 5000), hours);
  }

  /**
   * The shard's movers now, strongest `moversPerShard` per direction. Synchronous, and called right
   * before takeWrite: records applied while the history was read are scored too, so the movers
   * written are those of the offset checkpointed with them.
   */
  private scoreMovers(shard: number, state: ShardState, history: ReadonlyMap<string, UsualFromHistory>): Mover[] {
    const scored = state.movers.score(state.movers.candidates(), history);
    const limit = this.options.moversPerShard ?? 100;
    const movers = [...scored.filter((m) => m.direction === 'up').slice(0, limit), ...scored.filter((m) => m.direction === 'down').slice(0, limit)];
    this.options.metrics.moversFound.set({ shard: String(shard), direction: 'up' }, scored.filter((m) => m.direction === 'up').length);
    this.options.metrics.moversFound.set({ shard: String(shard), direction: 'down' }, scored.filter((m) => m.direction === 'down').length);
    this.options.metrics.moverProducts.set({ shard: String(shard) }, state.movers.size);
    return movers;
  }

  private async writeShard(shard: number, state: ShardState): Promise<void> {
    const open = state.openWindows();
    const covered = await this.store.coveredWindows(shard, open);
    if (covered.length > 0) {
      const dropped = state.markCovered(covered);
      this.options.metrics.windowsCovered.inc(dropped);
      this.log.info({ shard, windows: covered.map((w) => `${w.interval}@${w.windowStart.toISOString()}`) }, 'windows covered by the batch layer: dropped');
    }
    const history = await this.moverHistory(shard, state);
    // No await between scoring and taking the write (see scoreMovers).
    const write = state.takeWrite(this.options.rowsPerWindow ?? TOP_N_STORED, this.scoreMovers(shard, state, history));
    const moversChanged = write.moverChanges.changed.length > 0 || write.moverChanges.evicted.length > 0;
    const unchanged =
      write.replace.length === 0 &&
      write.deleteRows.length === 0 &&
      write.dropBlobs.length === 0 &&
      !moversChanged &&
      this.lastWrittenOffset.get(shard) === write.nextOffset;
    if (unchanged) {
      this.lastWriteOkMs = this.now();
      // A hint that failed (the group coordinator moved with a killed broker) is sent again even when
      // nothing changed: otherwise an idle shard shows lag in every Kafka tool until its next record.
      if (this.committedHint.get(shard) !== write.nextOffset) await this.commitHint(shard, write.nextOffset);
      return;
    }
    const end = this.options.metrics.writeSeconds.startTimer();
    try {
      const result = await this.store.write(shard, write);
      this.options.metrics.rowsWritten.inc(result.inserted);
      if (result.coveredInTx.length > 0) {
        // Covered between the check above and the transaction: no rows went back; drop them from memory too.
        this.options.metrics.windowsCovered.inc(state.markCovered(result.coveredInTx));
        this.log.info({ shard, windows: result.coveredInTx.map((w) => `${w.interval}@${w.windowStart.toISOString()}`) }, 'windows covered by the batch layer during the write: no rows written');
      }
      for (const r of result.skippedRows) {
        this.options.metrics.rowsSkipped.inc({ shard: String(shard), reason: r.reason });
        this.log.error({ shard, interval: r.interval, windowStart: r.windowStart, channel: r.channel, productId: r.productId, reason: r.reason }, 'speed_table row skipped: Postgres cannot store it');
      }
    } catch (err) {
      if (!(err instanceof ShardFencedError)) state.writeFailed(write);
      throw err;
    } finally {
      end();
    }
    this.lastWrittenOffset.set(shard, write.nextOffset);
    this.lastWriteOkMs = this.now();
    this.writes += 1;
    this.options.onShardWritten?.(this.writes);
    this.options.metrics.windowsOpen.set({ shard: String(shard) }, state.windows.size);
    await this.commitHint(shard, write.nextOffset);
  }

  /** Commits the checkpoint's offset to Kafka: only a hint (the next owner seeks to the checkpoint anyway). */
  private async commitHint(shard: number, offset: bigint): Promise<void> {
    try {
      await this.consumer.commitOffsets([{ topic: this.options.topic, partition: shard, offset: offset.toString() }]);
      this.committedHint.set(shard, offset);
    } catch (err) {
      this.log.debug({ shard, err }, 'offset commit hint failed; sent again at the next write');
    }
  }
}
