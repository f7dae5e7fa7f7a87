import type { Message, Producer } from 'kafkajs';
import { chunkByBytes } from '../core/chunk-by-bytes';
import type { FlushPlan } from '../core/partition-core';
import { productSumMessages } from '../core/product-sum-records';

const PUBLISH_CHUNK = 5000;
/** Bytes per produce call: half the broker's default 1 MiB `max.message.bytes` per record batch. */
const PUBLISH_CHUNK_BYTES = 512 * 1024;

/** Step (c) of a flush: its product sums, then its DLQ records, acknowledged by every in-sync replica. */
export async function publishFlush(producer: Producer, topics: { sums: string; dlq: string }, partition: number, plan: FlushPlan): Promise<void> {
  await send(producer, topics.sums, productSumMessages(partition, plan));
  await send(producer, topics.dlq, plan.dlq);
}

async function send(producer: Producer, topic: string, messages: readonly Message[]): Promise<void> {
  // Chunked by bytes too: the broker refuses a record batch above max.message.bytes, on every retry.
  for (const chunk of chunkByBytes(messages, PUBLISH_CHUNK_BYTES, PUBLISH_CHUNK)) {
    await producer.send({ topic, acks: -1, messages: chunk });
  }
}
