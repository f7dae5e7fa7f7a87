import type { Message, Producer } from 'kafkajs';
import { chunkByBytes } from '../core/chunk-by-bytes';
import type { FlushPlan } from '../core/partition-core';
import { productSumChunks } from '../core/product-sum-records';

const PUBLISH_CHUNK = 5000;
/** Bytes per produce call: half the broker's default 1 MiB `max.message.bytes` per record batch. */
const PUBLISH_CHUNK_BYTES = 512 * 1024;

/**
 * Step (c) of a flush: its product sums, then its DLQ records, acknowledged by every in-sync replica.
 * The product sums are built chunk by chunk, each sent before the next is built (issue 28: a flush in
 * flight holds one chunk of records, not one record per cell).
 */
export async function publishFlush(producer: Producer, topics: { sums: string; dlq: string }, partition: number, plan: FlushPlan): Promise<void> {
  await send(producer, topics.sums, productSumChunks(partition, plan, PUBLISH_CHUNK_BYTES, PUBLISH_CHUNK));
  await send(producer, topics.dlq, chunkByBytes(plan.dlq, PUBLISH_CHUNK_BYTES, PUBLISH_CHUNK));
}

// Chunked by bytes: the broker refuses a record batch above max.message.bytes, on every retry.
async function send(producer: Producer, topic: string, chunks: Iterable<Message[]>): Promise<void> {
  for (const chunk of chunks) {
    await producer.send({ topic, acks: -1, messages: chunk });
  }
}
