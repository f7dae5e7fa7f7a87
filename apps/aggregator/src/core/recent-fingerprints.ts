/**
 * The duplicate window of one partition, by time: an event is a duplicate when a valid event with
 * the same `event_id` arrived (Kafka message timestamp) in the same partition at most `windowMs`
 * earlier (up to one bucket more: ids expire a whole bucket at a time).
 *
 * Memory is bounded: ids are kept as 64-bit fingerprints (two 32-bit halves of a cyrb53-style hash)
 * with their arrival bucket, in one open-addressing table (12 bytes a slot, at most
 * 2 × nextPow2(`maxIds`) slots). Expired buckets are dropped in place (a stale slot is reusable) and
 * swept by a rebuild when the table fills up. When the live ids reach `maxIds`, the oldest bucket is
 * evicted early (`evictedEarly` counts the ids it held): the window then spans less than `windowMs`.
 *
 * The time is the message's Kafka timestamp, not the wall clock, so a replay of the same offsets
 * (after a crash or a rebalance, warmed by re-reading the window before them) decides the same.
 * A false positive (a distinct id taken for a duplicate) needs a 64-bit fingerprint collision with
 * one of the n live ids: probability n / 2^64 per event (n = 10^6: 5.4·10^-14).
 */
export class RecentFingerprints {
  private hi: Uint32Array;
  private lo: Uint32Array;
  /** Bucket number − `baseBucket` + 1 of the slot's id; 0 = empty slot. */
  private stamp: Uint32Array;
  private mask: number;
  /** Slots not empty (live or expired). */
  private used = 0;
  /** Buckets still in the window: those ≥ liveFrom. */
  private liveFrom = 1;
  private newestBucket = 0;
  private baseBucket = Number.NaN;
  /** Live ids per bucket (stamp → count). */
  private readonly perBucket = new Map<number, number>();
  private live = 0;
  private readonly buckets: number;
  private readonly maxSlots: number;
  /** Ids dropped before their time because the window held `maxIds`. */
  evictedEarly = 0;

  constructor(
    readonly windowMs: number,
    readonly maxIds: number,
    readonly bucketMs: number = Math.max(1, Math.ceil(windowMs / 15)),
  ) {
    if (!(Number.isInteger(windowMs) && windowMs > 0)) throw new RangeError(`RecentFingerprints: windowMs must be a positive integer, got ${windowMs}`);
    if (!(Number.isInteger(maxIds) && maxIds > 0)) throw new RangeError(`RecentFingerprints: maxIds must be a positive integer, got ${maxIds}`);
    // One bucket more than the window: an id stays at least windowMs.
    this.buckets = Math.ceil(windowMs / bucketMs) + 1;
    this.maxSlots = 2 * nextPow2(maxIds);
    const initial = Math.min(1024, this.maxSlots);
    this.hi = new Uint32Array(initial);
    this.lo = new Uint32Array(initial);
    this.stamp = new Uint32Array(initial);
    this.mask = initial - 1;
  }

  /** Live ids (in the window). */
  get size(): number {
    return this.live;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.stamp.length * 12;
  }

  /** Bytes the table grows to at most (`maxIds` live ids). */
  get maxBytes(): number {
    return this.maxSlots * 12;
  }

  clear(): void {
    this.hi.fill(0);
    this.lo.fill(0);
    this.stamp.fill(0);
    this.used = 0;
    this.live = 0;
    this.liveFrom = 1;
    this.newestBucket = 0;
    this.baseBucket = Number.NaN;
    this.perBucket.clear();
  }

  /**
   * Records a valid event's id that arrived at `arrivalMs` and says whether it is a duplicate of
   * one in the window. A duplicate refreshes the id's arrival.
   */
  seen(id: string, arrivalMs: number): boolean {
    // cyrb53's two 32-bit lanes, both kept: a 64-bit fingerprint.
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < id.length; i++) {
      const ch = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return this.seenFingerprint(h1 >>> 0, h2 >>> 0, arrivalMs);
  }

  /** `seen` for a fingerprint given as two 32-bit halves (tests use it to force collisions). */
  seenFingerprint(hi: number, lo: number, arrivalMs: number): boolean {
    const bucket = this.bucketOf(arrivalMs);
    if (bucket > this.newestBucket) {
      this.newestBucket = bucket;
      this.expireBefore(bucket - this.buckets + 1, false);
    }
    // An arrival older than the window (a producer's clock behind) is judged against the window as is.
    const stampNow = Math.max(bucket, this.liveFrom);
    const H = this.hi;
    const L = this.lo;
    const S = this.stamp;
    let reusable = -1;
    for (let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask; ; slot = (slot + 1) & this.mask) {
      const s = S[slot] as number;
      if (s === 0) {
        if (reusable < 0) {
          reusable = slot;
          this.used++;
        }
        break;
      }
      if (s < this.liveFrom) {
        if (reusable < 0) reusable = slot; // expired: its slot may take the id, once we know the id is not further on
        continue;
      }
      if (H[slot] === hi && L[slot] === lo) {
        if (stampNow > s) {
          this.move(s, stampNow);
          S[slot] = stampNow;
        }
        return true;
      }
    }
    H[reusable] = hi;
    L[reusable] = lo;
    S[reusable] = stampNow;
    this.perBucket.set(stampNow, (this.perBucket.get(stampNow) ?? 0) + 1);
    this.live++;
    if (this.live > this.maxIds) this.evictOldest();
    if (this.used * 4 > this.stamp.length * 3) this.rebuild();
    return false;
  }

  private bucketOf(arrivalMs: number): number {
    const b = Math.floor(arrivalMs / this.bucketMs);
    if (Number.isNaN(this.baseBucket)) this.baseBucket = b - this.buckets;
    // Stamps are relative to the first arrival (Uint32); one from before it clamps to the oldest stamp.
    return Math.max(1, b - this.baseBucket);
  }

  private move(from: number, to: number): void {
    this.perBucket.set(from, (this.perBucket.get(from) ?? 1) - 1);
    this.perBucket.set(to, (this.perBucket.get(to) ?? 0) + 1);
  }

  private expireBefore(liveFrom: number, early: boolean): void {
    if (liveFrom <= this.liveFrom) return;
    for (const [b, n] of this.perBucket) {
      if (b >= liveFrom) continue;
      this.live -= n;
      if (early) this.evictedEarly += n;
      this.perBucket.delete(b);
    }
    this.liveFrom = liveFrom;
  }

  /** The cap: drop the oldest live bucket now. */
  private evictOldest(): void {
    let oldest = Infinity;
    for (const [b, n] of this.perBucket) if (n > 0 && b < oldest) oldest = b;
    // May pass the newest bucket (all ids in one bucket): later ids then take the stamp liveFrom.
    this.expireBefore(oldest + 1, true);
  }

  /** Re-inserts the live ids into a table sized for them (drops expired slots). */
  private rebuild(): void {
    let slots = this.stamp.length;
    while (this.live * 2 > slots && slots < this.maxSlots) slots *= 2;
    const { hi, lo, stamp } = this;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.stamp = new Uint32Array(slots);
    this.mask = slots - 1;
    this.used = 0;
    for (let i = 0; i < stamp.length; i++) {
      const s = stamp[i] as number;
      if (s < this.liveFrom) continue;
      const h = hi[i] as number;
      const l = lo[i] as number;
      let slot = (l ^ Math.imul(h, 0x9e3779b1)) & this.mask;
      while (this.stamp[slot] !== 0) slot = (slot + 1) & this.mask;
      this.hi[slot] = h;
      this.lo[slot] = l;
      this.stamp[slot] = s;
      this.used++;
    }
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
