import type { ProductSum } from '@hitboard/schema';

/**
 * Drops replayed aggregator flushes, per shard, with bounded memory.
 *
 * The rule (one instance per shard = one partition of `sales.product-sums`):
 *
 * - Per source partition s we keep `high` = the largest flush `lastOffset` of s applied in this
 *   shard, and `keys` = the (minute, channel, product) keys of that flush (the "current" flush of s)
 *   already applied here.
 * - A record of s with `lastOffset > high` starts a newer flush: apply it, `high = lastOffset`,
 *   `keys = {its key}`.
 * - `lastOffset < high`: an older flush. Flush ranges of one source partition only grow and a
 *   crashed aggregator replays exactly its last intended range before publishing anything newer,
 *   so an older flush's records were all applied already (its replay, or the original) → drop.
 * - `lastOffset == high`: the current flush again. Apply the record if its key is not in `keys`,
 *   drop it otherwise. This is what makes a partial publish + replay exact: the aggregator can
 *   crash after some of a flush's records reached this partition, then republish all of them;
 *   the first copies were applied, the replayed copies of those keys are dropped, and the keys
 *   that never arrived the first time are applied from the replay. It also handles a zombie's
 *   late copies interleaved with a replay.
 *
 * Why keys and not just flush ids: a flush's records for this shard can be split (partial
 * publish), so "seen this flush id" would lose the missing half. Why (minute, channel, product)
 * is a sound key: a flush carries one pre-summed record per (minute, product, channel) of its
 * range (issue 27; before, per (minute, product): those records decode as channel 'unknown').
 * Without the channel, a product's second channel in a minute would be dropped as a replay.
 *
 * Memory: one entry per source partition, each holding at most one flush's keys for this shard.
 */
export type DedupeVerdict = 'apply' | 'replayed-key' | 'older-flush';

interface SourceMark {
  high: bigint;
  keys: Set<string>;
}

export interface FlushDedupeSnapshot {
  /** [sourcePartition, high lastOffset as decimal, keys of that flush applied here] */
  sources: Array<[number, string, string[]]>;
  /** 2: keys are `minute|channel|product`. Absent in checkpoints from before channels: keys are `minute|product`. */
  keyFormat?: 2;
}

type Keyed = Pick<ProductSum, 'minuteStartMs' | 'channel' | 'productId'>;
type Marked = Keyed & Pick<ProductSum, 'sourcePartition' | 'lastOffset'>;

export const recordKey = (sum: Keyed): string => `${sum.minuteStartMs}|${sum.channel}|${sum.productId}`;

/** A key of a checkpoint from before channels: its flush's records carried no channel, so they decode (and replay) as 'unknown'. */
const channelledKey = (legacy: string): string => {
  const bar = legacy.indexOf('|');
  return `${legacy.slice(0, bar)}|unknown|${legacy.slice(bar + 1)}`;
};

export class FlushDedupe {
  private readonly marks = new Map<number, SourceMark>();

  /** The verdict `admit` would give, without recording anything. */
  peek(sum: Marked): DedupeVerdict {
    const mark = this.marks.get(sum.sourcePartition);
    if (mark === undefined) return 'apply';
    const last = BigInt(sum.lastOffset);
    if (last > mark.high) return 'apply';
    if (last < mark.high) return 'older-flush';
    return mark.keys.has(recordKey(sum)) ? 'replayed-key' : 'apply';
  }

  /** Decides and, when the verdict is 'apply', records the record as applied. */
  admit(sum: Marked): DedupeVerdict {
    const last = BigInt(sum.lastOffset);
    const key = recordKey(sum);
    const mark = this.marks.get(sum.sourcePartition);
    if (mark === undefined || last > mark.high) {
      this.marks.set(sum.sourcePartition, { high: last, keys: new Set([key]) });
      return 'apply';
    }
    if (last < mark.high) return 'older-flush';
    if (mark.keys.has(key)) return 'replayed-key';
    mark.keys.add(key);
    return 'apply';
  }

  /** The highest applied flush lastOffset per source partition (for logs and tests). */
  highWaterMarks(): Map<number, bigint> {
    return new Map([...this.marks].map(([s, m]) => [s, m.high]));
  }

  snapshot(): FlushDedupeSnapshot {
    return { sources: [...this.marks].sort(([a], [b]) => a - b).map(([s, m]) => [s, m.high.toString(), [...m.keys].sort()]), keyFormat: 2 };
  }

  static restore(snapshot: FlushDedupeSnapshot): FlushDedupe {
    const dedupe = new FlushDedupe();
    const key = snapshot.keyFormat === 2 ? (k: string) => k : channelledKey;
    for (const [source, high, keys] of snapshot.sources) dedupe.marks.set(source, { high: BigInt(high), keys: new Set(keys.map(key)) });
    return dedupe;
  }
}
