import type { KafkaMessage, Message } from 'kafkajs';
import {
  flushIdOf,
  minuteStartMs,
  revenueCentsOf,
  validateSaleEvent,
  type Validation,
  type ValidatorOptions,
} from '@hitboard/schema';
import { dlqMessage, refusedMessage } from './dlq-records';
import { AggregatorError } from './errors';
import type { IntendedFlush } from './flush-types';
import type { BudgetMember, BufferBudget } from './memory-budget';
import { PartitionBuffer, type Cell, type Refused } from './partition-buffer';
import { RecentFingerprints } from './recent-fingerprints';
import { Watermark } from './watermark';

// The hot path's library functions, bound once: under tsx (how the app runs) every `import { f }`
// use is a getter call through the package's re-exports, ~0.25 µs per event for these three.
const validateEvent = validateSaleEvent;
const minuteOf = minuteStartMs;
const revenueOf = revenueCentsOf;

export interface PartitionCoreOptions {
  partition: number;
  sourceTopic: string;
  validator: ValidatorOptions;
  dlqMaxValueBytes: number;
  dedupeWindowMs: number;
  dedupeMaxIds: number;
  allowedLatenessMs: number;
  idleTimeoutMs: number;
  watermarkMaxFutureMs: number;
  flushIntervalMs: number;
  /** Cells one partition's buffer holds at most: the budget's `flushMaxCells`, or `FLUSH_MAX_KEYS` (deprecated) when lower. */
  flushMaxKeys: number;
  /** The process's buffers' share of the memory budget, shared by every partition's core. */
  budget: BufferBudget;
  /** Refused messages' bytes a buffer holds before it must flush (the memory bound for poison streams). */
  refusedMaxBytes: number;
}

/** What the ledger says about the partition when it (re)starts. */
export interface LedgerStart {
  nextOffset: number;
  intended: IntendedFlush | null;
  watermarkMs: number | null;
}

/**
 * What became of one message: already handled (`skipped`), read only to rebuild the duplicate window
 * (`warmed`), counted (`counted`), or not counted because its cell would pass 2^53 cents
 * (`overflow`: flush, then `countAfterOverflowFlush`).
 */
export type Offered = 'skipped' | 'warmed' | 'counted' | 'overflow';

/** Everything one flush writes: the range, its cells, its DLQ records, the watermark stored with it. */
export interface FlushPlan {
  flushId: string;
  firstOffset: number;
  lastOffset: number;
  /** Unsorted: the Parquet COPY orders rows by (minute, product, channel) itself, so a replay still writes the same rows. */
  cells: Cell[];
  refused: readonly Refused[];
  dlq: Message[];
  watermarkMs: number | null;
  events: number;
  duplicates: number;
  /** The buffer this plan was taken from: a flight drops its Maps (`dropIndex`) and is counted as in flight until it settles. */
  buffer: PartitionBuffer;
  /** The core's generation when planned: a plan of an older generation (a reset came between) is stale. */
  generation: number;
}

/**
 * The pure per-partition core: validate → dedupe → pre-sum → decide when to flush, and the flush's
 * cells and DLQ records. No I/O and no clock of its own (every call is given `nowMs`): the shell in
 * aggregator.ts reads Kafka, runs the flush protocol and tells the core what the ledger said.
 */
export class PartitionCore implements BudgetMember {
  /** The ledger's next offset: offsets below it are in the lake already (re-read only to warm the dedupe window). */
  ledgerNext = 0;
  /** The next offset this core expects; anything below it was processed already. */
  expectNext = 0;
  /** True once a batch was accepted after the last seek (a second gap is then a real gap in the log): see `planBatch`. */
  seekConfirmed = false;
  /** The log end (Kafka's high watermark) last seen: an idle partition's watermark moves on only once it is read up to it. */
  logEnd = 0;
  /** A flush the ledger held as intended when the partition (re)started: the next flush must be exactly this range. */
  intended: IntendedFlush | null = null;
  /**
   * The flush running in the background (its buffer is no longer `buffer`): at most one. Consumption
   * goes on into a fresh buffer meanwhile; the next plan starts at `nextFirstOffset`, after its range.
   */
  inFlight: FlushPlan | null = null;
  /** The first offset of the next plan: the ledger's next offset, or just after the in-flight range. */
  nextFirstOffset = 0;
  /** Bumped by every reset (`clear`, `restore`): a flush planned before it is stale and its result is ignored. */
  generation = 0;
  buffer = new PartitionBuffer();
  readonly dedupe: RecentFingerprints;
  readonly watermark: Watermark;
  /** The watermark last stored in the ledger. */
  storedWatermarkMs: number | null = null;

