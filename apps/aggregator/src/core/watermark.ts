/**
 * The event-time watermark of one partition: "every event older than this has been seen",
 * i.e. the largest event time seen minus the allowed lateness. A partition that has been idle
 * for `idleTimeoutMs` and has nothing buffered moves its watermark with the wall clock instead
 * (now minus lateness), so a quiet shard does not hold the rollup planner back.
 *
 * The value never goes backwards. The aggregator stores it in the ledger with each flush, and
 * only for events that are already in the lake (so "watermark passed the hour" implies the hour's
 * on-time events are listed in `ingest_files`). When a partition is reset (its buffer dropped),
 * `restore` starts it over from the ledger's stored value, so it never covers dropped events.
 */
export class Watermark {
  private maxEventMs = Number.NEGATIVE_INFINITY;
  private lastActivityMs: number;
  private emittedMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly latenessMs: number,
    readonly idleTimeoutMs: number,
    nowMs: number,
    /** An event time counts at most this far past the wall clock: one wrong-clock producer cannot move the watermark years ahead. */
    readonly maxFutureMs: number = 60_000,
  ) {
    this.lastActivityMs = nowMs;
  }

  /**
   * The partition was reset from the ledger: everything observed since the last commit belongs to a
   * dropped buffer (those events will be re-read). Start over from the ledger's stored watermark
   * (null: none yet), and count the reset as activity. The ledger's value never goes backwards
   * (GREATEST); only this in-memory view may, to the last value that was actually committed.
   */
  restore(storedMs: number | null, nowMs: number): void {
    this.maxEventMs = Number.NEGATIVE_INFINITY;
    this.emittedMs = storedMs ?? Number.NEGATIVE_INFINITY;
    this.lastActivityMs = nowMs;
  }

  /**
   * An event (valid, counted) with this event time was consumed at `nowMs`. Its time is bounded by
   * the wall clock (+ `maxFutureMs`): the event itself is still counted (the validator decides that),
   * but a far-future one moves the watermark only to the bound, never years ahead (the ledger keeps
   * the greatest value ever stored, so one such event would otherwise close every later hour).
   */
  observe(eventMs: number, nowMs: number): void {
    const bounded = Math.min(eventMs, nowMs + this.maxFutureMs);
    if (bounded > this.maxEventMs) this.maxEventMs = bounded;
    this.lastActivityMs = nowMs;
  }

  /** Any message (even an invalid one) was consumed: the partition is not idle. */
  touch(nowMs: number): void {
    this.lastActivityMs = nowMs;
  }

  /**
   * The watermark in epoch ms, or null while nothing is known. `drained`: nothing of this
   * partition is buffered (and the consumer is caught up), the precondition for idling forward.
   */
  value(nowMs: number, drained: boolean): number | null {
    let candidate = this.maxEventMs - this.latenessMs;
    if (drained && nowMs - this.lastActivityMs >= this.idleTimeoutMs) candidate = Math.max(candidate, nowMs - this.latenessMs);
    if (candidate > this.emittedMs) this.emittedMs = candidate;
    return Number.isFinite(this.emittedMs) ? this.emittedMs : null;
  }
}
