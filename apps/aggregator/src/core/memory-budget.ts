/** One mebibyte, in bytes. */
export const MIB = 2 ** 20;

/** An aggregator process's memory budget when `MEMORY_BUDGET_MIB` is not set (issue 28). */
export const DEFAULT_MEMORY_BUDGET_MIB = 768;

/** The smallest budget the split below can work with (a staging share of 32 MiB, fetches of 4 MiB). */
export const MIN_MEMORY_BUDGET_MIB = 128;

/**
 * How one process's budget is shared (issue 28), stated once:
 *
 * - 1/2 **buffers and duplicate windows**: every partition's duplicate window at its cap
 *   (`RecentFingerprints.maxBytes`, 24 MiB at the default `DEDUPE_MAX_IDS`), then its cells, the buffer
 *   it fills at `CELL_BYTES` a cell and the one in flight at `IN_FLIGHT_CELL_BYTES` (partition-buffer.ts),
 *   plus the refused messages' bytes. When the buffers fill what the windows leave (at least half the share), the largest buffers
 *   flush (`BufferBudget`), whatever the partition count.
 * - 1/4 **staging**: DuckDB's `memory_limit` in the Parquet staging worker (the staged rows and the
 *   sort of a flush; past it DuckDB spills to disk instead of growing).
 * - 1/8 **fetch**: kafkajs's fetches. A response is held twice at its peak (its socket chunks and their
 *   concatenation) while the batch before it is still being handled, so `maxBytes` is a quarter of the
 *   share; `maxBytesPerPartition` is at most 4 MiB (~14k events of ~290 bytes).
 * - 1/8 **not assigned**: the runtime and the staging worker's isolate, V8's garbage between two
 *   collections, the chunk of product-sums records a flush is sending (~1 MiB), malloc's fragmentation.
 *
 * At the default 768 MiB: buffers and windows 384 MiB (6 partitions' windows at their cap take 144 MiB,
 * leaving ~1.3M cells filling or in flight in the whole process), staging 192 MiB (a flush holds at most
 * 393,216 cells: `flushMaxCells`), fetches of 24 MiB (4 MiB per partition).
 */
export const MEMORY_SPLIT = { buffers: 1 / 2, staging: 1 / 4, fetch: 1 / 8 } as const;

const FETCH_PER_PARTITION_MAX_BYTES = 4 * MIB;

/**
 * DuckDB's bytes per staged row at most: 400k rows with 20-character product ids staged and sorted
 * under a 96 MiB `memory_limit` without spilling (2026-12-07; ≤ 252 bytes a row). Past the limit a
 * temporary table does not spill: the write fails (seen at 400k rows under 16 and 48 MiB), and a flush
 * that fails is replayed as the same range. So one flush holds at most half the staging share at this
 * size (the worker stages one file at a time): a cap per partition derived from the budget.
 */
export const STAGED_ROW_BYTES = 256;

export interface MemoryShares {
  budgetBytes: number;
  /** What the partitions' duplicate windows and buffers (filling and in flight) may hold before the largest flush. */
  buffersBytes: number;
  /** DuckDB's `memory_limit` in the staging worker. */
  stagingBytes: number;
  /** Cells one flush holds at most, so its staging stays within half the staging share (`STAGED_ROW_BYTES`). */
  flushMaxCells: number;
  /** kafkajs `maxBytes`: one fetch response at most. */
  fetchMaxBytes: number;
  /** kafkajs `maxBytesPerPartition`. */
  fetchMaxBytesPerPartition: number;
}

/** The shares of a budget of `budgetBytes` (see `MEMORY_SPLIT`). */
export function splitMemoryBudget(budgetBytes: number): MemoryShares {
  if (!(budgetBytes >= MIN_MEMORY_BUDGET_MIB * MIB)) throw new RangeError(`a memory budget of ${budgetBytes} bytes is below ${MIN_MEMORY_BUDGET_MIB} MiB`);
  const fetchMaxBytes = Math.floor((budgetBytes * MEMORY_SPLIT.fetch) / 4);
  const stagingBytes = Math.floor(budgetBytes * MEMORY_SPLIT.staging);
  return {
    budgetBytes,
    buffersBytes: Math.floor(budgetBytes * MEMORY_SPLIT.buffers),
    stagingBytes,
    flushMaxCells: Math.floor(stagingBytes / (2 * STAGED_ROW_BYTES)),
    fetchMaxBytes,
    fetchMaxBytesPerPartition: Math.min(FETCH_PER_PARTITION_MAX_BYTES, fetchMaxBytes),
  };
}

