import type { IntervalRegistry } from '@hitboard/time';
import type { ProductSum, StoredChannel } from '@hitboard/schema';
import { TopKSketch, type TopKParams } from '@hitboard/topk';
import { MoverTracker, type Mover, type MoverParams, type MoverTrackerHeader } from '@hitboard/movers';
import { FlushDedupe, type DedupeVerdict, type FlushDedupeSnapshot } from './flush-dedupe';
import { decodeWindowBlob, encodeWindowBlob } from './window-blob';

/**
 * Everything one shard (one partition of `sales.product-sums`) knows, as plain data: per open
 * window a `TopKSketch` (count-min sketch + candidates per metric) of every record, and one more
 * per channel seen in the window (issue 27: each with its own eps·N bound, N that channel's
 * total; see `channelSketchParams`), the flush dedupe marks, the
 * event-time watermark and the next offset to consume. Pure: no I/O, no clock. Applying the
 * same records in the same order always gives the same state, which is what lets a restart
 * from a checkpoint reproduce an uninterrupted run.
 *
 * Window lifecycle (per interval with `speed: true` in the registry):
 * - open: created by the first record whose minute falls in it;
 * - covered: the batch layer has a succeeded run for it; the pipeline drops it from memory and
 *   from `speed_table`, and later records for it are dropped (the batch layer owns late data);
 * - closed: the watermark passed its end by `horizonMs`; its last rows stay in `speed_table` for
 *   the batch layer to replace, later records for it are dropped, and it leaves memory after its
 *   final rows are written. This bounds memory when the batch layer lags or is down.
 *
 * Watermarks are kept per source partition (of `sales.events`) and bounded by the wall clock, so
 * neither one producer with a wrong clock nor one lagging source partition closes windows for
 * everyone (issue 7, finding 2):
 * - a record more than `maxClockSkewMs` ahead of the wall clock is refused ('future'): it never
 *   moves a watermark and opens no window years ahead (the batch layer still counts it);
 * - a record is late only against its own source partition's watermark (the newest minute applied
 *   from that source), so a source that lags the fastest by more than the horizon loses nothing;
 * - a window leaves memory once it is closed for every source seen (the slowest one's watermark),
 *   and `closedFloorMs` remembers how far windows have left memory: a window is never reopened
 *   empty after its state is gone (that would overwrite its rows with only the late records);
 * - a checkpoint's watermarks are clamped to the wall clock on restore, so a poisoned one heals.
 */
export interface WindowState {
  key: string;
  interval: string;
  startMs: number;
  endMs: number;
  /** Every record of the window, whatever its channel: the overall figures. */
  topk: TopKSketch;
  /** The window's records of each channel (a channel appears with its first record in the window). */
  channels: Map<StoredChannel, TopKSketch>;
  /** Changed since its rows were last written. */
  dirty: boolean;
}

/**
 * - 'late': every window of the record is closed (for its source) or covered;
 * - 'future': its minute is more than `maxClockSkewMs` ahead of the wall clock;
 * - 'overflow': a window's total would pass 2^53 - 1 (no longer exact): applied nowhere.
 */
export type ApplyOutcome = DedupeVerdict | 'late' | 'future' | 'overflow';

export interface ShardStateOptions {
  registry: IntervalRegistry;
  topk: TopKParams;
  /** Each channel's sketch; default `channelSketchParams(topk)`. */
  channelTopk?: TopKParams;
  horizonMs: number;
  /** How far ahead of the wall clock a record's minute may be (producer clock skew). */
  maxClockSkewMs?: number; // default 15 minutes, like the sale-event validator's maxFutureMs
  /** The mover tracker's settings (issue 17); defaults are MoverTracker's. */
  movers?: Partial<MoverParams>;
}

export const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60_000;

/**
 * How much wider eps a channel's sketch has than the overall one: 1/8 of its width.
 *
 * A channel's bound is eps_c·N_c with N_c its own total, so the same width would already give a
 * channel a smaller bound than the overall one; but a window holds up to five channel sketches
 * beside the overall one, and every dirty window's blob is rewritten at each checkpoint (every
 * few seconds). bench/channel-checkpoint-size.ts (one shard's seeded day, four channels, default
 * sketch) measured the checkpoint against the overall-only one: 4.71x at the overall width
 * (sketch memory 97 -> 484 MiB), 2.09x at 1/4, 1.63x at 1/8 (145 MiB). At 1/8 the five channel
 * sketches together hold 5/8 of the overall counters, so checkpoint and memory stay under double.
 * The channel's bound is then 8·eps·N_c: 0.048 % of its own total with the default eps; in
 * absolute terms no wider than the overall one for a channel with at most 1/8 of the sales, and
 * 8x for one with all of them (that bench's day: overall 48 units, web (45 %) 173, store (10 %) 39).
 */
