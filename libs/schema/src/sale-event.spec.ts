import fc from 'fast-check';
import {
  acceptSaleEvent,
  minuteStartMs,
  parseInstantMs,
  REJECTION_REASONS,
  revenueCentsOf,
  validateSaleEvent,
  validateSaleEventCarefully,
  type RejectionReason,
  type ValidatorOptions,
} from './sale-event';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const opts: ValidatorOptions = { now: () => NOW };

const good = {
  event_id: 'e-1',
  order_id: 'o-1',
  product_id: 'p-42',
  quantity: 2,
  unit_price_cents: 1999,
  currency: 'USD',
  occurred_at: '2026-11-22T11:59:30.123Z',
  store_id: 's-1',
  user_id: 'u-1',
  lat: 52.52,
  lon: 13.4,
  channel: 'web',
};

function reasonOf(input: unknown, options: ValidatorOptions = opts): { reason: RejectionReason; field?: string } | 'ok' {
  const result = validateSaleEvent(input, options);
  return result.ok ? 'ok' : { reason: result.rejection.reason, ...(result.rejection.field ? { field: result.rejection.field } : {}) };
}

describe('validateSaleEvent', () => {
  it('accepts a well-formed event from bytes, a string or a parsed object', () => {
    for (const input of [Buffer.from(JSON.stringify(good)), JSON.stringify(good), good]) {
      const result = validateSaleEvent(input, opts);
      expect(result).toEqual({ ok: true, event: good, occurredAtMs: Date.parse(good.occurred_at) });
    }
  });

  it('accepts optional fields being absent and zone offsets other than Z', () => {
    const { lat: _lat, lon: _lon, ...rest } = good;
    const result = validateSaleEvent({ ...rest, occurred_at: '2026-11-22T17:29:30+05:30' }, opts);
    expect(result.ok && result.occurredAtMs).toBe(Date.parse('2026-11-22T11:59:30Z'));
  });

  it('accepts historical events: late is not bad', () => {
    expect(reasonOf({ ...good, occurred_at: '2024-02-29T10:00:00Z' })).toBe('ok');
  });

  const cases: Array<[string, unknown, RejectionReason, string | undefined]> = [
    ['oversized payloads before parsing them', JSON.stringify({ ...good, pad: 'x'.repeat(5000) }), 'oversized', undefined],
    ['bytes that are not JSON', Buffer.from('{"event_id": "e-1",'), 'invalid_json', undefined],
    ['JSON that is not an object', '[1,2,3]', 'not_an_object', undefined],
    ['null', 'null', 'not_an_object', undefined],
    ['a missing field, naming it', { ...good, product_id: undefined }, 'missing_field', 'product_id'],
    ['a string quantity', { ...good, quantity: '2' }, 'wrong_type', 'quantity'],
    ['a numeric product id', { ...good, product_id: 42 }, 'wrong_type', 'product_id'],
    ['an empty id', { ...good, event_id: '' }, 'invalid_field', 'event_id'],
    ['an unknown channel', { ...good, channel: 'fax' }, 'invalid_field', 'channel'],
    ['a latitude off the globe', { ...good, lat: 91 }, 'invalid_field', 'lat'],
    ['a zero quantity', { ...good, quantity: 0 }, 'invalid_quantity', 'quantity'],
    ['a negative quantity', { ...good, quantity: -3 }, 'invalid_quantity', 'quantity'],
    ['a fractional quantity', { ...good, quantity: 1.5 }, 'invalid_quantity', 'quantity'],
    ['an absurd quantity', { ...good, quantity: 1_000_000 }, 'invalid_quantity', 'quantity'],
    ['a negative price', { ...good, unit_price_cents: -1 }, 'invalid_price', 'unit_price_cents'],
    ['a fractional price (not whole cents)', { ...good, unit_price_cents: 19.99 }, 'invalid_price', 'unit_price_cents'],
    ['an absurd price', { ...good, unit_price_cents: 1e12 }, 'invalid_price', 'unit_price_cents'],
    ['an unknown currency', { ...good, currency: 'XYZ' }, 'unknown_currency', 'currency'],
    ['an unparseable timestamp', { ...good, occurred_at: 'yesterday' }, 'invalid_timestamp', 'occurred_at'],
    ['a timestamp without a zone', { ...good, occurred_at: '2026-11-22T11:00:00' }, 'invalid_timestamp', 'occurred_at'],
    ['an impossible date', { ...good, occurred_at: '2026-13-45T11:00:00Z' }, 'invalid_timestamp', 'occurred_at'],
    ['an epoch-seconds mistake', { ...good, occurred_at: '1970-01-21T11:00:00Z' }, 'invalid_timestamp', 'occurred_at'],
    ['a far-future timestamp', { ...good, occurred_at: '2026-11-22T13:00:00Z' }, 'future_timestamp', 'occurred_at'],
    ['a product id with a NUL (Postgres text refuses it)', { ...good, product_id: 'p\u0000-42' }, 'control_characters', 'product_id'],
    ['a product id with a C1 control', { ...good, product_id: 'caf\u0085' }, 'control_characters', 'product_id'],
    ['a product id with a newline', { ...good, product_id: 'p-42\n' }, 'control_characters', 'product_id'],
    ['a product id with a lone surrogate', { ...good, product_id: 'p-\ud800' }, 'control_characters', 'product_id'],
    ['a product id holding Slack markup', { ...good, product_id: '<!channel> <https://evil.example/login|Action needed>' }, 'markup_characters', 'product_id'],
    ['a product id holding HTML', { ...good, product_id: 'p"><script>' }, 'markup_characters', 'product_id'],
    ['a product id holding &', { ...good, product_id: 'p&amp;' }, 'markup_characters', 'product_id'],
    ['a product id holding markup beside non-ASCII', { ...good, product_id: 'caf\u00e9<b>' }, 'markup_characters', 'product_id'],
  ];
  it.each(cases)('refuses %s', (_name, input, reason, field) => {
    expect(reasonOf(input)).toEqual(field ? { reason, field } : { reason });
  });

  it('has a test for every rejection reason', () => {
    expect(new Set(cases.map((c) => c[2]))).toEqual(new Set(REJECTION_REASONS));
  });

  it('says which field and why in the message', () => {
    const result = validateSaleEvent({ ...good, quantity: '2' }, opts);
    expect(!result.ok && result.rejection.message).toBe('quantity must be a number, got string');
  });

  it('puts product ids in NFC, so precomposed and combining spellings are one product', () => {
    const composed = validateSaleEvent(Buffer.from(JSON.stringify({ ...good, product_id: 'caf\u00e9' })), opts);
    const combining = validateSaleEvent(Buffer.from(JSON.stringify({ ...good, product_id: 'cafe\u0301' })), opts);
    expect(composed.ok && composed.event.product_id).toBe('caf\u00e9');
    expect(combining.ok && combining.event.product_id).toBe('caf\u00e9');
    // Non-ASCII that is already NFC, emoji (surrogate pairs) included, is kept as sent.
    expect(reasonOf({ ...good, product_id: '\u8336-\ud83c\udf75' })).toBe('ok');
  });

  it('honours configured currencies and limits', () => {
    expect(reasonOf({ ...good, currency: 'EUR' }, { ...opts, currencies: ['USD', 'EUR'] })).toBe('ok');
    expect(reasonOf({ ...good, quantity: 11 }, { ...opts, maxQuantity: 10 })).toEqual({ reason: 'invalid_quantity', field: 'quantity' });
  });
});

