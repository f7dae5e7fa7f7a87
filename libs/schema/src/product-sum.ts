import { z } from 'zod';
import { CHANNEL_UNKNOWN, STORED_CHANNELS, type StoredChannel } from './channels';
import { normalizeProductId } from './sale-event';

/**
 * One pre-summed (minute, product, channel) record, as the aggregator publishes it to
 * `sales.product-sums`. Every record of one flush carries the same flush identity, so the
 * speed pipeline can recognise (and drop) a replayed flush: flush ranges of one source
 * partition only grow, so "lastOffset <= highest applied for sourcePartition" means seen.
 */
export interface ProductSum {
  /** `p{sourcePartition}-{firstOffset}-{lastOffset}`: the same on every replay of the flush. */
  flushId: string;
  sourcePartition: number;
  firstOffset: string; // Kafka offsets are int64: kept as decimal strings end to end
  lastOffset: string;
  /** Start of the UTC minute (event time), epoch milliseconds. */
  minuteStartMs: number;
  productId: string;
  /** The sales channel the sums are of. Records published before issue 27 carry none and decode as `unknown`. */
  channel: StoredChannel;
  units: number;
  revenueCents: number;
  orders: number;
}

export const productSumSchema = z.object({
  flushId: z.string().min(1),
  sourcePartition: z.number().int().nonnegative(),
  firstOffset: z.string().regex(/^\d+$/),
  lastOffset: z.string().regex(/^\d+$/),
  minuteStartMs: z.number().int().refine((ms) => ms % 60_000 === 0, 'must be a whole minute'),
  // Ids reach Postgres `text`: one with a control character (NUL) could never be written.
  // Records published before ids were normalised are put in NFC here, so they count with the rest.
  productId: z
    .string()
    .min(1)
    .transform((id, ctx) => {
      const normal = normalizeProductId(id);
      if (normal === null) ctx.addIssue({ code: 'custom', message: 'product id holds control characters (Postgres text cannot store NUL)' });
      return normal ?? id;
    }),
  // Absent on records published before the aggregator kept channels (still in the topic after an upgrade).
  channel: z.enum(STORED_CHANNELS).default(CHANNEL_UNKNOWN),
  units: z.number().int().nonnegative(),
  revenueCents: z.number().int().nonnegative(),
  orders: z.number().int().nonnegative(),
});

/** The flush id is derived, never invented: a replay of the same range gets the same id. */
export function flushIdOf(sourcePartition: number, firstOffset: bigint | string, lastOffset: bigint | string): string {
  return `p${sourcePartition}-${firstOffset}-${lastOffset}`;
}

/**
 * What identifies a record within its flush: a flush carries one record per (minute, product, channel)
 * of its range. A replay's dedupe (the speed pipeline, tests, chaos checks) must key by all three, or two
 * channels of one product and minute look like one record sent twice.
 */
export function productSumCellKey(sum: Pick<ProductSum, 'minuteStartMs' | 'productId' | 'channel'>): string {
  return `${sum.minuteStartMs}|${sum.productId}|${sum.channel}`;
}

export function encodeProductSum(sum: ProductSum): Buffer {
  return Buffer.from(JSON.stringify(sum));
}

/** Decodes and validates; throws with the zod issues when the bytes are not a ProductSum. */
export function decodeProductSum(bytes: Buffer | string): ProductSum {
  return productSumSchema.parse(JSON.parse(bytes.toString()));
}
