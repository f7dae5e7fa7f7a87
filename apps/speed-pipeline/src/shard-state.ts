import type { IntervalRegistry, ProductSum } from '@hitboard/schema';
import { TopKSketch, type TopKParams } from '@hitboard/topk';
import { FlushDedupe, type DedupeVerdict, type FlushDedupeSnapshot } from './flush-dedupe';

/**
 * Everything one shard (one partition of `sales.product-sums`) knows, as plain data: per open
 * window a `TopKSketch` (count-min sketch + candidates per metric), the flush dedupe marks, the
 * event-time watermark and the next offset to consume. Pure: no I/O, no clock. Applying the
 * same records in the same order always gives the same state, which is what lets a restart
 * from a checkpoint reproduce an uninterrupted run.
 *
 * Window lifecycle (per interval with `speed: true` in the registry):
 * - open: created by the first record whose minute falls in it;
 * - covered: the batch layer has a succeeded run for it; the pipeline drops it from memory and
 *   from `speed_table`, and later records for it are dropped (the batch layer owns late data);
 * - closed: the shard's watermark (newest applied minute) passed its end by `horizonMs`; its last
 *   rows stay in `speed_table` for the batch layer to replace, later records for it are dropped,
 *   and it leaves memory after its final rows are written. This bounds memory when the batch
 *   layer lags or is down.
 */
export interface WindowState {
  key: string;
  interval: string;
  startMs: number;
  endMs: number;
  topk: TopKSketch;
  /** Changed since its rows were last written. */
  dirty: boolean;
}

export type ApplyOutcome = DedupeVerdict | 'late';

export interface ShardStateOptions {
  registry: IntervalRegistry;
  topk: TopKParams;
  horizonMs: number;
}

/** One window's rows, ready for `speed_table`. */
export interface WindowRows {
  key: string;
  interval: string;
  windowStart: Date;
  rows: Array<{ productId: string; units: number; revenueCents: number }>;
  unitsBound: number;
  revenueBound: number;
  /** The window's serialised TopKSketch, checkpointed with the rows. */
  blob: Uint8Array;
}

/** What one write moves to Postgres atomically. */
export interface ShardWrite {
  nextOffset: bigint;
  replace: WindowRows[];
  /** Windows whose speed_table rows go (covered by the batch layer). */
  deleteRows: Array<{ interval: string; windowStart: Date }>;
  /** Windows whose checkpoint blobs go (covered, or closed and written). */
  dropBlobs: Array<{ interval: string; windowStart: Date }>;
  header: ShardHeader;
}

export interface ShardHeader {
  format: 1;
  nextOffset: string;
  watermarkMs: number | null;
  dedupe: FlushDedupeSnapshot;
  /** Open window keys: the checkpoint's window blobs that belong to this state. */
  windows: string[];
  /** Covered window keys with their end, kept until they are closed anyway. */
  covered: Array<[string, number]>;
}

export const windowKey = (interval: string, startMs: number): string => `${interval}|${startMs}`;
export const parseWindowKey = (key: string): { interval: string; windowStart: Date } => {
  const bar = key.lastIndexOf('|');
  return { interval: key.slice(0, bar), windowStart: new Date(Number(key.slice(bar + 1))) };
};

export class ShardState {
  readonly windows = new Map<string, WindowState>();
  private readonly covered = new Map<string, number>();
  private dedupe = new FlushDedupe();
  private watermarkMs: number | null = null;
  /** Next offset of the shard's partition to apply; messages below it were applied already. */
  nextOffset = 0n;
  private readonly pendingRowDeletes = new Set<string>();
  private readonly pendingBlobDrops = new Set<string>();
  private readonly speedIntervals: string[];

  constructor(private readonly options: ShardStateOptions) {
    this.speedIntervals = options.registry.all().filter((s) => s.speed).map((s) => s.name);
    if (this.speedIntervals.length === 0) throw new Error('the interval registry has no interval with speed: true');
  }

  get watermark(): number | null {
    return this.watermarkMs;
  }

  /** Applies the record at `offset` (offsets below `nextOffset` must be skipped by the caller). */
  apply(sum: ProductSum, offset: bigint): ApplyOutcome {
    this.nextOffset = offset + 1n;
    return this.applyRecord(sum);
  }

  /** The message at `offset` could not be decoded: move past it. */
  skip(offset: bigint): void {
    this.nextOffset = offset + 1n;
  }

  private applyRecord(sum: ProductSum): ApplyOutcome {
    const verdict = this.dedupe.admit(sum);
    if (verdict !== 'apply') return verdict;
    if (this.watermarkMs === null || sum.minuteStartMs > this.watermarkMs) this.watermarkMs = sum.minuteStartMs;
    let added = false;
    for (const interval of this.speedIntervals) {
      const w = this.options.registry.windowAt(interval, sum.minuteStartMs);
      const startMs = w.start.getTime();
      const endMs = w.end.getTime();
      const key = windowKey(interval, startMs);
      if (this.covered.has(key) || this.isClosed(endMs)) continue;
      let state = this.windows.get(key);
      if (state === undefined) {
        state = { key, interval, startMs, endMs, topk: TopKSketch.create(this.options.topk), dirty: true };
        this.windows.set(key, state);
        this.pendingBlobDrops.delete(key);
      }
      state.topk.add(sum.productId, sum.units, sum.revenueCents);
      state.dirty = true;
      added = true;
    }
    return added ? 'apply' : 'late';
  }

  private isClosed(endMs: number): boolean {
    return this.watermarkMs !== null && endMs + this.options.horizonMs <= this.watermarkMs;
  }

  /** Open windows, as (interval, windowStart) pairs (for the covered-by-batch query). */
  openWindows(): Array<{ interval: string; windowStart: Date }> {
    return [...this.windows.values()].map((w) => ({ interval: w.interval, windowStart: new Date(w.startMs) }));
  }

