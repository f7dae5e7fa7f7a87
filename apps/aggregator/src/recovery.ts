import type { Admin, Consumer } from 'kafkajs';
import type { Logger } from '@hitboard/runtime';
import { clock, NotRetriableError } from '@hitboard/runtime';
import type { RawFileWriter } from '@hitboard/lake';
import type { AggregatorConfig } from './config';
import { AggregatorError } from './core/errors';
import type { RetryingSteps } from './flush/retrying-steps';
import type { Ledger } from './ledger';
import type { AggregatorMetrics } from './metrics';
import type { Partition } from './partition';

/** The duplicate window's warm-up starts this much before the window (arrival times are producer clocks). */
const DEDUPE_WARM_SLACK_MS = 60_000;

export interface RecoveryOptions {
  config: AggregatorConfig;
  consumer: Consumer;
  admin: Admin;
  ledger: Ledger;
  writer: RawFileWriter;
  steps: RetryingSteps;
  metrics: AggregatorMetrics;
  log: Logger;
}

/**
 * Where a partition (re)starts and how it stops: the reset from the ledger, the consumer's seeks and
 * pauses, and the log ends it checks the ledger against. Shared by every partition of the process.
 */
export class Recovery {
  constructor(private readonly o: RecoveryOptions) {}

  /**
   * (Re)starts a partition from the ledger: drop anything in memory, load next_offset, any
   * intended flush and the stored watermark, remove orphan temporary files, and seek back to the
   * first offset that arrived within `DEDUPE_WINDOW_MS` (+ a minute) before the ledger's last change,
   * so the duplicate window is rebuilt as it was (those offsets are read for their ids only, never
   * counted). A ledger ahead of the log blocks the partition. Must run under the partition's lock.
   */
  async reset(p: Partition, heartbeat?: () => Promise<void>): Promise<void> {
    const { config: c, steps, metrics, log } = this.o;
    const { partition, core } = p;
    // A flush still in flight finishes first (its commit, if any, is then in the ledger this reads).
    const last = await p.flusher.settle();
    if (last.verdict === 'failed') log.warn({ err: last.error, partition }, 'the in-flight flush failed; resetting from the ledger');
    p.ready = false;
    core.clear();
    const { low, high: endBefore } = await steps.run('kafka-offsets', () => this.logEnds(partition), heartbeat);
    const ledger = await steps.run('ledger-open', () => this.o.ledger.open(partition, low), heartbeat);
    // That log end is older than the ledger: the previous owner may have committed offsets appended
    // since (its revocation flush, in a rebalance). Only a log end read after the ledger proves it ahead.
    const high = ledger.nextOffset > endBefore ? (await steps.run('kafka-offsets', () => this.logEnds(partition), heartbeat)).high : endBefore;
    if (ledger.nextOffset > high) {
      // The topic was recreated or truncated while Postgres kept its ledger: consuming would skip
      // [high, next_offset) of the new log without a word. Stop here; an operator decides (README).
      p.blocked = { reason: 'ledger-ahead-of-log', detail: `ledger next_offset ${ledger.nextOffset} > log end ${high}` };
      metrics.ledgerAheadOfLog.set({ partition: String(partition) }, ledger.nextOffset - high);
      log.error(
        { partition, nextOffset: ledger.nextOffset, logEnd: high, topic: c.TOPIC_EVENTS },
        'the ledger is ahead of the log (topic recreated or truncated?): refusing to consume this partition; see apps/aggregator/README.md',
      );
      this.pause(partition);
      return;
    }
    if (p.blocked?.reason === 'ledger-ahead-of-log') {
      metrics.ledgerAheadOfLog.set({ partition: String(partition) }, 0);
      p.blocked = null;
    }
    if (ledger.skippedLost > 0) log.error({ partition, lost: ledger.skippedLost, low }, 'offsets were deleted by retention before they were ingested');
    const warmFromMs = ledger.updatedAtMs - c.DEDUPE_WINDOW_MS - DEDUPE_WARM_SLACK_MS;
    const warmFrom = await steps.run('kafka-offsets', () => this.offsetAt(partition, warmFromMs), heartbeat);
    // The watermark is rebuilt like the buffer: from what the ledger committed, never from the
    // event times of a dropped buffer (a conflict's flush may have computed a value covering them).
    core.restore(ledger, Math.max(low, warmFrom), clock.now());
    const removed = await this.o.writer.removeOrphanTmpFiles(partition);
    if (removed.length > 0) log.info({ partition, removed }, 'removed orphan temporary files');
    this.seek(partition, core.expectNext);
    p.ready = true;
    log.info(
      { partition, nextOffset: core.ledgerNext, warmFrom: core.expectNext, intended: core.intended },
      core.intended ? 'partition ready: replaying the intended flush first' : 'partition ready',
    );
  }

  /**
   * A step failed with an error that will fail the same way every time: stop consuming the partition
   * (paused, nothing skipped: the ledger still holds the range) and say so on /healthz, instead of
   * letting kafkajs restart into the same error forever. Returns false for any other error.
   */
  blockOnNotRetriable(p: Partition, err: unknown): boolean {
    if (!(err instanceof NotRetriableError || (err instanceof AggregatorError && !err.retriable))) return false;
    p.blocked = { reason: 'not-retriable', detail: (err as Error).message };
    this.o.log.error({ err, partition: p.partition }, 'partition stopped: a step failed with an error that cannot pass');
    this.pause(p.partition);
    return true;
  }

  /**
   * kafkajs's seek throws once the consumer is stopped (a shutdown flush that lost the CAS resets the
   * partition); there is nothing to seek then: the next owner starts from the ledger.
   */
  seek(partition: number, offset: number): void {
    try {
      this.o.consumer.seek({ topic: this.o.config.TOPIC_EVENTS, partition, offset: String(offset) });
    } catch (err) {
      this.o.log.warn({ err, partition, offset }, 'seek failed (consumer stopped?)');
    }
  }

  pause(partition: number): void {
    try {
      this.o.consumer.pause([{ topic: this.o.config.TOPIC_EVENTS, partitions: [partition] }]);
    } catch (err) {
      this.o.log.warn({ err, partition }, 'could not pause the partition');
    }
  }

  private async logEnds(partition: number): Promise<{ low: number; high: number }> {
    const offsets = await this.o.admin.fetchTopicOffsets(this.o.config.TOPIC_EVENTS);
    const entry = offsets.find((o) => o.partition === partition);
    return entry ? { low: Number(entry.low), high: Number(entry.high) } : { low: 0, high: 0 };
  }

  /** The first offset of the partition whose Kafka timestamp is at or after `timestampMs` (the log end if none). */
  private async offsetAt(partition: number, timestampMs: number): Promise<number> {
    const offsets = await this.o.admin.fetchTopicOffsetsByTimestamp(this.o.config.TOPIC_EVENTS, Math.max(0, timestampMs));
    const entry = offsets.find((o) => o.partition === partition);
    const offset = entry ? Number(entry.offset) : -1;
    return offset >= 0 ? offset : Number.MAX_SAFE_INTEGER;
  }
}
