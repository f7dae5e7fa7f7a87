import type { Monoid } from './Monoid';

/**
 * algebird's `Aggregator`: `prepare` lifts one input into the monoid, the monoid combines
 * (in any grouping: per shard, per window, per layer), `present` turns the result into what
 * a reader wants. Splitting the three lets the same aggregation run in a stream, in a batch
 * and in a serving merge.
 */
export interface Aggregator<In, Mid, Out> {
  prepare(input: In): Mid;
  readonly monoid: Monoid<Mid>;
  present(mid: Mid): Out;
}

/** Runs an aggregator over a finite input. */
export function aggregate<In, Mid, Out>(agg: Aggregator<In, Mid, Out>, inputs: Iterable<In>): Out {
  function* prepared(): Iterable<Mid> {
    for (const input of inputs) yield agg.prepare(input);
  }
  return agg.present(agg.monoid.sum(prepared()));
}
