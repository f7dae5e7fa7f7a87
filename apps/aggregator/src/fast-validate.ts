import { CHANNELS, DEFAULT_VALIDATOR_OPTIONS, validateSaleEvent, type SaleEvent, type Validation, type ValidatorOptions } from '@hitboard/schema';

// The same instant syntax libs/schema accepts (an explicit zone is required).
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const CHANNEL_SET = new Set<string>(CHANNELS);
const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 128;
const isCoord = (v: unknown, limit: number): boolean => v === undefined || (typeof v === 'number' && v >= -limit && v <= limit);

/**
 * `validateSaleEvent` with a fast path: hand-written checks accept a well-formed event without
 * zod (≈3× cheaper); anything they do not accept goes through the full validator, which gives
 * the precise reason. The fast path only ever accepts what the full validator accepts
 * (fast-validate.spec.ts checks that on generated and mutated events).
 */
export function createFastValidator(options: ValidatorOptions): (bytes: Buffer) => Validation {
  const opts = { ...DEFAULT_VALIDATOR_OPTIONS, ...options };
  const currencies = new Set(opts.currencies);
  return (bytes) => {
    if (bytes.byteLength <= opts.maxBytes) {
      let v: Record<string, unknown> | null = null;
      try {
        v = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      } catch {
        v = null;
      }
      if (
        v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        isId(v['event_id']) &&
        isId(v['order_id']) &&
        isId(v['product_id']) &&
        isId(v['store_id']) &&
        isId(v['user_id']) &&
        Number.isInteger(v['quantity']) &&
        (v['quantity'] as number) >= 1 &&
        (v['quantity'] as number) <= opts.maxQuantity &&
        Number.isInteger(v['unit_price_cents']) &&
        (v['unit_price_cents'] as number) >= 0 &&
        (v['unit_price_cents'] as number) <= opts.maxUnitPriceCents &&
        typeof v['currency'] === 'string' &&
        currencies.has(v['currency']) &&
        typeof v['channel'] === 'string' &&
        CHANNEL_SET.has(v['channel']) &&
        isCoord(v['lat'], 90) &&
        isCoord(v['lon'], 180) &&
        typeof v['occurred_at'] === 'string' &&
        ISO_INSTANT.test(v['occurred_at'])
      ) {
        const occurredAtMs = Date.parse(v['occurred_at']);
        if (!Number.isNaN(occurredAtMs) && occurredAtMs >= opts.earliestMs && occurredAtMs <= opts.now() + opts.maxFutureMs) {
          return { ok: true, event: v as unknown as SaleEvent, occurredAtMs };
        }
      }
    }
    return validateSaleEvent(bytes, opts);
  };
}
