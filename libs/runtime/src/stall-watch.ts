import { clock } from './clock';
/**
 * Tells a stuck partition from an idle one, for `/healthz`: a partition is stalled when it has had
 * work waiting (lag > 0) and its position has not moved for `stallAfterMs`. An idle partition (no
 * lag) is never stalled, however long it waits. Each app reports every partition it owns after
 * each batch and on a timer (`observe`), and forgets the ones it loses (`forget`).
 */
export class StallWatch<K = number> {
  private readonly byKey = new Map<K, { position: number; lag: number; movedAtMs: number }>();

  constructor(
    /** How long a partition with lag may keep its position before it counts as stalled. */
    readonly stallAfterMs: number,
    private readonly now: () => number = clock.now,
  ) {
    if (!(stallAfterMs > 0)) throw new Error(`StallWatch: stallAfterMs must be > 0, got ${stallAfterMs}`);
  }

  /** The partition's current position (next offset to process) and how many messages wait behind it. */
  observe(key: K, position: number, lag: number): void {
    const seen = this.byKey.get(key);
    const nowMs = this.now();
    // No lag means nothing to do: the clock restarts, so an idle spell never reads as a stall later.
    if (!seen || seen.position !== position || lag <= 0) this.byKey.set(key, { position, lag, movedAtMs: nowMs });
    else seen.lag = lag;
  }

  forget(key: K): void {
    this.byKey.delete(key);
  }

  /** Partitions that have had lag and not moved for longer than `stallAfterMs`, with how long. */
  stalled(): { key: K; position: number; lag: number; stuckForMs: number }[] {
    const nowMs = this.now();
    const result: { key: K; position: number; lag: number; stuckForMs: number }[] = [];
    for (const [key, s] of this.byKey) {
      const stuckForMs = nowMs - s.movedAtMs;
      if (s.lag > 0 && stuckForMs > this.stallAfterMs) result.push({ key, position: s.position, lag: s.lag, stuckForMs });
    }
    return result;
  }
}
