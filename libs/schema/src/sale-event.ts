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
  'control_characters',
  'markup_characters',
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
  /** The clock "the future" is judged against; a `nowMs` argument to the validator takes precedence. */
  now?: () => number;
}

export const DEFAULT_VALIDATOR_OPTIONS = {
  maxBytes: 4096,
  currencies: ['USD'] as readonly string[],
  maxQuantity: 10_000,
  maxUnitPriceCents: 100_000_000,
  maxFutureMs: 15 * 60_000,
  earliestMs: Date.UTC(2000, 0, 1),
  // libs/schema depends on nothing, so not on the clock: every caller in the source passes the time (nowMs).
  // eslint-disable-next-line no-restricted-syntax
  now: () => Date.now(),
} satisfies Required<ValidatorOptions>;

const NO_OPTIONS: ValidatorOptions = Object.freeze({});

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

/** A refusal found while decoding (oversized, not JSON): never a value JSON.parse can produce. */
class DecodeRefusal {
  constructor(readonly validation: Validation) {}
}

/** Raw bytes or a JSON string → the parsed value; anything else is taken as already parsed. */
function decode(input: unknown, maxBytes: number): unknown {
  if (typeof input === 'string') {
    const bytes = Buffer.byteLength(input);
    if (bytes > maxBytes) return new DecodeRefusal(reject('oversized', `payload is ${bytes} bytes; the limit is ${maxBytes}`));
    return parseJson(input);
  }
  if (input instanceof Uint8Array) {
    const bytes = input.byteLength;
    if (bytes > maxBytes) return new DecodeRefusal(reject('oversized', `payload is ${bytes} bytes; the limit is ${maxBytes}`));
    // A Buffer decodes itself; wrapping it in another Buffer view first costs an allocation per event.
    return parseJson(Buffer.isBuffer(input) ? input.toString('utf8') : Buffer.from(input.buffer, input.byteOffset, bytes).toString('utf8'));
  }
  return input;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return new DecodeRefusal(reject('invalid_json', `not JSON: ${(err as Error).message}`));
  }
}

/**
 * Validates one event: raw bytes (as read from Kafka), a JSON string, or an already parsed
 * value. Returns the typed event (the schema's fields only; unknown ones are dropped), or the
 * first precise reason it is refused.
 *
 * "The future" is judged against `nowMs` when given (the aggregator passes each message's Kafka
 * timestamp, so a replay decides the same), else `options.now()`, else the wall clock. Pass the
 * same `options` object on every call: nothing is allocated for it per event.
 *
 * Fast for valid events: hand-written checks on the parsed object accept a well-formed event
 * (`acceptSaleEvent`); only an event they do not accept goes through the zod schema and the
 * domain rules (`validateSaleEventCarefully`), which say precisely why it is refused.
 * sale-event.spec.ts checks, on generated and mutated events, that both decide the same.
 */
export function validateSaleEvent(input: Buffer | Uint8Array | string | unknown, options: ValidatorOptions = NO_OPTIONS, nowMs?: number): Validation {
  const value = decode(input, options.maxBytes ?? DEFAULT_VALIDATOR_OPTIONS.maxBytes);
  if (value instanceof DecodeRefusal) return value.validation;
  return acceptSaleEvent(value, options, nowMs) ?? explain(value, options, nowMs);
}

/**
 * The reference validator: zod for structure and types, then the domain rules, in the order
 * that picks the reason. Same decisions and results as `validateSaleEvent`, about 3× slower on
 * valid events; exported so tests can hold the fast path to it.
 */
export function validateSaleEventCarefully(input: Buffer | Uint8Array | string | unknown, options: ValidatorOptions = NO_OPTIONS, nowMs?: number): Validation {
  const value = decode(input, options.maxBytes ?? DEFAULT_VALIDATOR_OPTIONS.maxBytes);
  if (value instanceof DecodeRefusal) return value.validation;
  return explain(value, options, nowMs);
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 128;
const isCoord = (v: unknown, limit: number): boolean => v === undefined || (typeof v === 'number' && v >= -limit && v <= limit);
const isChannel = (v: unknown): v is Channel => v === 'web' || v === 'app' || v === 'store' || v === 'marketplace';

/**
 * The fast path: accepts an already parsed value when it is a valid event, with the same result
 * `validateSaleEventCarefully` gives; returns null for anything else (never a refusal — the
 * careful path explains those). Exported for the property test that holds it to the careful path.
 */
export function acceptSaleEvent(value: unknown, options: ValidatorOptions = NO_OPTIONS, nowMs?: number): Validation | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const quantity = v['quantity'];
  const price = v['unit_price_cents'];
  const currency = v['currency'];
  const occurredAt = v['occurred_at'];
  const lat = v['lat'];
  const lon = v['lon'];
  const channel = v['channel'];
  const productId = v['product_id'];
  if (
    !isId(v['event_id']) ||
    !isId(v['order_id']) ||
    !isId(productId) ||
    !isId(v['store_id']) ||
    !isId(v['user_id']) ||
    typeof quantity !== 'number' ||
    !Number.isInteger(quantity) ||
    quantity < 1 ||
    quantity > (options.maxQuantity ?? DEFAULT_VALIDATOR_OPTIONS.maxQuantity) ||
    typeof price !== 'number' ||
    !Number.isInteger(price) ||
    price < 0 ||
    price > (options.maxUnitPriceCents ?? DEFAULT_VALIDATOR_OPTIONS.maxUnitPriceCents) ||
    typeof currency !== 'string' ||
    !(options.currencies ?? DEFAULT_VALIDATOR_OPTIONS.currencies).includes(currency) ||
    !isChannel(channel) ||
    !isCoord(lat, 90) ||
    !isCoord(lon, 180) ||
    typeof occurredAt !== 'string'
  ) {
    return null;
  }
  // Printable ASCII (nearly every id) needs no normalising; anything else is checked and put in NFC.
  const product = isPrintableAscii(productId) ? productId : normalizeProductId(productId);
  if (product === null || MARKUP.test(product)) return null;
  const occurredAtMs = parseInstantMs(occurredAt);
  // NaN fails both comparisons' negation below, so an unparseable time is left to the careful path.
  if (!(occurredAtMs >= (options.earliestMs ?? DEFAULT_VALIDATOR_OPTIONS.earliestMs))) return null;
  const now = nowMs ?? (options.now ?? DEFAULT_VALIDATOR_OPTIONS.now)();
  if (!(occurredAtMs <= now + (options.maxFutureMs ?? DEFAULT_VALIDATOR_OPTIONS.maxFutureMs))) return null;
  // A fresh object with the schema's fields only, as zod's parse gives (unknown keys stripped).
  const event: SaleEvent = {
    event_id: v['event_id'] as string,
    order_id: v['order_id'] as string,
    product_id: product,
    quantity,
    unit_price_cents: price,
    currency,
    occurred_at: occurredAt,
    store_id: v['store_id'] as string,
    user_id: v['user_id'] as string,
    channel,
  };
  if (lat !== undefined) event.lat = lat as number;
  if (lon !== undefined) event.lon = lon as number;
  return { ok: true, event, occurredAtMs };
}