  /** The batch layer covered these windows: drop them from memory; their rows and blobs go at the next write. */
  markCovered(windows: Array<{ interval: string; windowStart: Date }>): number {
    let dropped = 0;
    for (const { interval, windowStart } of windows) {
      const key = windowKey(interval, windowStart.getTime());
      const state = this.windows.get(key);
      const endMs = state?.endMs ?? this.options.registry.windowAt(interval, windowStart).end.getTime();
      if (!this.covered.has(key)) dropped += state ? 1 : 0;
      this.covered.set(key, endMs);
      this.windows.delete(key);
      this.pendingRowDeletes.add(key);
      this.pendingBlobDrops.add(key);
    }
    return dropped;
  }

  /**
   * Takes what the next write must persist: rows and blobs of every dirty window, pending
   * deletions, and the header (offset, watermark, dedupe marks). Clears dirty flags; call
   * `writeFailed` with the result if the transaction does not commit, `writeSucceeded` if it does.
   */
  takeWrite(rowLimit: number): ShardWrite {
    const replace: WindowRows[] = [];
    for (const w of this.windows.values()) {
      if (!w.dirty) continue;
      w.dirty = false;
      replace.push(windowRows(w, rowLimit));
    }
    const closed = [...this.windows.values()].filter((w) => this.isClosed(w.endMs)).map((w) => w.key);
    for (const key of closed) this.pendingBlobDrops.add(key);
    // Covered windows that are closed by now need no memory: any record for them is dropped anyway.
    for (const [key, endMs] of this.covered) if (this.isClosed(endMs)) this.covered.delete(key);
    const write: ShardWrite = {
      nextOffset: this.nextOffset,
      replace,
      deleteRows: [...this.pendingRowDeletes].map(parseWindowKey),
      dropBlobs: [...this.pendingBlobDrops].map(parseWindowKey),
      header: {
        format: 1,
        nextOffset: this.nextOffset.toString(),
        watermarkMs: this.watermarkMs,
        dedupe: this.dedupe.snapshot(),
        windows: [...this.windows.keys()].filter((k) => !closed.includes(k)),
        covered: [...this.covered],
      },
    };
    // Closed windows have had their final rows taken: they leave memory now.
    for (const key of closed) this.windows.delete(key);
    this.pendingRowDeletes.clear();
    this.pendingBlobDrops.clear();
    return write;
  }

  /** The write did not commit: everything it carried is pending again. */
  writeFailed(write: ShardWrite): void {
    for (const w of write.replace) {
      const state = this.windows.get(w.key);
      if (state) state.dirty = true;
    }
    for (const w of write.deleteRows) this.pendingRowDeletes.add(windowKey(w.interval, w.windowStart.getTime()));
    for (const w of write.dropBlobs) this.pendingBlobDrops.add(windowKey(w.interval, w.windowStart.getTime()));
    // Closed windows already left memory; their final rows are rewritten from the blobs only on
    // restart. Re-create them from this write so nothing is lost.
    for (const w of write.replace) {
      if (!this.windows.has(w.key) && !this.covered.has(w.key)) {
        const { interval, windowStart } = parseWindowKey(w.key);
        const endMs = this.options.registry.windowAt(interval, windowStart).end.getTime();
        this.windows.set(w.key, { key: w.key, interval, startMs: windowStart.getTime(), endMs, topk: TopKSketch.decode(w.blob), dirty: true });
        this.pendingBlobDrops.delete(w.key);
      }
    }
  }

  /** Rebuilds a state from a checkpoint header and its window blobs (keyed by window key). */
  static restore(options: ShardStateOptions, header: ShardHeader, blobs: ReadonlyMap<string, Uint8Array>): ShardState {
    if (header.format !== 1) throw new Error(`unsupported speed checkpoint format ${String(header.format)}`);
    const state = new ShardState(options);
    state.nextOffset = BigInt(header.nextOffset);
    state.watermarkMs = header.watermarkMs;
    state.dedupe = FlushDedupe.restore(header.dedupe);
    for (const [key, endMs] of header.covered) state.covered.set(key, endMs);
    for (const key of header.windows) {
      const blob = blobs.get(key);
      if (!blob) throw new Error(`speed checkpoint is missing the state of window ${key}`);
      const { interval, windowStart } = parseWindowKey(key);
      const endMs = options.registry.windowAt(interval, windowStart).end.getTime();
      state.windows.set(key, { key, interval, startMs: windowStart.getTime(), endMs, topk: TopKSketch.decode(blob), dirty: false });
    }
    // Blobs of windows no longer open (left by a write that closed them) are dropped at the next write.
    for (const key of blobs.keys()) if (!state.windows.has(key)) state.pendingBlobDrops.add(key);
    return state;
  }
}

/**
 * A window's rows: the union of its top `rowLimit` candidates by units and by revenue, each
 * with both estimates and the window's error bounds (eps·N per metric).
 */
export function windowRows(w: WindowState, rowLimit: number): WindowRows {
  const limit = Math.min(rowLimit, w.topk.capacity);
  const byKey = new Map<string, { productId: string; units: number; revenueCents: number }>();
  for (const metric of ['units', 'revenue'] as const) {
    for (const e of w.topk.top(limit, metric)) byKey.set(e.key, { productId: e.key, units: e.units, revenueCents: e.revenueCents });
  }
  return {
    key: w.key,
    interval: w.interval,
    windowStart: new Date(w.startMs),
    rows: [...byKey.values()].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)),
    unitsBound: w.topk.errorBound('units'),
    revenueBound: w.topk.errorBound('revenue'),
    blob: w.topk.encode(),
  };
}
