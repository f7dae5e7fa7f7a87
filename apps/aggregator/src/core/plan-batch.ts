/** What the shell knows about a partition's read position when a batch arrives. */
export interface ReadPosition {
  /** False until the ledger is loaded and the consumer was sought to the warm-up start. */
  ready: boolean;
  /** The partition must not be consumed (the ledger is ahead of the log, or a step cannot pass). */
  blocked: boolean;
  /** The next offset the partition expects; anything below it was processed already. */
  expectNext: number;
  /** True once a batch was accepted after the last seek (a second gap is then a real gap in the log). */
  seekConfirmed: boolean;
}

/** A batch as far as planning goes: its messages' offsets (kafkajs's strings) and the log end the fetch reported. */
export interface BatchBounds {
  messages: readonly { offset: string }[];
  logEnd: number;
}

/**
 * What to do with one batch. `refetched` counts the messages below the read position (kafkajs fetched
 * them again): they are never counted twice, only skipped.
 * - `skip`: nothing to do (the partition is blocked, or the batch is empty);
 * - `reset`: start over from the ledger (`not-ready`: no reset has finished yet; `log-ends-below`: the
 *   log ends below the read position, the topic was recreated or truncated — the reset refuses it);
 * - `seek`: put the consumer back at `offset` and drop the batch (`behind`: the whole batch lies below
 *   the read position; `ahead`: it starts past it and the last seek was not confirmed — asked again once);
 * - `consume`: offer the batch (messages below the read position are skipped one by one).
 */
export type BatchPlan =
  | { kind: 'skip' }
  | { kind: 'reset'; why: 'not-ready' | 'log-ends-below'; refetched: number }
  | { kind: 'seek'; why: 'behind' | 'ahead'; offset: number; refetched: number }
  | { kind: 'consume'; refetched: number };

/**
 * Decides what a batch does to the read position, before any message is read. Pure: the shell
 * carries the plan out (skip, seek, reset, consume) and records `seekConfirmed` for `consume` and
 * `seek`/`ahead`.
 */
export function planBatch(position: ReadPosition, { messages, logEnd }: BatchBounds): BatchPlan {
  if (position.blocked) return { kind: 'skip' };
  if (!position.ready) return { kind: 'reset', why: 'not-ready', refetched: 0 };
  const first = messages[0];
  if (first === undefined) return { kind: 'skip' };
  const { expectNext } = position;
  const firstOffset = Number(first.offset);
  let refetched = 0;
  if (firstOffset < expectNext) {
    // A fetch from below where this partition is (kafkajs restarted it at the Kafka commit after a
    // group sync, or a seek raced a fetch). A batch wholly below it is skipped by a seek, never by
    // fetching the same range again.
    const lastOffset = Number((messages[messages.length - 1] as { offset: string }).offset);
    refetched = lastOffset < expectNext ? messages.length : messages.findIndex((m) => Number(m.offset) >= expectNext);
    if (refetched === messages.length) {
      // The log ends below where this partition already is: the topic was recreated or truncated
      // under a running consumer (kafkajs answers the seek with "offset out of range" and restarts
      // at the log's start, forever). The reset checks the ledger against the log ends and refuses.
      if (logEnd < expectNext) return { kind: 'reset', why: 'log-ends-below', refetched };
      return { kind: 'seek', why: 'behind', offset: expectNext, refetched };
    }
  }
  // The seek of the last reset was not applied yet (or was lost in a rebalance): ask again, once.
  if (firstOffset > expectNext && !position.seekConfirmed) return { kind: 'seek', why: 'ahead', offset: expectNext, refetched };
  return { kind: 'consume', refetched };
}
