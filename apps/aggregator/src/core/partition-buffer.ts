import type { IHeaders } from 'kafkajs';
import type { Rejection } from '@hitboard/schema';

/** Sums of one (minute, product) cell. `orders` counts sale events (line items). */
export interface Cell {
  minuteStartMs: number;
  productId: string;
  units: number;
  revenueCents: number;
  orders: number;
}

/**
 * A refused message, kept with the flush it belongs to and published to the DLQ by that flush.
 * `value` is the original bytes, or only their first `DLQ_MAX_VALUE_BYTES` when the original is
 * larger (`valueBytes` and `valueSha256` then describe the whole): see `refusedMessage` in dlq.ts.
 */
export interface Refused {
  offset: number;
  rejection: Rejection;
  value: Buffer | null;
  /** Length of the original value (null: a tombstone). */
  valueBytes: number | null;
  /** sha256 (hex) of the original value, when `value` holds only a prefix of it. */
  valueSha256?: string;
  key: Buffer | null;
  headers?: IHeaders;
  /** The message's Kafka timestamp (epoch ms, as Kafka gives it). */
  timestamp: string;
}

/**
 * What one partition has consumed since its last flush: the (minute, product) sums of valid,
 * distinct events, the refused messages, and the last offset consumed. The flush range is
 * `[ledger next offset, lastOffset]`; it covers every offset read, valid or not.
 */
export class PartitionBuffer {
  /**
   * minute → product → cell. Two levels instead of one `${minute}|${product}` key: the hot path
   * then builds no string per event (the product id from JSON.parse hashes once), and a flush's
   * events mostly fall in one or two minutes, so the outer lookup is nearly always the cached one.
   */
  private readonly minutes = new Map<number, Map<string, Cell>>();
  private lastMinuteMs = Number.NaN;
  private lastMinute: Map<string, Cell> | null = null;
  readonly refused: Refused[] = [];
  /** Bytes held for refused messages (their kept values): part of the size bound on memory. */
  refusedBytes = 0;
  /** Last offset consumed into this buffer, or null when nothing has been. */
  lastOffset: number | null = null;
  /** Wall-clock time the first offset entered the buffer (for the time-based flush). */
  openedAtMs: number | null = null;
  /** Number of (minute, product) cells. */
  keys = 0;
  events = 0;
  duplicates = 0;

  /**
   * Adds one valid, distinct event. Revenue stays an exact integer: when the cell's revenue would
   * pass 2^53 cents, nothing is added and `add` returns false — the caller flushes this buffer and
   * adds the event to the next one (one event is at most 10^12 cents, far below 2^53).
   */
  add(minuteStartMs: number, productId: string, units: number, revenueCents: number): boolean {
    let minute = this.lastMinute;
    if (minuteStartMs !== this.lastMinuteMs || minute === null) {
      minute = this.minutes.get(minuteStartMs) ?? null;
      if (minute === null) {
        minute = new Map();
        this.minutes.set(minuteStartMs, minute);
      }
      this.lastMinuteMs = minuteStartMs;
      this.lastMinute = minute;
    }
    const cell = minute.get(productId);
    if (cell === undefined) {
      minute.set(productId, { minuteStartMs, productId, units, revenueCents, orders: 1 });
      this.keys++;
    } else {
      const revenue = cell.revenueCents + revenueCents;
      if (revenue > Number.MAX_SAFE_INTEGER) return false;
      cell.units += units;
      cell.revenueCents = revenue;
      cell.orders += 1;
    }
    this.events++;
    return true;
  }

  /** Every cell, in no particular order. */
  *cells(): IterableIterator<Cell> {
    for (const minute of this.minutes.values()) yield* minute.values();
  }

  refuse(refused: Refused): void {
    this.refused.push(refused);
    this.refusedBytes += (refused.value?.length ?? 0) + (refused.key?.length ?? 0) + 64;
  }

  /**
   * The size bound on memory: flush once the buffer holds `maxKeys` cells, or as many refused
   * messages, or `maxRefusedBytes` of them (a stream of poison adds no cells but holds its bytes).
   */
  isFull(maxKeys: number, maxRefusedBytes: number): boolean {
    return this.keys >= maxKeys || this.refused.length >= maxKeys || this.refusedBytes >= maxRefusedBytes;
  }

  /** Marks `offset` consumed (every message, whatever became of it). */
  consumed(offset: number, nowMs: number): void {
    this.lastOffset = offset;
    if (this.openedAtMs === null) this.openedAtMs = nowMs;
  }

  get isEmpty(): boolean {
    return this.lastOffset === null;
  }

  /** Cells sorted by (minute, product): a replay of the same range writes byte-for-byte the same rows. */
  sortedCells(): Cell[] {
    const out: Cell[] = [];
    for (const minuteStartMs of [...this.minutes.keys()].sort((a, b) => a - b)) {
      const cells = [...(this.minutes.get(minuteStartMs) as Map<string, Cell>).values()];
      cells.sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
      for (const c of cells) out.push(c);
    }
    return out;
  }
}
