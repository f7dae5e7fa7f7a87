import type { Message } from 'kafkajs';
import { encodeProductSum, type ProductSum } from '@hitboard/schema';
import type { FlushPlan } from './partition-core';

/**
 * The product-sums records of a flush: one per cell, keyed by product, carrying the flush id and its
 * source range (the speed pipeline drops a replayed flush by them).
 */
export function productSumMessages(partition: number, plan: FlushPlan): Message[] {
  const firstOffset = String(plan.firstOffset);
  const lastOffset = String(plan.lastOffset);
  return plan.cells.map((cell) => {
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
    return { key: cell.productId, value: encodeProductSum(sum) };
  });
}
