import { ByteReader, ByteWriter } from './bytes';
import { InvalidCountError, SafeIntegerOverflowError, SketchDecodeError, SketchParameterMismatchError, TopKError } from './errors';
import { fmix32, murmur3Pair } from './hash';
import type { Monoid } from './Monoid';

/** Accuracy wanted from a sketch: additive error at most eps·N with probability 1 - delta. */
export interface SketchAccuracy {
  /** Relative additive error, 0 < eps < 1. */
  eps: number;
  /** Probability that one key's estimate exceeds the bound, 0 < delta < 1. */
  delta: number;
}

/** What travels inside a sketch and must agree for two sketches to merge. */
export interface SketchDimensions {
  /** Counters per row. */
  width: number;
  /** Rows, each with its own hash. */
  depth: number;
  /** Unsigned 32-bit seed of the hash family. */
  seed: number;
  /** Independent counter planes sharing the hashes (one per metric). */
  planes: number;
}

export const MAX_DEPTH = 32;
export const MAX_PLANES = 8;
/** 2^27 float64 counters = 1 GiB: anything larger is a configuration mistake. */
export const MAX_COUNTERS = 2 ** 27;

// See hash.ts: globals used in hot loops are read once.
const imul = Math.imul;
const isSafeInteger = Number.isSafeInteger;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INF = Number.POSITIVE_INFINITY;

const MAGIC = 0x4d434248; // 'HBCM' little-endian
const VERSION = 1;
/** Mixed into the seed for the second hash of the double-hashing pair. */
const SEED2_SALT = 0x9e3779b9;

/**
 * Sizing from Cormode & Muthukrishnan, "An improved data stream summary: the count-min
 * sketch and its applications", J. Algorithms 55(1), 2005
 * (https://doi.org/10.1016/j.jalgor.2003.12.001):
 *
 *   width = ceil(e / eps)        depth = ceil(ln(1 / delta))
 *
 * Each row's overestimate has expectation at most N/width = eps·N/e, so by Markov it exceeds
 * eps·N with probability at most 1/e; the rows hash independently, so all `depth` rows
 * exceed it with probability at most e^-depth <= delta.
 */
export function sketchDimensions(accuracy: SketchAccuracy): { width: number; depth: number } {
  const { eps, delta } = accuracy;
  if (!(eps > 0 && eps < 1)) throw new TopKError(`eps must be in (0, 1), got ${eps}`);
  if (!(delta > 0 && delta < 1)) throw new TopKError(`delta must be in (0, 1), got ${delta}`);
  return { width: Math.ceil(Math.E / eps), depth: Math.ceil(Math.log(1 / delta)) };
}

/** Throws `InvalidCountError` unless `count` is a non-negative safe integer. */
export function assertCount(count: number, what = 'count'): void {
  if (!(count >= 0) || !isSafeInteger(count)) {
    throw new InvalidCountError(`${what} must be a non-negative safe integer, got ${count}`);
  }
}

/**
 * Count-min sketch (Cormode & Muthukrishnan 2005) over string keys, with one or more counter
 * planes that share the hashes: a sale adds its units to plane 0 and its revenue cents to
 * plane 1 after hashing the product id once. For every key and plane,
 *
 *   true <= estimate(key)                          always (counts are non-negative)
 *   estimate(key) - true <= errorBound() = ceil(eps·N)   with probability >= 1 - delta
 *
 * where N is the plane's total count, eps = e / width and delta = e^-depth.
 *
 * Width, depth, seed and planes live inside the sketch; merging sketches that differ in any
 * of them throws `SketchParameterMismatchError` naming the parameter.
 *
 * Counters are a Float64Array: doubles hold every integer up to 2^53 exactly and adding
 * them is one machine instruction. Uint32 would overflow on revenue cents (2^32 cents is
 * $43M), and BigUint64 costs a BigInt conversion per add. Every counter of a plane is at most
 * that plane's N, so one guard (N stays <= 2^53 - 1, else `SafeIntegerOverflowError`) keeps
 * every counter exact.
 *
 * Hashing: murmur3 of the key's UTF-8 bytes under two seeds derived from the sketch seed
 * gives h1, h2 (64 bits of key hash, so two keys collide in every row with probability
 * 2^-64, not 2^-32). Row i uses column fmix32(h1 + i·h2) mod width: Kirsch–Mitzenmacher
 * double hashing ("Less hashing, same performance", ESA 2006), with the murmur finaliser on
 * top so the rows are not linear in one another modulo width.
 */