describe('the fast path decides exactly like the careful (zod) path', () => {
  const anyValue = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.string({ maxLength: 5 }),
    fc.integer({ min: -5, max: 20_000 }),
    fc.double(),
    fc.constantFrom(1.5, 1e12, 0, -0, 10_000, 10_001, 100_000_000, 100_000_001, 90, -90, 90.0001, 180, -180.5),
    fc.constantFrom('', 'XYZ', 'EUR', 'USD', 'app', 'fax', 'store', 'marketplace'),
    fc.constantFrom(
      '2026-11-22T11:00:00',
      '2026-11-22T13:00:00Z',
      '2026-11-22T12:14:59.999Z',
      '2026-11-22T12:15:00.001Z',
      '1999-12-31T23:59:59.999Z',
      '2000-01-01T00:00:00.000Z',
      '2026-11-22T17:29:30+05:30',
      '2026-02-30T10:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-11-22T11:59:30.123z',
      '2026-11-22 11:59:30.123Z',
    ),
    fc.constantFrom('caf\u00e9', 'cafe\u0301', 'p\u0000', 'p\u007f', 'p\u009f', 'p\u00a0', '\ud83c\udf75', '\udf75x', 'A\u030a'),
    fc.constant('x'.repeat(128)),
    fc.constant('x'.repeat(129)),
    fc.constant(['a']),
    fc.constant({}),
  );
  const keys = [...Object.keys(good), 'extra'];
  const options = fc.record(
    {
      currencies: fc.constantFrom(['USD'], ['USD', 'EUR'], ['EUR']),
      maxQuantity: fc.constantFrom(10, 10_000),
      maxUnitPriceCents: fc.constantFrom(5000, 100_000_000),
      maxFutureMs: fc.constantFrom(0, 15 * 60_000),
    },
    { requiredKeys: [] },
  );
  // Either a clock in the options or a nowMs argument (the aggregator's way), around NOW.
  const clock = fc.integer({ min: -7_200_000, max: 7_200_000 }).map((d) => NOW + d);

  it('on mutated events, as bytes, strings and parsed values', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: 4 }), options, clock, fc.boolean(), (patch, o, nowMs, viaArg) => {
        const event: Record<string, unknown> = { ...good, ...patch };
        for (const [k, v] of Object.entries(patch)) if (v === undefined) delete event[k];
        const opt: ValidatorOptions = viaArg ? o : { ...o, now: () => nowMs };
        const arg = viaArg ? nowMs : undefined;
        const careful = validateSaleEventCarefully(event, opt, arg);
        // The fast path accepts exactly the valid events, with the same result, and never refuses.
        expect(acceptSaleEvent(event, opt, arg) ?? { ok: false }).toEqual(careful.ok ? careful : { ok: false });
        const bytes = Buffer.from(JSON.stringify(event));
        expect(validateSaleEvent(bytes, opt, arg)).toEqual(validateSaleEventCarefully(bytes, opt, arg));
        expect(validateSaleEvent(event, opt, arg)).toEqual(careful);
      }),
      { numRuns: 5000 },
    );
  });

  it('drops unknown fields, like zod', () => {
    const result = validateSaleEvent(JSON.stringify({ ...good, extra: 1 }), opts);
    expect(result).toEqual({ ok: true, event: good, occurredAtMs: Date.parse(good.occurred_at) });
    expect(result.ok && Object.keys(result.event).sort()).toEqual(Object.keys(good).sort());
  });

  it('judges "the future" against nowMs when given, before the options clock', () => {
    const event = { ...good, occurred_at: '2026-11-22T13:00:00Z' };
    expect(reasonOf(event, { now: () => NOW })).toEqual({ reason: 'future_timestamp', field: 'occurred_at' });
    expect(validateSaleEvent(event, { now: () => NOW }, NOW + 3_600_000).ok).toBe(true);
    expect(validateSaleEvent(event, {}, NOW).ok).toBe(false);
  });

  it('reads instants exactly like the ISO regex + Date.parse', () => {
    const reference = (s: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(s) ? Date.parse(s) : NaN);
    const instant = fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());
    // toISOString's form, then with one character replaced (digits out of range, separators, zones).
    const mutated = fc.tuple(instant, fc.nat(23), fc.constantFrom('0', '2', '3', '4', '9', 'Z', 'z', '+', '-', ':', '.', 'T', ' ')).map(
      ([s, i, c]) => s.slice(0, i) + c + s.slice(i + 1),
    );
    fc.assert(
      fc.property(fc.oneof(instant, mutated, fc.string({ maxLength: 26 })), (s) => {
        expect(parseInstantMs(s)).toBe(reference(s));
      }),
      { numRuns: 20_000 },
    );
    for (const s of ['2026-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '0000-03-01T00:00:00.000Z']) {
      expect(parseInstantMs(s)).toBe(reference(s));
    }
  });
});

describe('minuteStartMs and revenueCentsOf', () => {
  it('truncates to the UTC minute, also before 1970', () => {
    expect(minuteStartMs(Date.parse('2026-11-22T11:59:30.123Z'))).toBe(Date.parse('2026-11-22T11:59:00Z'));
    expect(minuteStartMs(-1)).toBe(-60_000);
  });
  it('computes revenue in whole cents', () => {
    expect(revenueCentsOf({ quantity: 3, unit_price_cents: 1999 })).toBe(5997);
  });
});
