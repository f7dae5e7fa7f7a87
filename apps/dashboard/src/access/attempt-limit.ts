/**
 * Failed sign-ins counted per key (the client's address, the name tried) in a sliding window: once a key has
 * `max` failures within `windowMs`, further attempts are refused (429, Retry-After) before the password is
 * hashed — each check costs a 32 MiB scrypt, so an unlimited form is both a guessing oracle and a way to
 * exhaust the host. A success clears the name's count. Bounded: at most `maxKeys` keys are remembered
 * (the oldest are forgotten first), so a flood of made-up names cannot grow it without end.
 */
export class AttemptLimit {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly o: { max: number; windowMs: number; maxKeys?: number },
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string, nowMs: number): number {
    const times = this.live(key, nowMs);
    return times.length < this.o.max ? 0 : times[times.length - this.o.max]! + this.o.windowMs - nowMs;
  }

  fail(key: string, nowMs: number): void {
    const times = this.live(key, nowMs);
    times.push(nowMs);
    this.failures.delete(key); // re-inserted last: Map order is the eviction order
    this.failures.set(key, times.slice(-this.o.max));
    while (this.failures.size > (this.o.maxKeys ?? 10_000)) this.failures.delete(this.failures.keys().next().value!);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  private live(key: string, nowMs: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > nowMs - this.o.windowMs);
  }
}