/** The careful path on a parsed value: structure (zod), then the domain rules, each with its reason. */
function explain(value: unknown, options: ValidatorOptions, nowMs: number | undefined): Validation {
  const opts = { ...DEFAULT_VALIDATOR_OPTIONS, ...options };
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
  const product = normalizeProductId(event.product_id);
  if (product === null) {
    return reject('control_characters', `product_id ${JSON.stringify(event.product_id)} holds control characters (or a lone surrogate)`, 'product_id');
  }
  if (MARKUP.test(product)) {
    return reject('markup_characters', `product_id ${JSON.stringify(product)} holds one of < > & " ' \` (markup in alerts, reports and pages: never part of an id)`, 'product_id');
  }
  event.product_id = product;

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
  if (occurredAtMs > (nowMs ?? opts.now()) + opts.maxFutureMs) {
    return reject('future_timestamp', `occurred_at ${event.occurred_at} is more than ${opts.maxFutureMs / 60_000} min in the future`, 'occurred_at');
  }
  return { ok: true, event: event as SaleEvent, occurredAtMs };
}

/** True when every character is printable ASCII (0x20–0x7E): such an id is already NFC and storable. */
export function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// C0 controls (NUL included), DEL and C1 controls: Postgres `text` refuses NUL, and none of them
// belongs in an id a person reads on a dashboard.
// Cc is exactly C0, DEL and C1; Cs under the u flag matches only a lone surrogate.
const UNSTORABLE = /[\p{Cc}\p{Cs}]/u;

// A product id travels into Slack messages, HTML, SVG and CSV: characters that are markup there are refused at
// the edge (each renderer escapes as well), so an event cannot carry `<!channel>` or a link into an alert.
const MARKUP = /[<>&"'`]/;

/**
 * A product id as it is counted: in Unicode NFC, so 'café' typed precomposed and 'cafe\u0301'
 * (e + combining accent) are one product. Null when the id cannot be one: it holds a control
 * character or a lone surrogate (no valid UTF-8 for it).
 */
export function normalizeProductId(id: string): string | null {
  if (isPrintableAscii(id)) return id;
  if (UNSTORABLE.test(id)) return null;
  return id.normalize('NFC');
}

/**
 * `occurred_at` → epoch ms, exactly as `ISO_INSTANT.test(s) ? Date.parse(s) : NaN`. The common
 * form producers send (`toISOString()`: `YYYY-MM-DDTHH:MM:SS.sssZ`) is read digit by digit —
 * Date.parse costs ~0.5 µs here, a tenth of the whole check — when every field is plainly in
 * range (day ≤ 28, so no month-length rule applies); anything else goes through the regex and
 * Date.parse. The property test compares both on generated instants.
 */
export function parseInstantMs(s: string): number {
  if (s.length === 24 && s.charCodeAt(23) === 90 /* Z */) {
    const y = digits(s, 0, 4);
    const mo = digits(s, 5, 2);
    const d = digits(s, 8, 2);
    const h = digits(s, 11, 2);
    const mi = digits(s, 14, 2);
    const sec = digits(s, 17, 2);
    const ms = digits(s, 20, 3);
    if (
      s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(10) === 84 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58 &&
      s.charCodeAt(19) === 46 && y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 &&
      sec >= 0 && sec <= 59 && ms >= 0
    ) {
      return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms;
    }
  }
  return ISO_INSTANT.test(s) ? Date.parse(s) : NaN;
}

/** The decimal number in s[at, at+n), or -1 if any of those characters is not a digit. */
function digits(s: string, at: number, n: number): number {
  let out = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    out = out * 10 + c;
  }
  return out;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
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