export const CHANNEL_EPS_FACTOR = 8;

/** The default sketch of each channel: the overall parameters with `CHANNEL_EPS_FACTOR` times the eps (capped below 1). */
export const channelSketchParams = (topk: TopKParams): TopKParams => ({ ...topk, eps: Math.min(topk.eps * CHANNEL_EPS_FACTOR, 0.5) });

/** One top list of a window (the overall one, or one channel's), ready for `speed_table`. */
export interface TopRows {
  rows: Array<{ productId: string; units: number; revenueCents: number }>;
  /** eps·N of this list's sketch: N is the window's total (overall) or the channel's. */
  unitsBound: number;
  revenueBound: number;
  /** The exact totals in this shard (the sketch's N per metric), for window_totals. */
  unitsTotal: number;
  revenueCentsTotal: number;
}

/** One window's rows, ready for `speed_table`: the overall list (channel 'all') and each channel's. */
export interface WindowRows extends TopRows {
  key: string;
  interval: string;
  windowStart: Date;
  /** Per channel seen in the window, by channel name; their totals sum to the overall ones. */
  channels: Array<TopRows & { channel: StoredChannel }>;
  /** The window's serialised sketches (window-blob.ts), checkpointed with the rows. */
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
  /** Mover tracker products changed since the last write (upserted) and evicted (deleted). */
  moverChanges: { changed: Array<{ productId: string; state: Float64Array }>; evicted: string[] };
  /** The shard's movers now (scored by the caller, which looks up batch history): replace the shard's rows. */
  movers: Mover[];
}

export interface ShardHeader {
  format: 1;
  nextOffset: string;
  /** Windows ending `horizonMs` before this are closed for every source (older checkpoints: the one watermark). */
  watermarkMs: number | null;
  /** Newest applied minute per source partition (absent in checkpoints before per-source watermarks). */
  sourceWatermarks?: Array<[number, number]>;
  dedupe: FlushDedupeSnapshot;
  /** Open window keys: the checkpoint's window blobs that belong to this state. */
  windows: string[];
  /** Covered window keys with their end, kept until they are closed anyway. */
  covered: Array<[string, number]>;
  /** The mover tracker's own fields (absent in checkpoints from before movers: it starts empty). */
  movers?: MoverTrackerHeader;
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
  /** Newest applied minute per source partition, never beyond the wall clock + skew. */
  private readonly sourceWatermarks = new Map<number, number>();
  /** Windows that end `horizonMs` before this have left memory: closed for every source. Only grows. */
  private closedFloorMs: number | null = null;
  private readonly maxClockSkewMs: number;
  private readonly channelTopk: TopKParams;
  /** Next offset of the shard's partition to apply; messages below it were applied already. */
  nextOffset = 0n;
  private readonly pendingRowDeletes = new Set<string>();
  private readonly pendingBlobDrops = new Set<string>();
  private readonly speedIntervals: string[];
  /** Every product's recent rates against its usual (issue 17); bounded by `maxProducts`. */
  movers: MoverTracker;

  constructor(private readonly options: ShardStateOptions) {
    this.movers = new MoverTracker(options.movers);
    this.speedIntervals = options.registry.all().filter((s) => s.speed).map((s) => s.name);
    if (this.speedIntervals.length === 0) throw new Error('the interval registry has no interval with speed: true');
    this.maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    this.channelTopk = options.channelTopk ?? channelSketchParams(options.topk);
  }

  /** The watermark windows close at for every source: the slowest source's, never below what already closed. */
  get watermark(): number | null {
    let slowest: number | null = null;
    for (const wm of this.sourceWatermarks.values()) slowest = slowest === null ? wm : Math.min(slowest, wm);
    if (slowest === null) return this.closedFloorMs;
    return this.closedFloorMs === null ? slowest : Math.max(slowest, this.closedFloorMs);
  }