  constructor(
    private readonly o: PartitionCoreOptions,
    nowMs: number,
  ) {
    this.dedupe = new RecentFingerprints(o.dedupeWindowMs, o.dedupeMaxIds);
    this.watermark = new Watermark(o.allowedLatenessMs, o.idleTimeoutMs, nowMs, o.watermarkMaxFutureMs);
    o.budget.join(this);
  }

  get partition(): number {
    return this.o.partition;
  }

  /** Estimated bytes of the buffer being filled (for the memory budget). */
  get bufferBytes(): number {
    return this.buffer.bytes;
  }

  /** Estimated bytes of the flush in flight (its cells, records and columns), held until it commits or a reset drops it. */
  get inFlightBytes(): number {
    return this.inFlight === null ? 0 : this.inFlight.buffer.inFlightBytes;
  }

  /** The partition was revoked: its bytes no longer count against the budget. */
  leaveBudget(): void {
    this.o.budget.leave(this);
  }

  /** The memory budget asks this partition to flush its buffer (the tick asks; nothing intended is pending). */
  get overBudget(): boolean {
    return this.intended === null && !this.buffer.isEmpty && this.o.budget.mustFlush(this);
  }

  /** Drops everything held in memory (a reset starts over from the ledger). */
  clear(): void {
    this.generation++;
    this.inFlight = null;
    this.buffer = new PartitionBuffer();
    this.dedupe.clear();
  }

  /**
   * Starts over from the ledger: consume from `expectNext` (at or below `ledger.nextOffset`, to
   * rebuild the duplicate window first). The watermark is rebuilt like the buffer: from what the
   * ledger committed, never from the event times of a dropped buffer.
   */
  restore(ledger: LedgerStart, expectNext: number, nowMs: number): void {
    this.clear();
    this.ledgerNext = ledger.nextOffset;
    this.nextFirstOffset = ledger.nextOffset;
    this.intended = ledger.intended;
    this.watermark.restore(ledger.watermarkMs, nowMs);
    this.storedWatermarkMs = ledger.watermarkMs;
    this.expectNext = Math.min(ledger.nextOffset, expectNext);
    this.seekConfirmed = false;
  }

  /** True when the intended range ended before `offset` (the log no longer shows its last offset): close it there first. */
  mustCloseIntendedBefore(offset: number): boolean {
    return this.intended !== null && offset > this.intended.lastOffset;
  }

  /** One message. `offset` is `Number(message.offset)`; "the future" is judged against `messageTimeMs` so a replay decides the same. */
  offer(message: KafkaMessage, offset: number, messageTimeMs: number, nowMs: number): Offered {
    if (offset < this.expectNext) return 'skipped';
    this.expectNext = offset + 1;
    if (offset < this.ledgerNext) {
      const v = this.validate(message.value, messageTimeMs);
      if (v.ok) this.dedupe.seen(v.event.event_id, messageTimeMs);
      return 'warmed';
    }
    const v = this.validate(message.value, messageTimeMs);
    if (v.ok) {
      const e = v.event;
      if (this.dedupe.seen(e.event_id, messageTimeMs)) {
        this.buffer.duplicates++;
      } else {
        if (!this.buffer.add(minuteOf(v.occurredAtMs), e.product_id, e.channel, e.quantity, revenueOf(e))) return 'overflow';
        this.watermark.observe(v.occurredAtMs, nowMs);
      }
    } else {
      this.buffer.refuse(refusedMessage(message, offset, v.rejection, this.o.dlqMaxValueBytes));
      this.watermark.touch(nowMs);
    }
    this.buffer.consumed(offset, nowMs);
    return 'counted';
  }

  /** Counts a valid, distinct event `offer` could not add, into the buffer a flush just emptied. */
  countAfterOverflowFlush(message: KafkaMessage, offset: number, messageTimeMs: number, nowMs: number): void {
    const v = this.validate(message.value, messageTimeMs);
    if (!v.ok || !this.buffer.add(minuteOf(v.occurredAtMs), v.event.product_id, v.event.channel, v.event.quantity, revenueOf(v.event))) {
      throw new AggregatorError(`event at offset ${offset} does not fit an empty buffer`, this.o.partition, { retriable: false }); // unreachable: one event ≤ 10^12 cents
    }
    this.watermark.observe(v.occurredAtMs, nowMs);
    this.buffer.consumed(offset, nowMs);
  }

