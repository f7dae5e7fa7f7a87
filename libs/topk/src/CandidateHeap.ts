/**
 * A bounded min-heap of (key, score) with O(1) membership: the candidate set behind
 * `TopKSketch`. The root is the weakest candidate, so "does this key beat the smallest
 * candidate?" is one comparison and replacing it is O(log capacity).
 *
 * Scores are whatever the owner last told us; `TopKSketch` keeps them as lower bounds of the
 * keys' current sketch estimates and re-estimates before it answers anything.
 */
const NEG_INF = Number.NEGATIVE_INFINITY; // read once: see hash.ts

export class CandidateHeap {
  private readonly keyAt: string[] = [];
  private readonly scoreAt: Float64Array;
  private readonly indexOf = new Map<string, number>();

  constructor(readonly capacity: number) {
    this.scoreAt = new Float64Array(capacity);
  }

  get size(): number {
    return this.keyAt.length;
  }

  has(key: string): boolean {
    return this.indexOf.has(key);
  }

  /** The weakest candidate's key and score; undefined when empty. */
  get minKey(): string | undefined {
    return this.keyAt[0];
  }

  get minScore(): number {
    return this.keyAt.length === 0 ? NEG_INF : this.scoreAt[0]!;
  }

  keys(): IterableIterator<string> {
    return this.keyAt.values();
  }

  /**
   * Offers `key` with `score`: updates it if present, inserts it if there is room, or
   * replaces the weakest candidate if `score` is strictly greater. Returns whether `key` is
   * a candidate afterwards.
   */
  offer(key: string, score: number): boolean {
    const i = this.indexOf.get(key);
    if (i !== undefined) {
      this.update(i, score);
      return true;
    }
    const n = this.keyAt.length;
    if (n < this.capacity) {
      this.keyAt.push(key);
      this.scoreAt[n] = score;
      this.indexOf.set(key, n);
      this.siftUp(n);
      return true;
    }
    if (!(score > this.scoreAt[0]!)) return false;
    this.indexOf.delete(this.keyAt[0]!);
    this.keyAt[0] = key;
    this.scoreAt[0] = score;
    this.indexOf.set(key, 0);
    this.siftDown(0);
    return true;
  }

  /** Sets `key`'s score if it is a candidate (one lookup); returns whether it was. */
  updateIfPresent(key: string, score: number): boolean {
    const i = this.indexOf.get(key);
    if (i === undefined) return false;
    this.update(i, score);
    return true;
  }

  /** Sets the weakest candidate's score (after re-estimating it) and restores heap order. */
  updateMin(score: number): void {
    if (this.keyAt.length > 0) this.update(0, score);
  }

  private update(i: number, score: number): void {
    const old = this.scoreAt[i]!;
    this.scoreAt[i] = score;
    if (score > old) this.siftDown(i);
    else if (score < old) this.siftUp(i);
  }

  private swap(i: number, j: number): void {
    const ki = this.keyAt[i]!;
    const kj = this.keyAt[j]!;
    const si = this.scoreAt[i]!;
    this.keyAt[i] = kj;
    this.scoreAt[i] = this.scoreAt[j]!;
    this.keyAt[j] = ki;
    this.scoreAt[j] = si;
    this.indexOf.set(kj, i);
    this.indexOf.set(ki, j);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!(this.scoreAt[i]! < this.scoreAt[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.keyAt.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && this.scoreAt[r]! < this.scoreAt[l]! ? r : l;
      if (!(this.scoreAt[c]! < this.scoreAt[i]!)) return;
      this.swap(i, c);
      i = c;
    }
  }
}
