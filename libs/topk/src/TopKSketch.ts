import type { Metric } from '@hitboard/schema';
import { ByteReader, ByteWriter } from './bytes';
import { CandidateHeap } from './CandidateHeap';
import { assertCount, CountMinSketch, type SketchDimensions } from './CountMinSketch';
import { DEFAULT_CANDIDATES, DEFAULT_SKETCH_PARAMS } from './defaults';
import { SketchDecodeError, SketchParameterMismatchError, TopKError } from './errors';
import { wellFormedKey } from './hash';
import type { Monoid } from './Monoid';

/** Counter plane of each metric in the sketch. */
const PLANE: Record<Metric, number> = { units: 0, revenue: 1 };

export interface TopKParams {
  /** Relative additive error of the sketch (see `CountMinSketch`). */
  eps: number;
  /** Probability that one key's estimate exceeds its bound. */
  delta: number;
  /** Hash seed: every state that will be merged must share it. */
  seed: number;
  /** Candidates kept per metric; keep it far above the K you serve. */
  capacity: number;
}

/** One ranked row. True values lie in [estimate - bound, estimate] with probability `confidence`. */
export interface TopKEntry {
  key: string;
  /** Estimated units: never below the true count. */
  units: number;
  /** Estimated revenue in cents: never below the true sum. */
  revenueCents: number;
  /** ceil(eps · total units in the state). */
  unitsBound: number;
  /** ceil(eps · total revenue cents in the state). */
  revenueBound: number;
}

const MAGIC = 0x4b544248; // 'HBTK' little-endian
const VERSION = 1;
/** How many times admission re-estimates a stale weakest candidate before comparing. */
const MAX_ROOT_REFRESH = 4;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function byScoreThenKey(a: { key: string; score: number }, b: { key: string; score: number }): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Top-K over a stream of (key, units, revenueCents): a two-plane count-min sketch (units,
 * revenue cents) plus, per metric, a candidate set much larger than K (Cormode &
 * Muthukrishnan 2005, section 5.1 "heavy hitters": the sketch remembers every key's count,
 * the candidates remember which keys to ask about).
 *
 * `add` updates the sketch, then offers the key to each metric's candidates with its new
 * estimate: it enters when the set has room or when its estimate beats the weakest
 * candidate's. A key that was turned away is not forgotten: the sketch keeps counting it,
 * so it enters as soon as its estimate is high enough. Stored candidate scores only lag
 * (estimates only grow), so `top` re-estimates every candidate from the sketch.
 *
 * `plus` merges the sketches exactly, takes the union of both candidate sets, re-estimates
 * each candidate from the merged sketch and keeps the best `capacity` per metric.
 *
 * Not exactly associative once a union exceeds `capacity`: truncation happens at different
 * points in (a+b)+c and a+(b+c), and a key that sits just below the cut in every part (but
 * whose merged total would make the cut) is lost: the top-N-of-merged-top-Ns bias. The
 * merged sketch itself is exact, and so is the candidate set while unions fit in
 * `capacity`. For the top K that is served, what matters is that every true top-K key is a
 * candidate in some part; with capacity >> K (1000 vs 10) the cut is far below #K.
 * `plus` is commutative (ties break by key).
 */
export class TopKSketch {
  readonly capacity: number;
  private readonly sketch: CountMinSketch;
  private readonly heaps: readonly [CandidateHeap, CandidateHeap];
  private readonly offsets: Uint32Array;
  private readonly rootOffsets: Uint32Array;
  private readonly counts = new Float64Array(2);
  private readonly estimates = new Float64Array(2);

