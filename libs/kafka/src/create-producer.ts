import { Partitioners, type Kafka, type Message, type Producer, type ProducerConfig, type ProducerRecord, type RecordMetadata } from 'kafkajs';

/**
 * The durability every producer of the project uses, one place for all (generator, import, the
 * aggregator's publish and DLQ): idempotence, so a send retried after a lost response (a broker
 * killed mid-request, a leader moving) is written once, not twice; kafkajs then allows at most one
 * request in flight (the order the broker's sequence numbers check) and refuses any send without
 * `acks: -1` (all in-sync replicas; with the cluster's min.insync.replicas=2, an acknowledged
 * record survives the loss of any one broker).
 */
export const DURABLE_PRODUCER: Readonly<Pick<ProducerConfig, 'idempotent' | 'maxInFlightRequests'>> = { idempotent: true, maxInFlightRequests: 1 };

/** Every send of a durable producer must ask for this (kafkajs throws otherwise). */
export const ACKS_ALL = -1;

/** How many times a send is repeated for partitions kafkajs acknowledged without sending (see createProducer). */
const MAX_RESENDS = 10;

/**
 * A producer with DURABLE_PRODUCER's settings; `options` may add others but not weaken these.
 *
 * Its `send` also closes a hole in kafkajs 2.2.4 that the chaos suite found (a broker killed
 * mid-ingest lost acknowledged sales): when a send spans several leaders and one fails, kafkajs
 * retries only the brokers that have not answered yet, regrouped by the refreshed leaders; a
 * partition whose leadership moved to a broker that had already answered is then never sent, and
 * the send resolves as if it had been. Here every message's partition is recorded as the
 * partitioner picks it, and the messages of partitions missing from the acknowledgements are sent
 * again to exactly those partitions (never sent, so the idempotent sequence stays in order).
 */
export function createProducer(kafka: Kafka, options: Omit<ProducerConfig, 'idempotent' | 'maxInFlightRequests'> = {}): Producer {
  const assigned = new WeakMap<Message, number>();
  const partitioner = (options.createPartitioner ?? Partitioners.DefaultPartitioner)();
  const producer = kafka.producer({
    ...options,
    ...DURABLE_PRODUCER,
    createPartitioner: () => (args) => {
      const partition = partitioner(args);
      assigned.set(args.message, partition);
      return partition;
    },
  });
  const send = producer.send.bind(producer);
  producer.send = async (record: ProducerRecord): Promise<RecordMetadata[]> => {
    const acknowledged = await send(record);
    for (let resend = 1; ; resend++) {
      const missing = unacknowledged(record, acknowledged, (m) => m.partition ?? assigned.get(m));
      if (missing.length === 0) return acknowledged;
      if (resend > MAX_RESENDS) throw new Error(`send to ${record.topic}: ${missing.length} messages still unacknowledged after ${MAX_RESENDS} resends`);
      acknowledged.push(...(await send({ ...record, messages: missing })));
    }
  };
  return producer;
}

/**
 * The messages of `record` whose partition has no acknowledgement, each pinned to that partition.
 * A message whose partition is unknown (never partitioned: nothing of it was sent) counts as missing
 * only when nothing at all was acknowledged.
 */
export function unacknowledged(record: ProducerRecord, acknowledged: readonly RecordMetadata[], partitionOf: (m: Message) => number | undefined): Message[] {
  const answered = new Set(acknowledged.filter((r) => r.topicName === record.topic && r.errorCode === 0).map((r) => r.partition));
  return record.messages.flatMap((m) => {
    const partition = partitionOf(m);
    if (partition === undefined) return acknowledged.length === 0 ? [m] : [];
    return answered.has(partition) ? [] : [{ ...m, partition }];
  });
}
