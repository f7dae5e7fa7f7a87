import type { IHeaders } from 'kafkajs';
import type { Channel, Rejection } from '@hitboard/schema';

/** Sums of one (minute, product, channel) cell. `orders` counts sale events (line items). */
export interface Cell {
  minuteStartMs: number;
  productId: string;
  /** The sale events' channel: each channel of a product and minute is a cell of its own (issue 27). */
  channel: Channel;
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
 * Estimated heap bytes of one buffered cell, counted against the memory budget (memory-budget.ts): its
 * object, its product id string (from JSON.parse, ~10 characters) and its entry in the Maps, whose hash
 * tables grow by doubling. Measured (apps/aggregator/bench/cell-bytes.ts, `process.memoryUsage().heapUsed`
 * after full GCs, Node 20, 2026-12-07): 149 bytes a cell over 1M cells, 157 over 200k, and 173-176 just past
 * a table's doubling (540k, 1.1M, 2.1M cells; 4 channels, 1 or 5 minutes); + 8 bytes for the flush's
 * `[...cells()]` array. The worst, 176 + 8, so an estimate never undercounts.
 */
export const CELL_BYTES = 184;

/**
 * Estimated bytes of one cell of a flush in flight. The flight holds its cells through the plan's array
 * (the buffer's Maps are dropped when it starts: `dropIndex`), 128 bytes a cell with its product id and
 * array slot (cell-bytes.ts, 200k-2.1M cells, 1 or 5 minutes, 2026-12-07 18:40); the per-hour arrays of
 * the file write (8); and the columns the consuming thread packs for the staging worker (4 × 8 bytes +
 * 2 references). Its product-sums records are built one chunk at a time as they are sent (~1 MiB a
 * flight, whatever its size: not per cell). The worker's copy and DuckDB's rows are the staging share's.
 * Until issue 28's chunked publish a flight built every record at once (398 bytes a cell more) and kept
 * its Maps: 632 bytes a cell, which kept the filling buffers small (bench/results/2026-12-07-1537-…).
 */
export const IN_FLIGHT_CELL_BYTES = 128 + 8 + 48;

/**
 * What one partition has consumed since its last flush: the (minute, product, channel) sums of valid,
 * distinct events, the refused messages, and the last offset consumed. The flush range is
 * `[ledger next offset, lastOffset]`; it covers every offset read, valid or not.
 */
export class PartitionBuffer {
  /**
   * minute → channel → product → cell. Levels instead of one `${minute}|${product}|${channel}` key:
   * the hot path then builds no string per event (the product id from JSON.parse hashes once), a
   * flush's events mostly fall in one or two minutes, so the outer lookup is nearly always the cached
   * one, and a minute has at most a handful of channels (a tiny map).
   */
  private readonly minutes = new Map<number, Map<Channel, Map<string, Cell>>>();
  private lastMinuteMs = Number.NaN;
  private lastMinute: Map<Channel, Map<string, Cell>> | null = null;
  private indexDropped = false;
  readonly refused: Refused[] = [];
  /** Bytes held for refused messages (their kept values): part of the size bound on memory. */
  refusedBytes = 0;
  /** Last offset consumed into this buffer, or null when nothing has been. */
  lastOffset: number | null = null;
  /** Wall-clock time the first offset entered the buffer (for the time-based flush). */
  openedAtMs: number | null = null;
  /** Number of (minute, product, channel) cells. */
  keys = 0;
  events = 0;
  duplicates = 0;
  /** `bytes` when the memory budget was last asked about this buffer (see PartitionCore.flushAfter). */
  budgetCheckedAtBytes = 0;

  /** Estimated heap bytes held: the cells at CELL_BYTES each, and the refused messages' bytes. */
  get bytes(): number {
    return this.keys * CELL_BYTES + this.refusedBytes;
  }

  /** Estimated bytes held once this buffer is a flush in flight (IN_FLIGHT_CELL_BYTES a cell). */
  get inFlightBytes(): number {
    return this.keys * IN_FLIGHT_CELL_BYTES + this.refusedBytes;
  }

  /**
   * Adds one valid, distinct event. Revenue stays an exact integer: when the cell's revenue would
   * pass 2^53 cents, nothing is added and `add` returns false — the caller flushes this buffer and
   * adds the event to the next one (one event is at most 10^12 cents, far below 2^53).
   */
  add(minuteStartMs: number, productId: string, channel: Channel, units: number, revenueCents: number): boolean {
    let minute = this.lastMinute;
    if (minuteStartMs !== this.lastMinuteMs || minute === null) {
      if (this.indexDropped) throw new Error('a buffer handed over to a flush takes no more events');
      minute = this.minutes.get(minuteStartMs) ?? null;
      if (minute === null) {
        minute = new Map();
        this.minutes.set(minuteStartMs, minute);
      }
      this.lastMinuteMs = minuteStartMs;
      this.lastMinute = minute;
    }
    let products = minute.get(channel);
    if (products === undefined) {
      products = new Map();
      minute.set(channel, products);
    }
    const cell = products.get(productId);
    if (cell === undefined) {
      products.set(productId, { minuteStartMs, productId, channel, units, revenueCents, orders: 1 });
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

  /**
   * Drops the (minute, channel, product) index of a buffer handed over to a flush: the plan's cell array
   * holds every cell, so the Maps' entries (~40 bytes a cell) are only weight while the flush is in flight.
   * `keys` and the counts stay (the budget counts the flight by them); the buffer takes no more events.
   */
  dropIndex(): void {
    this.minutes.clear();
    this.lastMinute = null;
    this.lastMinuteMs = Number.NaN;
    this.indexDropped = true;
  }

  /** Every cell, in no particular order. */
  *cells(): IterableIterator<Cell> {
    for (const minute of this.minutes.values()) for (const products of minute.values()) yield* products.values();
  }

  refuse(refused: Refused): void {
    this.refused.push(refused);
    this.refusedBytes += (refused.value?.length ?? 0) + (refused.key?.length ?? 0) + 64;
  }

  /**
   * The per-partition bounds (the process's bound is the memory budget): flush once the buffer holds
   * `maxKeys` cells (`FLUSH_MAX_KEYS`, deprecated; Infinity when unset), or as many refused messages, or
   * `maxRefusedBytes` of them (a stream of poison adds no cells but holds its bytes).
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

  /** Cells sorted by (minute, product, channel): a replay of the same range writes byte-for-byte the same rows. */
  sortedCells(): Cell[] {
    const by = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.cells()].sort((a, b) => a.minuteStartMs - b.minuteStartMs || by(a.productId, b.productId) || by(a.channel, b.channel));
  }
}
