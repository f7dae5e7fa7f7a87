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
 * Memory: at most `windowOffsets` ids (a Map plus a FIFO of the same entries).
 */
export class RecentIds {
  /** event_id → offset of its most recent occurrence still in the window. */
  private readonly lastSeen = new Map<string, number>();
  private ids: string[] = [];
  private offsets: number[] = [];
  private head = 0;

  constructor(readonly windowOffsets: number) {
    if (!Number.isInteger(windowOffsets) || windowOffsets < 1) {
      throw new Error(`RecentIds: windowOffsets must be a positive integer, got ${windowOffsets}`);
    }
  }

  /**
   * Records a valid event's id at `offset` (offsets must be fed in increasing order) and says
   * whether it is a duplicate. A duplicate refreshes the id's position in the window.
   */
  seen(id: string, offset: number): boolean {
    this.evictBefore(offset - this.windowOffsets);
    // One hash lookup, not has() + set(): the map grows exactly when the id is new.
    const size = this.lastSeen.size;
    this.lastSeen.set(id, offset);
    const duplicate = this.lastSeen.size === size;
    this.ids.push(id);
    this.offsets.push(offset);
    return duplicate;
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.lastSeen.size;
  }

  clear(): void {
    this.lastSeen.clear();
    this.ids = [];
    this.offsets = [];
    this.head = 0;
  }

  private evictBefore(minOffset: number): void {
    while (this.head < this.offsets.length && (this.offsets[this.head] as number) < minOffset) {
      const id = this.ids[this.head] as string;
      // Only forget the id if this entry is its latest occurrence (a later one keeps it).
      if (this.lastSeen.get(id) === this.offsets[this.head]) this.lastSeen.delete(id);
      this.head++;
    }
    // Compact the FIFO once its dead prefix dominates, so the arrays stay O(window).
    if (this.head > 4096 && this.head * 2 > this.offsets.length) {
      this.ids = this.ids.slice(this.head);
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
  }
}
