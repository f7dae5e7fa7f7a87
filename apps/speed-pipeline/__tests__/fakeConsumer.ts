/**
 * A stand-in for the kafkajs consumer, for tests that must decide exactly which offsets a batch
 * starts at (a fetch ahead of the checkpoint, a rebalance that restarts a kept shard elsewhere, a
 * zombie instance): the test plays the group coordinator and the fetcher, the pipeline and
 * Postgres are real. Everything that depends on a real broker's behaviour is tested against one
 * in the other scenario tests.
 */
import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { encodeProductSum, type ProductSum } from '@hitboard/schema';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;

export class FakeConsumer {
  readonly seeks: Array<{ partition: number; offset: string }> = [];
  readonly commits: Array<{ partition: number; offset: string }> = [];
  /** The next this-many `commitOffsets` calls fail (a coordinator moving with its broker). */
  failNextCommits = 0;
  /** Partitions paused (and not resumed since); `undefined` in the list: the whole topic. */
  readonly paused = new Set<number | undefined>();
  /** The order of the pipeline's calls that matter to the group: 'pause', 'stop', 'disconnect'. */
  readonly calls: string[] = [];
  private readonly handlers = new Map<string, Array<(e: unknown) => void>>();
  private eachBatch: ConsumerRunConfig['eachBatch'];

  constructor(readonly topic: string) {}

  /** A `Kafka` whose `consumer()` is this fake. */
  kafka(): Kafka {
    return { consumer: () => this.asConsumer() } as unknown as Kafka;
  }

  private asConsumer(): Consumer {
    const consumer = {
      events: EVENTS,
      on: (event: string, handler: (e: unknown) => void) => {
        this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
        return () => undefined;
      },
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async (config: ConsumerRunConfig) => {
        this.eachBatch = config.eachBatch;
      },
      seek: ({ partition, offset }: { partition: number; offset: string }) => void this.seeks.push({ partition, offset }),
      commitOffsets: async (offsets: Array<{ partition: number; offset: string }>) => {
        if (this.failNextCommits > 0) {
          this.failNextCommits -= 1;
          throw new Error('This is not the correct coordinator for this group');
        }
        for (const { partition, offset } of offsets) this.commits.push({ partition, offset });
      },
      pause: (topics: Array<{ topic: string; partitions?: number[] }>) => {
        this.calls.push('pause');
        for (const t of topics) for (const p of t.partitions ?? [undefined]) this.paused.add(p);
      },
      resume: (topics: Array<{ topic: string; partitions?: number[] }>) => {
        for (const t of topics) for (const p of t.partitions ?? [undefined]) this.paused.delete(p);
      },
      // kafkajs' stop (and disconnect, which stops first) leaves the group.
      stop: async () => void this.calls.push('stop'),
      disconnect: async () => void this.calls.push('disconnect'),
    };
    return consumer as unknown as Consumer;
  }

  /** The group coordinator hands this member `partitions` (kafkajs' GROUP_JOIN event). */
  join(partitions: number[]): void {
    const payload = { memberAssignment: { [this.topic]: partitions } };
    for (const h of this.handlers.get(EVENTS.GROUP_JOIN) ?? []) h({ payload });
  }

  /** kafkajs' CRASH event: `restart` says whether kafkajs restarts the consumer itself. */
  crash(error: Error, restart: boolean): void {
    for (const h of this.handlers.get(EVENTS.CRASH) ?? []) h({ payload: { error, groupId: 'g', restart } });
  }

  /**
   * Delivers one fetched batch of `partition` starting at `firstOffset`, one message per value.
   * Resolves with the offsets the pipeline resolved.
   */
  async deliver(partition: number, firstOffset: number, values: Array<ProductSum | Buffer>, options: { logEnd?: number } = {}): Promise<string[]> {
    if (!this.eachBatch) throw new Error('the pipeline has not called consumer.run');
    const messages = values.map(
      (v, i) => ({ offset: String(firstOffset + i), key: null, value: Buffer.isBuffer(v) ? v : encodeProductSum(v), timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage,
    );
    const resolved: string[] = [];
    const payload = {
      batch: { topic: this.topic, partition, highWatermark: String(options.logEnd ?? firstOffset + values.length), messages },
      resolveOffset: (offset: string) => void resolved.push(offset),
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary: async () => undefined,
      uncommittedOffsets: () => ({ topics: [] }),
      isRunning: () => true,
      isStale: () => false,
      pause: () => () => undefined,
    } as unknown as EachBatchPayload;
    await this.eachBatch(payload);
    return resolved;
  }
}