/**
 * A partition as the budget sees it: the estimated bytes of the buffer it fills and of the one in flight,
 * and the bytes its duplicate window grows to (`RecentFingerprints.maxBytes`: a table no flush shrinks).
 */
export interface BudgetMember {
  readonly partition: number;
  readonly bufferBytes: number;
  readonly inFlightBytes: number;
  readonly dedupe: { readonly maxBytes: number };
}

/**
 * The buffers' share of the budget, across every partition of the process. The partitions' duplicate
 * windows count against it first, at their cap from the start (they cannot be flushed: up to 24 MiB a
 * partition at the default `DEDUPE_MAX_IDS`; counted as they grew, the buffers took the room the young
 * windows left, and the process peaked early: issue 28), down to a floor: the buffers always keep
 * `BUFFERS_FLOOR` of the share, or the windows of many partitions would make every buffer flush at every
 * check (files of a few cells); past the floor the process holds more than its budget, by the windows'
 * excess. What is left is the
 * buffers' limit: when the partitions' buffers (filling and in flight) together reach it, the largest
 * filling buffers flush, largest first, until what stays held is at most half the limit: one flush frees
 * a whole buffer, so not every event re-decides, and only as many partitions write a file as it takes
 * (fewer, larger Parquet files than flushing them all). In-flight bytes count but cannot be flushed
 * again: when they alone are over half the limit every buffer is asked to flush, and each waits for its
 * own flight first (back-pressure).
 *
 * Pure: the cores report their bytes; `mustFlush` is asked by a core after its buffer has grown by
 * `checkEveryBytes` (not per event: the sum runs over every partition) and by the shell's tick (a
 * partition that gets no batches still gives its bytes back).
 */
export class BufferBudget {
  private readonly members = new Map<number, BudgetMember>();
  /** A core asks again once its buffer has grown by this much: 256 KiB (~1,400 cells), less for a small limit. */
  readonly checkEveryBytes: number;

  constructor(readonly limitBytes: number) {
    if (!(limitBytes > 0)) throw new RangeError(`a buffer budget must be positive (got ${limitBytes})`);
    this.checkEveryBytes = Math.max(1, Math.min(256 * 1024, Math.floor(limitBytes / 64)));
  }

  /** `member` now counts for its partition (a new core of the same partition replaces the old one). */
  join(member: BudgetMember): void {
    this.members.set(member.partition, member);
  }

  /** `member` no longer counts (its partition was revoked); a newer member of the partition stays. */
  leave(member: BudgetMember): void {
    if (this.members.get(member.partition) === member) this.members.delete(member.partition);
  }

  /** The estimated bytes every partition's buffers hold, filling and in flight (not the windows). */
  heldBytes(): number {
    let held = 0;
    for (const m of this.members.values()) held += m.bufferBytes + m.inFlightBytes;
    return held;
  }

  /** The bytes every partition's duplicate window grows to. */
  windowBytes(): number {
    let bytes = 0;
    for (const m of this.members.values()) bytes += m.dedupe.maxBytes;
    return bytes;
  }

  /** What the buffers may hold now: the share less the windows, but never less than `BUFFERS_FLOOR` of it. */
  buffersLimitBytes(): number {
    return Math.max(this.limitBytes - this.windowBytes(), this.limitBytes * BUFFERS_FLOOR);
  }

  /** True when `member`'s filling buffer is among the largest that must flush for the held bytes to fall back under half the buffers' limit. */
  mustFlush(member: BudgetMember): boolean {
    if (member.bufferBytes === 0) return false;
    let rest = this.heldBytes();
    const limit = this.buffersLimitBytes();
    if (rest < limit) return false;
    const largestFirst = [...this.members.values()].sort((a, b) => b.bufferBytes - a.bufferBytes || a.partition - b.partition);
    for (const m of largestFirst) {
      if (rest <= limit / 2 || m.bufferBytes === 0) return false;
      if (m === member) return true;
      rest -= m.bufferBytes;
    }
    return false;
  }
}

/** The part of the buffers' share the duplicate windows never take (see `BufferBudget`). */
export const BUFFERS_FLOOR = 1 / 2;