  /** The watermark of one source partition (null before its first record). */
  sourceWatermark(source: number): number | null {
    return this.sourceWatermarks.get(source) ?? null;
  }

  /**
   * Applies the record at `offset` (offsets below `nextOffset` must be skipped by the caller).
   * `nowMs` is the wall clock that bounds event time. A record is applied to all its open windows
   * or to none: every check runs before anything changes.
   */
  apply(sum: ProductSum, offset: bigint, nowMs: number): ApplyOutcome {
    this.nextOffset = offset + 1n;
    return this.applyRecord(sum, nowMs);
  }

  /** The message at `offset` could not be decoded: move past it. */
  skip(offset: bigint): void {
    this.nextOffset = offset + 1n;
  }

  private applyRecord(sum: ProductSum, nowMs: number): ApplyOutcome {
    const verdict = this.dedupe.peek(sum);
    if (verdict !== 'apply') return verdict;
    if (sum.minuteStartMs > nowMs + this.maxClockSkewMs) return 'future';
    const source = sum.sourcePartition;
    const sourceWm = Math.max(this.sourceWatermarks.get(source) ?? sum.minuteStartMs, sum.minuteStartMs);
    const targets: Array<{ key: string; interval: string; startMs: number; endMs: number; state: WindowState | undefined }> = [];
    for (const interval of this.speedIntervals) {
      const w = this.options.registry.windowAt(interval, sum.minuteStartMs);
      const startMs = w.start.getTime();
      const endMs = w.end.getTime();
      const key = windowKey(interval, startMs);
      if (this.covered.has(key) || this.isClosedAt(endMs, sourceWm)) continue;
      targets.push({ key, interval, startMs, endMs, state: this.windows.get(key) });
    }
    // Every window must take it before any does: a partial apply cannot be undone or replayed.
    const fresh = Number.isSafeInteger(sum.units) && Number.isSafeInteger(sum.revenueCents);
    // A channel's totals never exceed the window's, so the overall check covers them too.
    if (targets.some((t) => !(t.state ? t.state.topk.fits(sum.units, sum.revenueCents) : fresh))) return 'overflow';

    this.dedupe.admit(sum);
    this.sourceWatermarks.set(source, sourceWm);
    // Every admitted record, also one too late for any open window: the tracker weighs old minutes less.
    this.movers.add(sum.productId, sum.minuteStartMs, sum.orders, sum.units);
    for (const t of targets) {
      let state = t.state;
      if (state === undefined) {
        state = { key: t.key, interval: t.interval, startMs: t.startMs, endMs: t.endMs, topk: TopKSketch.create(this.options.topk), channels: new Map(), dirty: true };
        this.windows.set(t.key, state);
        this.pendingBlobDrops.delete(t.key);
      }
      state.topk.add(sum.productId, sum.units, sum.revenueCents);
      let channel = state.channels.get(sum.channel);
      if (channel === undefined) state.channels.set(sum.channel, (channel = TopKSketch.create(this.channelTopk)));
      channel.add(sum.productId, sum.units, sum.revenueCents);
      state.dirty = true;
    }
    return targets.length > 0 ? 'apply' : 'late';
  }

  /** Closed for a record whose source's watermark is `sourceWatermarkMs`: it passed the end by the horizon, or the window left memory. */
  private isClosedAt(endMs: number, sourceWatermarkMs: number): boolean {
    const closedAt = this.closedFloorMs === null ? sourceWatermarkMs : Math.max(sourceWatermarkMs, this.closedFloorMs);
    return endMs + this.options.horizonMs <= closedAt;
  }

