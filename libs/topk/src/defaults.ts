/**
 * Defaults every producer of mergeable state shares. Sketches merge only when width, depth
 * and seed agree, so speed-pipeline shards, windows and checkpoints all build from these.
 *
 * eps = 6e-5, delta = 0.01 gives width = ceil(e / 6e-5) = 45,305 and depth = ceil(ln 100) = 5.
 * With two planes (units, revenue cents) of float64 counters that is
 * 45,305 × 5 × 2 × 8 B = 3,624,400 B (3.46 MiB) per window, under the 4 MB budget.
 * Error bound: 0.006 % of the window's total (600 units per 10 M units), per key, with
 * probability 99 %. `bench/topk-accuracy.ts` measures what this buys on Zipf streams.
 */
export const DEFAULT_SKETCH_PARAMS = Object.freeze({
  eps: 6e-5,
  delta: 0.01,
  /** 'hitb': any fixed value works, as long as everything that merges uses the same one. */
  seed: 0x68697462,
});

/**
 * Candidates kept per metric. Must be well above the K that is served (10 on the dashboard):
 * a key that is in the true top-K is lost only if it falls out of the candidate set, and
 * the deeper the set, the larger the margin between #K and the weakest candidate.
 */
export const DEFAULT_CANDIDATES = 1000;
