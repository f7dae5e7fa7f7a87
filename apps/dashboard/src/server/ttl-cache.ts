/**
 * A small per-process cache of query results with single flight: concurrent requests for the same
 * key share one query. Each entry's lifetime is decided from its value (a closed exact window is
 * kept longer than a live one). Failures are not cached. Bounded: the oldest entry goes first.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { expiresAt: number; value: Promise<V> }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => PromiseLike<V>, ttlMsOf: (value: V) => number): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    // Promise.resolve: a knex query builder is a thenable that would run again on every await.
    const value = Promise.resolve(load());
    // Until it settles, the in-flight promise is shared (expiry far ahead); then its own lifetime applies.
    this.entries.delete(key);
    this.entries.set(key, { expiresAt: Number.POSITIVE_INFINITY, value });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    value.then(
      (v) => {
        const entry = this.entries.get(key);
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

  clear(): void {
    this.entries.clear();
  }
}