  /** Closed for every source: may leave memory. */
  private isClosed(endMs: number): boolean {
    const wm = this.watermark;
    return wm !== null && endMs + this.options.horizonMs <= wm;
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
  takeWrite(rowLimit: number, movers: Mover[] = []): ShardWrite {
    // What closes now stays closed, whatever source shows up later.
    this.closedFloorMs = this.watermark;
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
        watermarkMs: this.closedFloorMs,
        sourceWatermarks: [...this.sourceWatermarks].sort(([a], [b]) => a - b),
        dedupe: this.dedupe.snapshot(),
        windows: [...this.windows.keys()].filter((k) => !closed.includes(k)),
        covered: [...this.covered],
        movers: this.movers.header(),
      },
      moverChanges: this.movers.takeChanges(),
      movers,
    };
    // Closed windows have had their final rows taken: they leave memory now.
    for (const key of closed) this.windows.delete(key);
    this.pendingRowDeletes.clear();
    this.pendingBlobDrops.clear();
    return write;
  }

  /** The write did not commit: everything it carried is pending again. */
  writeFailed(write: ShardWrite): void {
    this.movers.changesFailed(write.moverChanges);
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
        const { overall, channels } = decodeWindowBlob(w.blob);
        this.windows.set(w.key, { key: w.key, interval, startMs: windowStart.getTime(), endMs, topk: overall, channels: new Map(channels), dirty: true });
        this.pendingBlobDrops.delete(w.key);
      }
    }
  }

  /**
   * Rebuilds a state from a checkpoint header and its window blobs (keyed by window key). A blob
   * from before channels holds the overall sketch alone: that window's channels start empty. Every
   * watermark is clamped to `nowMs` + the allowed skew: a checkpoint written after a far-future
   * record (before watermarks were bounded) must not keep every window closed.
   */
  static restore(
    options: ShardStateOptions,
    header: ShardHeader,
    blobs: ReadonlyMap<string, Uint8Array>,
    nowMs: number,
    moverStates: Iterable<{ productId: string; state: Float64Array }> = [],
  ): ShardState {
    if (header.format !== 1) throw new Error(`unsupported speed checkpoint format ${String(header.format)}`);
    const state = new ShardState(options);
    if (header.movers) state.movers = MoverTracker.restore(options.movers ?? {}, header.movers, moverStates);
    const bound = (ms: number): number => Math.min(ms, nowMs + state.maxClockSkewMs);
    state.nextOffset = BigInt(header.nextOffset);
    state.closedFloorMs = header.watermarkMs === null ? null : bound(header.watermarkMs);
    for (const [source, wm] of header.sourceWatermarks ?? []) state.sourceWatermarks.set(source, bound(wm));
    state.dedupe = FlushDedupe.restore(header.dedupe);
    for (const [key, endMs] of header.covered) state.covered.set(key, endMs);
    for (const key of header.windows) {
      const blob = blobs.get(key);
      if (!blob) throw new Error(`speed checkpoint is missing the state of window ${key}`);
      const { interval, windowStart } = parseWindowKey(key);
      const endMs = options.registry.windowAt(interval, windowStart).end.getTime();
      const { overall, channels } = decodeWindowBlob(blob);
      state.windows.set(key, { key, interval, startMs: windowStart.getTime(), endMs, topk: overall, channels: new Map(channels), dirty: false });
    }
    // Blobs of windows no longer open (left by a write that closed them) are dropped at the next write.
    for (const key of blobs.keys()) if (!state.windows.has(key)) state.pendingBlobDrops.add(key);
    return state;
  }
}

/**
 * A window's rows: per top list (the overall one and each channel's) the union of its top
 * `rowLimit` candidates by units and by revenue, each with both estimates and that list's error
 * bounds (eps·N per metric, N the list's own total).
 */
export function windowRows(w: WindowState, rowLimit: number): WindowRows {
  const channels = [...w.channels]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([channel, topk]) => ({ channel, ...topRows(topk, rowLimit) }));
  return {
    key: w.key,
    interval: w.interval,
    windowStart: new Date(w.startMs),
    ...topRows(w.topk, rowLimit),
    channels,
    blob: encodeWindowBlob({ overall: w.topk, channels: w.channels }),
  };
}

function topRows(topk: TopKSketch, rowLimit: number): TopRows {
  const limit = Math.min(rowLimit, topk.capacity);
  const byKey = new Map<string, { productId: string; units: number; revenueCents: number }>();
  for (const metric of ['units', 'revenue'] as const) {
    for (const e of topk.top(limit, metric)) byKey.set(e.key, { productId: e.key, units: e.units, revenueCents: e.revenueCents });
  }
  return {
    rows: [...byKey.values()].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)),
    unitsBound: topk.errorBound('units'),
    revenueBound: topk.errorBound('revenue'),
    unitsTotal: topk.totalCount('units'),
    revenueCentsTotal: topk.totalCount('revenue'),
  };
}