  private constructor(sketch: CountMinSketch, capacity: number) {
    if (sketch.planes !== 2) throw new TopKError(`a top-K sketch needs 2 planes (units, revenue), got ${sketch.planes}`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new TopKError(`capacity must be a positive integer, got ${capacity}`);
    this.sketch = sketch;
    this.capacity = capacity;
    this.heaps = [new CandidateHeap(capacity), new CandidateHeap(capacity)];
    this.offsets = new Uint32Array(sketch.depth);
    this.rootOffsets = new Uint32Array(sketch.depth);
  }

  /** An empty state; every parameter defaults to DEFAULT_SKETCH_PARAMS / DEFAULT_CANDIDATES. */
  static create(params: Partial<TopKParams> = {}): TopKSketch {
    const { eps, delta, seed } = { ...DEFAULT_SKETCH_PARAMS, ...params };
    const capacity = params.capacity ?? DEFAULT_CANDIDATES;
    return new TopKSketch(CountMinSketch.create({ eps, delta, seed, planes: 2 }), capacity);
  }

  /** Width, depth, seed and planes of the underlying sketch. */
  get dimensions(): SketchDimensions {
    return this.sketch.dimensions;
  }

  /** Probability (1 - delta) with which each estimate is within its bound. */
  get confidence(): number {
    return 1 - this.sketch.delta;
  }

  /** The eps the sketch guarantees (e / width). */
  get eps(): number {
    return this.sketch.eps;
  }

  /** Bytes held by the sketch counters (the candidates add roughly 100 B per key). */
  get sketchBytes(): number {
    return this.sketch.counterBytes;
  }

  /** Records a sale line or a pre-summed record: both counts are non-negative integers. */
  add(key: string, units: number, revenueCents: number): void {
    assertCount(units, 'units');
    assertCount(revenueCents, 'revenueCents');
    const counts = this.counts;
    counts[0] = units;
    counts[1] = revenueCents;
    const estimates = this.estimates;
    // Checks both counts and totals before changing anything, so a bad record changes nothing.
    this.sketch.addAllAt(this.sketch.hashInto(key, this.offsets), counts, estimates);
    this.admit(0, key, estimates[0]!);
    this.admit(1, key, estimates[1]!);
  }

  private admit(plane: number, key: string, score: number): void {
    const heap = this.heaps[plane]!;
    const full = heap.size === heap.capacity;
    // Fast exit, with no Map lookup, for most of a long tail: a key at or below the weakest
    // stored score is either not a candidate, or a candidate whose stored score already
    // equals its estimate (stored <= estimate <= weakest <= stored).
    if (full && !(score > heap.minScore)) return;
    if (heap.updateIfPresent(key, score)) return;
    if (full) {
      // The weakest candidate's stored score is a lower bound of its estimate now: refresh it
      // before evicting it, so a key only enters by beating a current estimate.
      for (let i = 0; i < MAX_ROOT_REFRESH && score > heap.minScore; i++) {
        const fresh = this.sketch.estimateAt(this.sketch.hashInto(heap.minKey!, this.rootOffsets), plane);
        if (fresh <= heap.minScore) break;
        heap.updateMin(fresh);
      }
    }
    heap.offer(wellFormedKey(key), score);
  }

  /**
   * Whether `add(key, units, revenueCents)` would succeed: valid counts whose totals stay exact
   * (≤ 2^53 - 1). Lets a caller that adds one record to several states check all of them first,
   * so a record is applied everywhere or nowhere.
   */
  fits(units: number, revenueCents: number): boolean {
    return (
      Number.isSafeInteger(units) &&
      units >= 0 &&
      Number.isSafeInteger(revenueCents) &&
      revenueCents >= 0 &&
      this.totalCount('units') + units <= Number.MAX_SAFE_INTEGER &&
      this.totalCount('revenue') + revenueCents <= Number.MAX_SAFE_INTEGER
    );
  }

  /** Estimated units and revenue of any key (candidate or not). */
  estimate(key: string): { units: number; revenueCents: number } {
    const offsets = this.sketch.hashInto(key, this.offsets);
    return { units: this.sketch.estimateAt(offsets, 0), revenueCents: this.sketch.estimateAt(offsets, 1) };
  }

  /** Total units or revenue cents added (N of that plane). */
  totalCount(metric: Metric): number {
    return this.sketch.totalCount(PLANE[metric]);
  }

  /** ceil(eps · N) for the metric: each estimate exceeds the truth by at most this, w.p. `confidence`. */
  errorBound(metric: Metric): number {
    return this.sketch.errorBound(PLANE[metric]);
  }

  /** The current candidate keys for a metric (unordered). */
  candidates(metric: Metric): string[] {
    return [...this.heaps[PLANE[metric]]!.keys()];
  }

  /**
   * The best `k` candidates by `metric`, re-estimated from the sketch, highest first (ties by
   * key). Keys whose estimate for `metric` is 0 are left out, so an empty state gives [].
   * `k` may not exceed `capacity`: beyond it the list would not be a top list.
   */
  top(k: number, metric: Metric = 'units'): TopKEntry[] {
    if (!Number.isInteger(k) || k < 0) throw new TopKError(`k must be a non-negative integer, got ${k}`);
    if (k > this.capacity) throw new TopKError(`k = ${k} exceeds the candidate capacity ${this.capacity}: build the state with a larger capacity`);
    const plane = PLANE[metric];
    const rows: { key: string; score: number; units: number; revenueCents: number }[] = [];
    for (const key of this.heaps[plane]!.keys()) {
      const offsets = this.sketch.hashInto(key, this.offsets);
      const units = this.sketch.estimateAt(offsets, 0);
      const revenueCents = this.sketch.estimateAt(offsets, 1);
      const score = plane === 0 ? units : revenueCents;
      if (score > 0) rows.push({ key, score, units, revenueCents });
    }
    rows.sort(byScoreThenKey);
    const unitsBound = this.sketch.errorBound(0);
    const revenueBound = this.sketch.errorBound(1);
    return rows.slice(0, k).map(({ key, units, revenueCents }) => ({ key, units, revenueCents, unitsBound, revenueBound }));
  }

  /** Throws `SketchParameterMismatchError` unless capacity and sketch dimensions agree. */
  assertCompatible(other: TopKSketch): void {
    if (this.capacity !== other.capacity) throw new SketchParameterMismatchError('capacity', this.capacity, other.capacity);
    this.sketch.assertCompatible(other.sketch);
  }

  /** The merged state (see the class comment for what is and is not exact). Pure. */
  plus(other: TopKSketch): TopKSketch {
    return TopKSketch.sum([this, other]);
  }

  /**
   * Merges any number of states at once: sums the sketches, then re-estimates the union of
   * all candidate sets once and keeps the best `capacity` per metric. Equal to a fold of
   * `plus` while no union exceeds `capacity`; past that it truncates once instead of at
   * every step, which can only keep more of the true top. Throws on an empty input (there
   * are no parameters to build a zero from; use `topKMonoid(params).sum`).
   */
  static sum(states: Iterable<TopKSketch>): TopKSketch {
    const parts = [...states];
    const first = parts[0];
    if (first === undefined) throw new TopKError('TopKSketch.sum needs at least one state');
    for (const p of parts) first.assertCompatible(p);
    const sketch = first.sketch.clone();
    for (let i = 1; i < parts.length; i++) sketch.mergeInPlace(parts[i]!.sketch);
    const out = new TopKSketch(sketch, first.capacity);
    for (let plane = 0; plane < 2; plane++) {
      const union = new Set<string>();
      for (const p of parts) for (const key of p.heaps[plane]!.keys()) union.add(key);
      out.fill(plane, union);
    }
    return out;
  }

  /** Re-estimates `keys` from this state's sketch and keeps the best `capacity` for `plane`. */
  private fill(plane: number, keys: Iterable<string>): void {
    const scored: { key: string; score: number }[] = [];
    for (const key of keys) scored.push({ key, score: this.sketch.estimateAt(this.sketch.hashInto(key, this.offsets), plane) });
    if (scored.length > this.capacity) scored.sort(byScoreThenKey);
    const heap = this.heaps[plane]!;
    for (let i = 0; i < scored.length && i < this.capacity; i++) heap.offer(scored[i]!.key, scored[i]!.score);
  }

  clone(): TopKSketch {
    return TopKSketch.sum([this]);
  }

  /**
   * Same capacity, identical sketch (dimensions, totals, every counter) and the same
   * candidate key set per metric. Candidate scores are not compared: they are lagging lower
   * bounds, and everything that reads them re-estimates first.
   */
  equals(other: TopKSketch): boolean {
    if (this.capacity !== other.capacity || !this.sketch.equals(other.sketch)) return false;
    for (let plane = 0; plane < 2; plane++) {
      const a = this.heaps[plane]!;
      const b = other.heaps[plane]!;
      if (a.size !== b.size) return false;
      for (const key of a.keys()) if (!b.has(key)) return false;
    }
    return true;
  }

  /**
   * Checkpoint format, version 1 (little-endian):
   *
   *   u32 magic 'HBTK' | u8 version | u8 metrics (2) | u16 reserved (0) | u32 capacity
   *   the sketch (CountMinSketch format, self-delimiting)
   *   per metric (units, revenue): u32 count, then count × (varint byte length, UTF-8 key)
   *
   * Candidate scores are not stored: `decode` re-estimates them from the sketch.
   */
  encode(): Uint8Array {
    const w = new ByteWriter(3 * this.sketch.counterBytes / 8 + 64 * this.capacity);
    w.u32(MAGIC);
    w.u8(VERSION);
    w.u8(2);
    w.u8(0);
    w.u8(0);
    w.u32(this.capacity);
    this.sketch.encodeInto(w);
    for (const heap of this.heaps) {
      w.u32(heap.size);
      for (const key of heap.keys()) {
        const bytes = utf8Encoder.encode(key);
        w.varint(bytes.length);
        w.bytes(bytes);
      }
    }
    return w.finish();
  }

  /** Decodes and validates `encode`'s output; throws `SketchDecodeError` on anything wrong. */
  static decode(bytes: Uint8Array): TopKSketch {
    const r = new ByteReader(bytes);
    const magic = r.u32('magic');
    if (magic !== MAGIC) throw new SketchDecodeError(`not a top-K state: bad magic 0x${magic.toString(16)}`);
    const version = r.u8('version');
    if (version !== VERSION) throw new SketchDecodeError(`unsupported top-K state version ${version} (this build reads ${VERSION})`);
    const metrics = r.u8('metric count');
    if (metrics !== 2) throw new SketchDecodeError(`expected 2 metrics, got ${metrics}`);
    if (r.u8('reserved') !== 0 || r.u8('reserved') !== 0) throw new SketchDecodeError('reserved header bytes must be 0');
    const capacity = r.u32('capacity');
    if (capacity < 1) throw new SketchDecodeError('capacity must be positive');
    const sketch = CountMinSketch.decodeFrom(r);
    if (sketch.planes !== 2) throw new SketchDecodeError(`top-K sketch must have 2 planes, got ${sketch.planes}`);
    const out = new TopKSketch(sketch, capacity);
    for (let plane = 0; plane < 2; plane++) {
      const count = r.u32('candidate count');
      if (count > capacity) throw new SketchDecodeError(`${count} candidates exceed capacity ${capacity}`);
      const keys = new Set<string>();
      for (let i = 0; i < count; i++) {
        const len = r.varint('key length');
        let key: string;
        try {
          key = utf8Decoder.decode(r.bytes(len, 'key'));
        } catch (e) {
          if (e instanceof SketchDecodeError) throw e;
          throw new SketchDecodeError(`candidate key ${i} is not valid UTF-8`, { cause: e });
        }
        if (keys.has(key)) throw new SketchDecodeError(`duplicate candidate key ${JSON.stringify(key)}`);
        keys.add(key);
      }
      out.fill(plane, keys);
    }
    r.expectEnd('the top-K state');
    return out;
  }
}

/**
 * The monoid of top-K states built from `params` (defaults: DEFAULT_SKETCH_PARAMS,
 * DEFAULT_CANDIDATES). `zero()` is an empty state with those parameters; `plus` and `sum`
 * are `TopKSketch.plus` / `TopKSketch.sum` (see there for the associativity caveat).
 */
export function topKMonoid(params: Partial<TopKParams> = {}): Monoid<TopKSketch> {
  const zero = (): TopKSketch => TopKSketch.create(params);
  return {
    zero,
    plus: (a, b) => a.plus(b),
    sum: (states) => {
      const parts = [...states];
      return parts.length === 0 ? zero() : TopKSketch.sum(parts);
    },
  };
}
