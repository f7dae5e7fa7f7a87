import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import type { Logger } from '@hitboard/runtime';
import { decodeProductSum, TOP_N_STORED, type IntervalRegistry } from '@hitboard/schema';
import type { TopKParams } from '@hitboard/topk';
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
  /** Rows per window written to speed_table: top N by units ∪ top N by revenue. */
  rowsPerWindow?: number; // default TOP_N_STORED (1000)
  maxBytesPerPartition?: number; // default 1 MiB (kafkajs' default)
  sessionTimeoutMs?: number; // default 30 s (kafkajs' default); a crashed instance's shards wait this long

  /** Test hook: called after each applied record with the running count. */
  onRecordApplied?: (count: number) => void;
  /** Test hook: called after each shard transaction commits (before the Kafka offset commit) with the running count. */
  onShardWritten?: (count: number) => void;
}

/** A shard checkpointed further than the fetch position by more than this is sought to, not skipped through. */
const SEEK_GAP = 1000n;

/**
 * The speed layer's orchestrator: a kafkajs consumer group on `sales.product-sums`, one
 * `ShardState` per assigned partition, and a writer that every `writeIntervalMs` moves each
 * shard's changed windows and its checkpoint to Postgres in one transaction, then commits the
 * Kafka offset as a hint.
 *
 * The checkpoint is the truth for where to resume: on the first batch after a partition is
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
  private lastWriteOkMs = Date.now();
  private readonly lastWrittenOffset = new Map<number, bigint>();
  /** Shards sought back to their checkpoint offset, not yet reloaded. */
  private readonly soughtTo = new Map<number, bigint>();

  constructor(private readonly options: SpeedPipelineOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    });
    this.store = new SpeedStore(options.knex, options.topic);
    this.shardOptions = { registry: options.registry, topk: options.topk, horizonMs: options.horizonMs };
  }

  /** Partitions Kafka assigned this instance at the last rebalance. */
  assignment(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  /** Partitions this instance holds state for. */
  assignedShards(): number[] {
    return [...this.shards.keys()].sort((a, b) => a - b);
  }

  health(): { ok: boolean; shards: number[]; recordsApplied: number; lastWriteAgoMs: number; error?: string } {
    const lastWriteAgoMs = Date.now() - this.lastWriteOkMs;
    const ok = this.crashed === undefined && lastWriteAgoMs < Math.max(30_000, 10 * this.options.writeIntervalMs);
    return { ok, shards: this.assignedShards(), recordsApplied: this.applied, lastWriteAgoMs, ...(this.crashed ? { error: this.crashed.error.message } : {}) };
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
      // Revoked shards leave memory; whoever owns them now resumes from the last checkpoint. Kept
      // shards stay, but "kept" is only what this instance saw: if it was dropped from the group
      // meanwhile (missed heartbeats) another instance may have owned and advanced the shard, and
      // kafkajs restarts the fetch at the group's commit hint. onBatch reloads a state that the
      // fetch position has passed, and a write from a state the checkpoint has passed is refused.
      void this.serialised(async () => {
        for (const p of [...this.shards.keys()]) {
          if (assigned.has(p)) continue;
          this.shards.delete(p);
          this.lastWrittenOffset.delete(p);
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
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.timer = setInterval(() => void this.writeAll(), this.options.writeIntervalMs);
  }

  /** Graceful stop: no more batches, one last write + checkpoint of every shard, then leave the group. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.consumer.stop();
    await this.writeAll();
    await this.consumer.disconnect();
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
    const { partition } = batch;
    const first = batch.messages[0];
    if (first === undefined) return;
    const firstOffset = BigInt(first.offset);
    let state = this.shards.get(partition);
    if (state !== undefined && firstOffset > state.nextOffset) {
      // The fetch skipped records this state has not applied: the shard was consumed elsewhere
      // meanwhile (this instance left the group unknowingly, or a revocation is still queued), or
      // the group's offsets were moved. The state is not contiguous with the log any more; the
      // checkpoint is the truth, so reload it (and seek back if it is behind the fetch).
      this.log.warn({ shard: partition, fetchOffset: first.offset, stateOffset: state.nextOffset.toString() }, 'fetch position passed the shard state: reloading from the checkpoint');
      this.shards.delete(partition);
      state = undefined;
    }
    if (state === undefined) {
      await this.writing; // a rebalance step may be pending
      state = await this.loadShard(partition);
      const target = state.nextOffset;
      if (firstOffset > target) {
        // The fetch position is beyond the checkpoint (a commit hint ran ahead of it, or another
        // owner's checkpoint is behind our position): records in between would be lost. Seek back
        // once and reload on the next batch; if the log no longer has them (retention), say so.
        if (this.soughtTo.get(partition) !== target) {
          this.soughtTo.set(partition, target);
          this.log.warn({ shard: partition, fetchOffset: first.offset, checkpointOffset: target.toString() }, 'fetch position is ahead of the checkpoint: seeking back');
          this.consumer.seek({ topic: batch.topic, partition, offset: target.toString() });
          return;
        }
        this.log.error({ shard: partition, fetchOffset: first.offset, checkpointOffset: target.toString() }, 'records below the fetch position are gone from the log');
      } else if (target - firstOffset > SEEK_GAP) {
        this.log.info({ shard: partition, fetchOffset: first.offset, checkpointOffset: target.toString() }, 'seeking forward to the checkpoint');
        this.consumer.seek({ topic: batch.topic, partition, offset: target.toString() });
        this.shards.set(partition, state);
        return;
      }
      this.soughtTo.delete(partition);
      this.shards.set(partition, state);
    }
    const shard = String(partition);
    const m = this.options.metrics;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const offset = BigInt(message.offset);
      if (offset >= state.nextOffset) {
        let sum;
        try {
          sum = decodeProductSum(message.value ?? Buffer.alloc(0));
        } catch (err) {
          // Never block a shard on one bad record: count it, log it, move on.
          m.badRecords.inc({ shard });
          this.log.warn({ shard: partition, offset: message.offset, err }, 'skipping a record that is not a ProductSum');
          state.skip(offset);
          resolveOffset(message.offset);
          continue;
        }
        const outcome = state.apply(sum, offset, Date.now());
        if (outcome === 'apply') {
          m.recordsApplied.inc({ shard });
          this.applied += 1;
          this.options.onRecordApplied?.(this.applied);
        } else if (outcome === 'late') {
          m.lateDropped.inc({ shard, reason: 'closed-or-covered' });
        } else {
          m.duplicatesDropped.inc({ shard, reason: outcome });
        }
      }
      resolveOffset(message.offset);
    }
    m.windowsOpen.set({ shard }, state.windows.size);
    const lag = BigInt(batch.highWatermark) - state.nextOffset;
    m.lag.set({ shard }, Number(lag > 0n ? lag : 0n));
    await heartbeat();
  }

  private async loadShard(partition: number): Promise<ShardState> {
    const checkpoint = await this.store.loadCheckpoint(partition);
    if (!checkpoint) {
      this.lastWrittenOffset.delete(partition);
      this.log.info({ shard: partition }, 'no checkpoint: starting the shard empty');
      return new ShardState(this.shardOptions);
    }
    const state = ShardState.restore(this.shardOptions, checkpoint.header, checkpoint.blobs, Date.now());
    this.lastWrittenOffset.set(partition, state.nextOffset);
    this.log.info({ shard: partition, nextOffset: state.nextOffset.toString(), windows: state.windows.size }, 'shard restored from its checkpoint');
    return state;
  }

  /** Writes every shard that changed; one transaction per shard. Never throws. */
  writeAll(): Promise<void> {
    return this.serialised(async () => {
      for (const [partition, state] of [...this.shards]) {
        try {
          await this.writeShard(partition, state);
        } catch (err) {
          if (err instanceof ShardFencedError) {
            this.log.warn({ shard: partition }, 'shard checkpointed further by another instance: dropping it');
            // Only this state: onBatch may have reloaded the shard meanwhile.
            if (this.shards.get(partition) === state) this.shards.delete(partition);
          } else {
            this.log.error({ shard: partition, err }, 'speed write failed; retrying next cycle');
          }
        }
      }
    });
  }

  private async writeShard(partition: number, state: ShardState): Promise<void> {
    const open = state.openWindows();
    const covered = await this.store.coveredWindows(open);
    if (covered.length > 0) {
      const dropped = state.markCovered(covered);
      this.options.metrics.windowsCovered.inc(dropped);
      this.log.info({ shard: partition, windows: covered.map((w) => `${w.interval}@${w.windowStart.toISOString()}`) }, 'windows covered by the batch layer: dropped');
    }
    const write = state.takeWrite(this.options.rowsPerWindow ?? TOP_N_STORED);
    const unchanged =
      write.replace.length === 0 && write.deleteRows.length === 0 && write.dropBlobs.length === 0 && this.lastWrittenOffset.get(partition) === write.nextOffset;
    if (unchanged) {
      this.lastWriteOkMs = Date.now();
      return;
    }
    const end = this.options.metrics.writeSeconds.startTimer();
    try {
      const rows = await this.store.write(partition, write);
      this.options.metrics.rowsWritten.inc(rows);
    } catch (err) {
      if (!(err instanceof ShardFencedError)) state.writeFailed(write);
      throw err;
    } finally {
      end();
    }
    this.lastWrittenOffset.set(partition, write.nextOffset);
    this.lastWriteOkMs = Date.now();
    this.writes += 1;
    this.options.onShardWritten?.(this.writes);
    this.options.metrics.windowsOpen.set({ shard: String(partition) }, state.windows.size);
    try {
      await this.consumer.commitOffsets([{ topic: this.options.topic, partition, offset: write.nextOffset.toString() }]);
    } catch (err) {
      // Only a hint: the next owner seeks to the checkpoint anyway.
      this.log.debug({ shard: partition, err }, 'offset commit hint failed');
    }
  }
}
