import { clock } from '@hitboard/runtime/clock';
/**
 * A small per-process cache of query results with single flight: concurrent requests for the same
 * key share one query. Each entry's lifetime is decided from its value (a closed exact window is
 * kept longer than a live one). Failures are not cached. Bounded: the oldest entry goes first.
 *
 * `deleteWhere` drops entries when what they were read from changed — in flight ones too, so a
 * load that may have read the old rows is neither joined by later callers nor kept when it settles.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { expiresAt: number; value: Promise<V> }>();
  /** Answers served from an entry (settled or in flight), and loads started. */
  hits = 0;
  misses = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = clock.now,
  ) {}

  get(key: string, load: () => PromiseLike<V>, ttlMsOf: (value: V) => number): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) {
      this.hits += 1;
      return hit.value;
    }
    this.misses += 1;
    // Promise.resolve: a knex query builder is a thenable that would run again on every await.
    const value = Promise.resolve(load());
    // Until it settles, the in-flight promise is shared (expiry far ahead); then its own lifetime applies.
    this.entries.delete(key);
    this.entries.set(key, { expiresAt: Number.POSITIVE_INFINITY, value });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    value.then(
      (v) => {
        const entry = this.entries.get(key);
        // Gone or replaced (deleteWhere, clear, eviction): this load's value is not kept.
        if (entry?.value !== value) return;
        const ttl = ttlMsOf(v);
        if (ttl > 0) entry.expiresAt = this.now() + ttl;
        else this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key)?.value === value) this.entries.delete(key);
      },
    );
    return value;
  }

  /** Drops every entry whose key matches, settled or in flight. Returns how many. */
  deleteWhere(matches: (key: string) => boolean): number {
    let n = 0;
    for (const key of [...this.entries.keys()]) {
      if (!matches(key)) continue;
      this.entries.delete(key);
      n += 1;
    }
    return n;
  }

  clear(): void {
    this.entries.clear();
  }
}