export class CountMinSketch {
  readonly width: number;
  readonly depth: number;
  readonly seed: number;
  readonly planes: number;
  /**
   * Counters, laid out [row][column][plane]: the planes of one cell share a cache line, so
   * adding a sale's units and revenue costs `depth` cache misses, not 2·depth (the sketch is
   * larger than the cache, and misses are most of the cost of an add).
   */
  private readonly counters: Float64Array;
  /** N per plane. */
  private readonly totals: Float64Array;
  private readonly seed2: number;
  /** Scratch for `add`/`estimate` by key: one flat counter offset per row. */
  private readonly scratch: Uint32Array;
  private readonly pair = new Uint32Array(2);

  private constructor(dims: SketchDimensions, counters?: Float64Array, totals?: Float64Array) {
    const { width, depth, seed, planes } = dims;
    if (!Number.isInteger(width) || width < 1) throw new TopKError(`width must be a positive integer, got ${width}`);
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
      throw new TopKError(`depth must be an integer in [1, ${MAX_DEPTH}], got ${depth} (delta = e^-depth; depth 5 is already delta < 0.7%)`);
    }
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new TopKError(`seed must be an unsigned 32-bit integer, got ${seed}`);
    if (!Number.isInteger(planes) || planes < 1 || planes > MAX_PLANES) throw new TopKError(`planes must be an integer in [1, ${MAX_PLANES}], got ${planes}`);
    if (width * depth * planes > MAX_COUNTERS) {
      throw new TopKError(`width·depth·planes = ${width * depth * planes} counters exceeds ${MAX_COUNTERS}: raise eps or delta`);
    }
    this.width = width;
    this.depth = depth;
    this.seed = seed;
    this.planes = planes;
    this.counters = counters ?? new Float64Array(width * depth * planes);
    this.totals = totals ?? new Float64Array(planes);
    this.seed2 = fmix32(seed ^ SEED2_SALT);
    this.scratch = new Uint32Array(depth);
  }

  /** An empty sketch sized from (eps, delta) with `sketchDimensions`. */
  static create(options: SketchAccuracy & { seed?: number; planes?: number }): CountMinSketch {
    const { width, depth } = sketchDimensions(options);
    return new CountMinSketch({ width, depth, seed: options.seed ?? 0, planes: options.planes ?? 1 });
  }

  /** An empty sketch with exactly these dimensions. */
  static withDimensions(dims: SketchDimensions): CountMinSketch {
    return new CountMinSketch(dims);
  }

  get dimensions(): SketchDimensions {
    return { width: this.width, depth: this.depth, seed: this.seed, planes: this.planes };
  }

  /** The eps this sketch guarantees: e / width (at most the eps it was built from). */
  get eps(): number {
    return Math.E / this.width;
  }

  /** The delta this sketch guarantees: e^-depth (at most the delta it was built from). */
  get delta(): number {
    return Math.exp(-this.depth);
  }

  /** Bytes held by the counters. */
  get counterBytes(): number {
    return this.counters.byteLength;
  }

  /**
   * Writes into `out[i]` the offset of `key`'s cell in row i (plane 0 of it; plane p is at
   * +p). Callers that touch several planes for one key hash once with this and then use
   * `addAt` / `addAllAt` / `estimateAt`. `out` needs `depth` entries.
   */
  hashInto(key: string, out: Uint32Array): Uint32Array {
    const pair = murmur3Pair(key, this.seed, this.seed2, this.pair);
    const h1 = pair[0]!;
    const h2 = pair[1]!;
    const width = this.width;
    const planes = this.planes;
    for (let i = 0; i < this.depth; i++) {
      out[i] = (i * width + (fmix32((h1 + imul(i, h2)) | 0) % width)) * planes;
    }
    return out;
  }

  /** Adds `count` to `plane` at pre-hashed offsets and returns the new estimate. */
  addAt(offsets: Uint32Array, count: number, plane = 0): number {
    assertCount(count);
    this.checkPlane(plane);
    const total = this.totals[plane]! + count;
    if (total > MAX_SAFE) throw new SafeIntegerOverflowError(`sketch plane ${plane} total`, this.totals[plane]!, count);
    this.totals[plane] = total;
    const c = this.counters;
    let min = INF;
    for (let i = 0; i < this.depth; i++) {
      const j = offsets[i]! + plane;
      const v = c[j]! + count;
      c[j] = v;
      if (v < min) min = v;
    }
    return min;
  }

  /**
   * Adds `counts[p]` to every plane p at pre-hashed offsets in one pass over the rows, and
   * writes each plane's new estimate into `estimates[p]`. Checks every count (and that no
   * total overflows) before changing anything.
   */
  addAllAt(offsets: Uint32Array, counts: ArrayLike<number>, estimates: Float64Array): void {
    const planes = this.planes;
    if (counts.length !== planes) throw new TopKError(`expected ${planes} counts, got ${counts.length}`);
    for (let p = 0; p < planes; p++) {
      const count = counts[p]!;
      assertCount(count);
      if (this.totals[p]! + count > MAX_SAFE) throw new SafeIntegerOverflowError(`sketch plane ${p} total`, this.totals[p]!, count);
    }
    for (let p = 0; p < planes; p++) {
      this.totals[p]! += counts[p]!;
      estimates[p] = INF;
    }
    const c = this.counters;
    for (let i = 0; i < this.depth; i++) {
      const base = offsets[i]!;
      for (let p = 0; p < planes; p++) {
        const v = c[base + p]! + counts[p]!;
        c[base + p] = v;
        if (v < estimates[p]!) estimates[p] = v;
      }
    }
  }

  /** The estimate for `plane` at pre-hashed offsets. */
  estimateAt(offsets: Uint32Array, plane = 0): number {
    this.checkPlane(plane);
    const c = this.counters;
    let min = INF;
    for (let i = 0; i < this.depth; i++) {
      const v = c[offsets[i]! + plane]!;
      if (v < min) min = v;
    }
    return min;
  }

  /** Adds a non-negative integer `count` for `key` to `plane`; returns the key's new estimate. */
  add(key: string, count = 1, plane = 0): number {
    return this.addAt(this.hashInto(key, this.scratch), count, plane);
  }

  /** Upper estimate of `key`'s count in `plane`: never below the true count. */
  estimate(key: string, plane = 0): number {
    return this.estimateAt(this.hashInto(key, this.scratch), plane);
  }

  /** N: the sum of every count added to `plane`. */
  totalCount(plane = 0): number {
    this.checkPlane(plane);
    return this.totals[plane]!;
  }

  /**
   * ceil(eps·N): with probability at least 1 - delta (see `delta`), a key's estimate exceeds
   * its true count by at most this much.
   */
  errorBound(plane = 0): number {
    return Math.ceil(this.eps * this.totalCount(plane));
  }

  /** Throws `SketchParameterMismatchError` unless `other` has the same dimensions. */
  assertCompatible(other: CountMinSketch): void {
    if (this.planes !== other.planes) throw new SketchParameterMismatchError('planes', this.planes, other.planes);
    if (this.width !== other.width) throw new SketchParameterMismatchError('width', this.width, other.width);
    if (this.depth !== other.depth) throw new SketchParameterMismatchError('depth', this.depth, other.depth);
    if (this.seed !== other.seed) throw new SketchParameterMismatchError('seed', this.seed, other.seed);
  }

  /** Adds `other` into this sketch (counter-wise sum). Mutates `this` only. */
  mergeInPlace(other: CountMinSketch): this {
    this.assertCompatible(other);
    for (let p = 0; p < this.planes; p++) {
      const total = this.totals[p]! + other.totals[p]!;
      if (total > Number.MAX_SAFE_INTEGER) throw new SafeIntegerOverflowError(`sketch plane ${p} total`, this.totals[p]!, other.totals[p]!);
    }
    for (let p = 0; p < this.planes; p++) this.totals[p]! += other.totals[p]!;
    const a = this.counters;
    const b = other.counters;
    for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
    return this;
  }

  /** A new sketch holding the counter-wise sum; neither argument changes. */
  plus(other: CountMinSketch): CountMinSketch {
    this.assertCompatible(other);
    return this.clone().mergeInPlace(other);
  }

  clone(): CountMinSketch {
    return new CountMinSketch(this.dimensions, this.counters.slice(), this.totals.slice());
  }

  /** Same dimensions, totals and counters. */
  equals(other: CountMinSketch): boolean {
    if (this.planes !== other.planes || this.width !== other.width || this.depth !== other.depth || this.seed !== other.seed) return false;
    for (let p = 0; p < this.planes; p++) if (this.totals[p] !== other.totals[p]) return false;
    const a = this.counters;
    const b = other.counters;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * Checkpoint format, version 1 (little-endian):
   *
   *   u32 magic 'HBCM' | u8 version | u8 planes | u16 reserved (0)
   *   u32 width | u32 depth | u32 seed | f64 N × planes
   *   counters as unsigned LEB128 varints, in memory order [row][column][plane]
   *
   * Varints: a wide sketch's counters are mostly small, so this is ~3x smaller than raw
   * float64s (the bench prints the size). `decode` validates everything it reads.
   */
  encode(): Uint8Array {
    const w = new ByteWriter(24 + 8 * this.planes + 3 * this.counters.length);
    this.encodeInto(w);
    return w.finish();
  }

  /** @internal Writes the encoding into a writer (used by TopKSketch). */
  encodeInto(w: ByteWriter): void {
    w.u32(MAGIC);
    w.u8(VERSION);
    w.u8(this.planes);
    w.u8(0);
    w.u8(0);
    w.u32(this.width);
    w.u32(this.depth);
    w.u32(this.seed);
    for (let p = 0; p < this.planes; p++) w.f64(this.totals[p]!);
    const c = this.counters;
    for (let i = 0; i < c.length; i++) w.varint(c[i]!);
  }

  /**
   * Decodes and validates `encode`'s output: magic, version, dimensions, every counter a safe
   * integer, and every row of a plane summing to exactly that plane's N (each add touches
   * one counter per row, so any corruption of a counter breaks its row's sum). Throws
   * `SketchDecodeError` on truncated, trailing or corrupt bytes.
   */
  static decode(bytes: Uint8Array): CountMinSketch {
    const r = new ByteReader(bytes);
    const sketch = CountMinSketch.decodeFrom(r);
    r.expectEnd('the sketch');
    return sketch;
  }

  /** @internal Reads one sketch from a reader (used by TopKSketch). */
  static decodeFrom(r: ByteReader): CountMinSketch {
    const magic = r.u32('magic');
    if (magic !== MAGIC) throw new SketchDecodeError(`not a count-min sketch: bad magic 0x${magic.toString(16)}`);
    const version = r.u8('version');
    if (version !== VERSION) throw new SketchDecodeError(`unsupported sketch version ${version} (this build reads ${VERSION})`);
    const planes = r.u8('planes');
    if (r.u8('reserved') !== 0 || r.u8('reserved') !== 0) throw new SketchDecodeError('reserved header bytes must be 0');
    const width = r.u32('width');
    const depth = r.u32('depth');
    const seed = r.u32('seed');
    let sketch: CountMinSketch;
    try {
      sketch = new CountMinSketch({ width, depth, seed, planes });
    } catch (e) {
      throw new SketchDecodeError(`invalid dimensions in header: ${(e as Error).message}`, { cause: e });
    }
    for (let p = 0; p < planes; p++) {
      const n = r.f64(`N of plane ${p}`);
      if (!(n >= 0) || !Number.isSafeInteger(n)) throw new SketchDecodeError(`N of plane ${p} is not a non-negative safe integer: ${n}`);
      sketch.totals[p] = n;
    }
    const c = sketch.counters;
    const totals = sketch.totals;
    const rowSums = new Float64Array(planes);
    let i = 0;
    for (let row = 0; row < depth; row++) {
      rowSums.fill(0);
      for (let col = 0; col < width; col++) {
        for (let p = 0; p < planes; p++, i++) {
          const v = r.varint('counter');
          c[i] = v;
          // Stays exact: a partial sum above N (<= 2^53 - 1) is rejected at once.
          const sum = (rowSums[p] = rowSums[p]! + v);
          if (sum > totals[p]!) throw new SketchDecodeError(`corrupt sketch: row ${row} of plane ${p} exceeds header N ${totals[p]}`);
        }
      }
      for (let p = 0; p < planes; p++) {
        if (rowSums[p] !== totals[p]) {
          throw new SketchDecodeError(`corrupt sketch: row ${row} of plane ${p} sums to ${rowSums[p]}, header N is ${totals[p]}`);
        }
      }
    }
    return sketch;
  }

  private checkPlane(plane: number): void {
    if (!(plane >= 0 && plane < this.planes)) throw new TopKError(`plane ${plane} out of range [0, ${this.planes})`);
  }
}

/**
 * The monoid of count-min sketches with the given dimensions: zero is the empty sketch,
 * plus is the counter-wise sum. Exactly associative and commutative (integer sums below
 * 2^53 are exact in float64); plus refuses sketches with other dimensions.
 */
export function countMinMonoid(dims: SketchDimensions): Monoid<CountMinSketch> {
  const zero = (): CountMinSketch => CountMinSketch.withDimensions(dims);
  return {
    zero,
    plus: (a, b) => a.plus(b),
    sum: (sketches) => {
      const acc = zero();
      for (const s of sketches) acc.mergeInPlace(s);
      return acc;
    },
  };
}
