import type { Rejection } from '@hitboard/schema';

/** Sums of one (minute, product) cell. `orders` counts sale events (line items). */
export interface Cell {
  minuteStartMs: number;
  productId: string;
  units: number;
  revenueCents: number;
  orders: number;
}

/** A refused message, kept with the flush it belongs to and published to the DLQ by that flush. */
export interface Refused {
  offset: number;
  rejection: Rejection;
  value: Buffer | null;
}

/**
 * What one partition has consumed since its last flush: the (minute, product) sums of valid,
 * distinct events, the refused messages, and the last offset consumed. The flush range is
 * `[ledger next offset, lastOffset]`; it covers every offset read, valid or not.
 */
export class PartitionBuffer {
  readonly cells = new Map<string, Cell>();
  readonly refused: Refused[] = [];
  /** Last offset consumed into this buffer, or null when nothing has been. */
  lastOffset: number | null = null;
  /** Wall-clock time the first offset entered the buffer (for the time-based flush). */
  openedAtMs: number | null = null;
  events = 0;
  duplicates = 0;

  /** Adds one valid, distinct event. Revenue stays an exact integer (checked: never a float). */
  add(minuteStartMs: number, productId: string, units: number, revenueCents: number): void {
    const key = `${minuteStartMs}|${productId}`;
    const cell = this.cells.get(key);
    if (cell === undefined) {
      this.cells.set(key, { minuteStartMs, productId, units, revenueCents, orders: 1 });
    } else {
      cell.units += units;
      cell.revenueCents += revenueCents;
      cell.orders += 1;
      if (!Number.isSafeInteger(cell.revenueCents)) {
        throw new Error(`revenue of ${productId} in minute ${new Date(minuteStartMs).toISOString()} exceeds 2^53 cents within one flush`);
      }
    }
    this.events++;
  }

  refuse(refused: Refused): void {
    this.refused.push(refused);
  }

  /** Marks `offset` consumed (every message, whatever became of it). */
  consumed(offset: number, nowMs: number): void {
    this.lastOffset = offset;
    if (this.openedAtMs === null) this.openedAtMs = nowMs;
  }

  get keys(): number {
    return this.cells.size;
  }

  get isEmpty(): boolean {
    return this.lastOffset === null;
  }

  /** Cells sorted by (minute, product): a replay of the same range writes byte-for-byte the same rows. */
  sortedCells(): Cell[] {
    return [...this.cells.values()].sort((a, b) => a.minuteStartMs - b.minuteStartMs || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
  }
}
