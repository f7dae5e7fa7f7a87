import type { Kafka, Producer, ProducerConfig } from 'kafkajs';

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

/** A producer with DURABLE_PRODUCER's settings; `options` may add others but not weaken these. */
export function createProducer(kafka: Kafka, options: Omit<ProducerConfig, 'idempotent' | 'maxInFlightRequests'> = {}): Producer {
  return kafka.producer({ ...options, ...DURABLE_PRODUCER });
}
