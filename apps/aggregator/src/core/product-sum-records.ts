import type { Message } from 'kafkajs';
import { encodeProductSum, type ProductSum } from '@hitboard/schema';
import { chunkByBytes } from './chunk-by-bytes';
import type { FlushPlan } from './partition-core';

/**
 * The product-sums records of a flush, one at a time: one per cell, keyed by product, carrying the flush
 * id and its source range (the speed pipeline drops a replayed flush by them). Lazy: a flush of 400k cells
 * would hold ~400 bytes a cell in records if they were built at once (issue 28).
 */
export function* productSumRecords(partition: number, plan: FlushPlan): Generator<Message> {
  const firstOffset = String(plan.firstOffset);
  const lastOffset = String(plan.lastOffset);
  for (const cell of plan.cells) {
    const sum: ProductSum = {
      flushId: plan.flushId,
      sourcePartition: partition,
      firstOffset,
      lastOffset,
      minuteStartMs: cell.minuteStartMs,
      productId: cell.productId,
      channel: cell.channel,
      units: cell.units,
      revenueCents: cell.revenueCents,
      orders: cell.orders,
    };
    yield { key: cell.productId, value: encodeProductSum(sum) };
  }
}

/**
 * The flush's records cut into produce-sized chunks (`chunkByBytes`), each built only when the one
 * before it has been taken: a publish that sends a chunk before asking for the next holds one chunk
 * of records at a time, whatever the flush's size.
 */
export function productSumChunks(partition: number, plan: FlushPlan, maxBytes: number, maxCount: number): Generator<Message[]> {
  return chunkByBytes(productSumRecords(partition, plan), maxBytes, maxCount);
}

/** Every product-sums record of a flush at once (tests, benches; the publish sends them by `productSumChunks`). */
export function productSumMessages(partition: number, plan: FlushPlan): Message[] {
  return [...productSumRecords(partition, plan)];
}