  /** After a counted `offset`: which flush, if any, must run now. */
  flushAfter(offset: number): 'recovery' | 'size' | 'budget' | null {
    if (this.intended !== null) return offset === this.intended.lastOffset ? 'recovery' : null;
    const buffer = this.buffer;
    if (buffer.isFull(this.o.flushMaxKeys, this.o.refusedMaxBytes)) return 'size';
    // The budget sums every partition: asked once the buffer has grown by a step, not per event.
    const bytes = buffer.bytes;
    if (bytes - buffer.budgetCheckedAtBytes < this.o.budget.checkEveryBytes) return null;
    buffer.budgetCheckedAtBytes = bytes;
    return this.o.budget.mustFlush(this) ? 'budget' : null;
  }

  /** The time-based flush: the buffer is older than `flushIntervalMs` (never while an intended range is replayed). */
  flushDue(nowMs: number): boolean {
    return this.intended === null && this.buffer.openedAtMs !== null && nowMs - this.buffer.openedAtMs >= this.o.flushIntervalMs;
  }

  /** Nothing buffered, nothing intended, nothing in flight: the watermark may move on its own (idle partition). */
  get drainedAndIdle(): boolean {
    return this.buffer.isEmpty && this.intended === null && this.inFlight === null;
  }

  /**
   * The watermark an idle partition stores without a flush: drained, read up to the log end, and
   * later than the one stored. Counted as stored before the write: a write that fails is not retried
   * (the next flush stores the watermark with its range).
   */
  idleWatermarkToStore(nowMs: number): number | null {
    if (!this.drainedAndIdle || this.expectNext < this.logEnd) return null;
    const wm = this.watermark.value(nowMs, true);
    if (wm === null || (this.storedWatermarkMs !== null && wm <= this.storedWatermarkMs)) return null;
    this.storedWatermarkMs = wm;
    return wm;
  }

  /**
   * The flush of the buffer as the range [next first offset, last consumed] (or `lastOverride`, an
   * intended range the log no longer shows in full). Null when there is nothing to flush; 'mismatch'
   * when the range is not the intended one (the shell resets from the ledger). Changes nothing:
   * `started` hands the buffer over.
   */
  planFlush(nowMs: number, lastOverride?: number): FlushPlan | null | 'mismatch' {
    const buffer = this.buffer;
    if (buffer.isEmpty && lastOverride === undefined) return null;
    const firstOffset = this.nextFirstOffset;
    const lastOffset = lastOverride ?? (buffer.lastOffset as number);
    const flushId = flushIdOf(this.o.partition, String(firstOffset), String(lastOffset));
    if (this.intended !== null && this.intended.flushId !== flushId) return 'mismatch';
    return {
      flushId,
      firstOffset,
      lastOffset,
      cells: [...buffer.cells()],
      refused: buffer.refused,
      dlq: buffer.refused.map((r) => dlqMessage(this.o.sourceTopic, this.o.partition, r)),
      watermarkMs: this.watermark.value(nowMs, false),
      events: buffer.events,
      duplicates: buffer.duplicates,
      buffer,
      generation: this.generation,
    };
  }

  /**
   * The plan's flush starts: it is in flight until `committed` (or a reset), consumption goes on into
   * a fresh buffer, and the next plan starts after its range. One flush in flight at a time: the
   * shell waits for the previous one first.
   */
  started(plan: FlushPlan): void {
    if (this.inFlight !== null) {
      throw new AggregatorError(`flush ${plan.flushId} started while ${this.inFlight.flushId} is in flight`, this.o.partition, { retriable: false });
    }
    if (plan.generation !== this.generation || plan.firstOffset !== this.nextFirstOffset) {
      throw new AggregatorError(`flush ${plan.flushId} was not planned from the current state`, this.o.partition, { retriable: false });
    }
    this.inFlight = plan;
    this.nextFirstOffset = plan.lastOffset + 1;
    if (this.buffer === plan.buffer) this.buffer = new PartitionBuffer();
  }

  /**
   * The ledger committed the in-flight plan: the partition's ledger position and stored watermark
   * move on past its range (never past the buffer consumed since). Returns false, changing nothing,
   * for a stale plan (a reset came between, or it is not the one in flight).
   */
  committed(plan: FlushPlan): boolean {
    if (plan.generation !== this.generation || this.inFlight !== plan) return false;
    this.inFlight = null;
    this.ledgerNext = plan.lastOffset + 1;
    this.intended = null;
    this.storedWatermarkMs = plan.watermarkMs;
    return true;
  }

  private validate(value: Buffer | null, messageTimeMs: number): Validation {
    if (value === null) return { ok: false, rejection: { reason: 'invalid_json', message: 'the message has no value (a tombstone)' } };
    return validateEvent(value, this.o.validator, messageTimeMs);
  }
}
