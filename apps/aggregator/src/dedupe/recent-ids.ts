/**
 * The duplicate window of one partition: an event is a duplicate when a valid event with the
 * same `event_id` sits at an offset in `[offset - windowOffsets, offset)` of the same partition.
 *
 * The window is measured in offsets, not in wall-clock or event time, on purpose: that makes
 * "is this a duplicate?" a pure function of the log. A replay of a flush range (after a crash or
 * a rebalance) therefore makes exactly the same decisions as the first attempt, provided the
 * window was warmed by re-reading the `windowOffsets` offsets before the range (ids only, not
 * counted) — which the aggregator does on every assignment. Producers retry within seconds, so a
 * window of tens of thousands of offsets covers any retry; a re-send beyond it is counted.
 *
 * Memory: at most ~1.5 × `windowOffsets` ids. Each id maps to the offset it was last seen at, and a
 * hit counts only if that offset is inside the window; ids that fell out of it are swept in one
 * sequential pass every `windowOffsets / 2` offsets. That is two Map operations per event (get,
 * set) and no FIFO, against four operations and two growing arrays for evicting each id exactly
 * when it leaves the window (measured 0.6 vs 0.8 µs per event, 6 partitions × 50 000 ids).
 */
export class RecentIds {
  /** event_id → offset of its most recent occurrence (possibly already outside the window, until the next sweep). */
  private readonly lastSeen = new Map<string, number>();
  private nextSweepAt = Number.NEGATIVE_INFINITY;
  private readonly sweepEvery: number;

  constructor(readonly windowOffsets: number) {
    if (!Number.isInteger(windowOffsets) || windowOffsets < 1) {
      throw new Error(`RecentIds: windowOffsets must be a positive integer, got ${windowOffsets}`);
    }
    this.sweepEvery = Math.ceil(windowOffsets / 2);
  }

  /**
   * Records a valid event's id at `offset` (offsets must be fed in increasing order) and says
   * whether it is a duplicate. A duplicate refreshes the id's position in the window.
   */
  seen(id: string, offset: number): boolean {
    if (offset >= this.nextSweepAt) this.sweep(offset);
    const previous = this.lastSeen.get(id);
    this.lastSeen.set(id, offset);
    // The most recent earlier occurrence is in [offset - window, offset) iff any occurrence is.
    return previous !== undefined && previous >= offset - this.windowOffsets;
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.lastSeen.size;
  }

  clear(): void {
    this.lastSeen.clear();
    this.nextSweepAt = Number.NEGATIVE_INFINITY;
  }

  /** Forgets ids last seen before the window of `offset` (they can never count again: offsets only grow). */
  private sweep(offset: number): void {
    const minOffset = offset - this.windowOffsets;
    const lastSeen = this.lastSeen;
    lastSeen.forEach((seenAt, id) => {
      if (seenAt < minOffset) lastSeen.delete(id);
    });
    this.nextSweepAt = offset + this.sweepEvery;
  }
}
