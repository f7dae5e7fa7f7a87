import { z } from 'zod';

/**
 * A sale event as producers send it to `sales.events` (JSON, keyed by product_id).
 * Amounts are integer minor units (cents); there is no floating-point money anywhere.
 */
export interface SaleEvent {
  event_id: string;
  order_id: string;
  product_id: string;
  quantity: number;
  unit_price_cents: number;
  currency: string;
  /** ISO 8601 with a zone designator, e.g. `2026-11-22T07:00:00.000Z`. */
  occurred_at: string;
  store_id: string;
  user_id: string;
  lat?: number;
  lon?: number;
  channel: Channel;
}

export const CHANNELS = ['web', 'app', 'store', 'marketplace'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Why an event was refused. Stable strings: they label DLQ records and metrics. */
export const REJECTION_REASONS = [
  'oversized',
  'invalid_json',
  'not_an_object',
  'missing_field',
  'wrong_type',
  'invalid_field',
  'invalid_quantity',
  'invalid_price',
  'invalid_timestamp',
  'future_timestamp',
  'unknown_currency',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  reason: RejectionReason;
  /** The offending field, when the problem is one field. */
  field?: string;
  message: string;
}

export type Validation = { ok: true; event: SaleEvent; occurredAtMs: number } | { ok: false; rejection: Rejection };

export interface ValidatorOptions {
  /** Payloads above this are refused before parsing. */
  maxBytes?: number; // default 4096 bytes
  /** Accepted ISO 4217 codes: revenue is summed as-is, so only the reporting currency(ies). */
  currencies?: readonly string[]; // default ['USD']
  /** Largest believable quantity in one line item. */
  maxQuantity?: number; // default 10_000
  /** Largest believable unit price, in cents. */
  maxUnitPriceCents?: number; // default 100_000_000 ($1M)
  /** How far ahead of `now` an event time may be (clock skew); beyond it the event is refused. */
  maxFutureMs?: number; // default 15 minutes
  /** Events before this are refused as unit mistakes (seconds sent as milliseconds, …). */
  earliestMs?: number; // default 2000-01-01T00:00:00Z
  now?: () => number;
}

export const DEFAULT_VALIDATOR_OPTIONS = {
  maxBytes: 4096,
  currencies: ['USD'] as readonly string[],
  maxQuantity: 10_000,
  maxUnitPriceCents: 100_000_000,
  maxFutureMs: 15 * 60_000,
  earliestMs: Date.UTC(2000, 0, 1),
  now: () => Date.now(),
} satisfies Required<ValidatorOptions>;

// ISO 8601 date-time with an explicit zone (Z or ±hh:mm); a zone-less time is ambiguous.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const id = z.string().min(1).max(128);

// Structure and types only; the domain rules below give each failure its own reason.
const shape = z.object({
  event_id: id,
  order_id: id,
  product_id: id,
  quantity: z.number(),
  unit_price_cents: z.number(),
  currency: z.string(),
  occurred_at: z.string(),
  store_id: id,
  user_id: id,
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  channel: z.enum(CHANNELS),
});

function reject(reason: RejectionReason, message: string, field?: string): Validation {
  return { ok: false, rejection: field === undefined ? { reason, message } : { reason, field, message } };
}

/**
 * Validates one event: raw bytes (as read from Kafka), a JSON string, or an already parsed
 * value. Returns the typed event, or the first precise reason it is refused.
 */
export function validateSaleEvent(input: Buffer | Uint8Array | string | unknown, options: ValidatorOptions = {}): Validation {
  const opts = { ...DEFAULT_VALIDATOR_OPTIONS, ...options };
  let value: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
    if (bytes > opts.maxBytes) return reject('oversized', `payload is ${bytes} bytes; the limit is ${opts.maxBytes}`);
    try {
      value = JSON.parse(typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8'));
    } catch (err) {
      return reject('invalid_json', `not JSON: ${(err as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', `expected a JSON object, got ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}`);
  }

  const parsed = shape.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    const raw = (value as Record<string, unknown>)[String(issue.path[0])];
    if (raw === undefined) return reject('missing_field', `${field} is required`, field);
    if (issue.code === 'invalid_type') return reject('wrong_type', `${field} must be a ${issue.expected}, got ${describe(raw)}`, field);
    return reject('invalid_field', `${field}: ${issue.message}`, field);
  }
  const event = parsed.data;

  if (!Number.isInteger(event.quantity) || event.quantity < 1 || event.quantity > opts.maxQuantity) {
    return reject('invalid_quantity', `quantity must be a whole number from 1 to ${opts.maxQuantity}, got ${event.quantity}`, 'quantity');
  }
  if (!Number.isInteger(event.unit_price_cents) || event.unit_price_cents < 0 || event.unit_price_cents > opts.maxUnitPriceCents) {
    return reject(
      'invalid_price',
      `unit_price_cents must be whole cents from 0 to ${opts.maxUnitPriceCents}, got ${event.unit_price_cents}`,
      'unit_price_cents',
    );
  }
  if (!opts.currencies.includes(event.currency)) {
    return reject('unknown_currency', `currency ${JSON.stringify(event.currency)} is not one of ${opts.currencies.join(', ')}`, 'currency');
  }
  const occurredAtMs = ISO_INSTANT.test(event.occurred_at) ? Date.parse(event.occurred_at) : NaN;
  if (Number.isNaN(occurredAtMs)) {
    return reject('invalid_timestamp', `occurred_at must be an ISO 8601 instant with a zone, got ${JSON.stringify(event.occurred_at)}`, 'occurred_at');
  }
  if (occurredAtMs < opts.earliestMs) {
    return reject('invalid_timestamp', `occurred_at ${event.occurred_at} is before ${new Date(opts.earliestMs).toISOString()}`, 'occurred_at');
  }
  if (occurredAtMs > opts.now() + opts.maxFutureMs) {
    return reject('future_timestamp', `occurred_at ${event.occurred_at} is more than ${opts.maxFutureMs / 60_000} min in the future`, 'occurred_at');
  }
  return { ok: true, event: event as SaleEvent, occurredAtMs };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Start of the UTC minute that holds `ms`: the aggregator's bucket. */
export function minuteStartMs(ms: number): number {
  return ms - (((ms % 60_000) + 60_000) % 60_000);
}

/** Revenue of one line item, in cents (quantity × unit price; both validated integers). */
export function revenueCentsOf(event: Pick<SaleEvent, 'quantity' | 'unit_price_cents'>): number {
  return event.quantity * event.unit_price_cents;
}
