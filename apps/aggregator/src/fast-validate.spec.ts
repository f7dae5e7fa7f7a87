import fc from 'fast-check';
import { validateSaleEvent } from '@hitboard/schema';
import { createFastValidator } from './fast-validate';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const opts = { now: () => NOW, currencies: ['USD', 'EUR'] };
const fast = createFastValidator(opts);

const base = {
  event_id: 'e-1', order_id: 'o-1', product_id: 'p-1', quantity: 2, unit_price_cents: 1999, currency: 'USD',
  occurred_at: '2026-11-22T11:59:30.123Z', store_id: 's-1', user_id: 'u-1', lat: 52.52, lon: 13.4, channel: 'web',
};
const anyValue = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.string({ maxLength: 5 }), fc.integer({ min: -5, max: 20_000 }), fc.double(),
  fc.constantFrom('', 'XYZ', 'EUR', 'app', 'fax', '2026-11-22T11:00:00', '2026-11-22T13:00:00Z', '1999-01-01T00:00:00Z', '2026-11-22T17:29:30+05:30', 'x'.repeat(129)),
  fc.constant(['a']), fc.constant({}),
);

// The aggregator reads only the schema's fields; zod strips unknown keys, the fast path keeps them.
const FIELDS = Object.keys(base);
const norm = (v: ReturnType<typeof validateSaleEvent>) =>
  v.ok ? { ok: true, occurredAtMs: v.occurredAtMs, event: Object.fromEntries(FIELDS.map((k) => [k, (v.event as unknown as Record<string, unknown>)[k]])) } : v;

describe('createFastValidator', () => {
  it('decides exactly like validateSaleEvent on mutated events', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...Object.keys(base), 'extra'), anyValue, { maxKeys: 4 }), (patch) => {
        const bytes = Buffer.from(JSON.stringify({ ...base, ...patch }));
        expect(norm(fast(bytes))).toEqual(norm(validateSaleEvent(bytes, opts)));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the full validator’s reasons for non-JSON and oversized payloads', () => {
    for (const raw of ['{"a":', '[1]', 'null', JSON.stringify({ ...base, pad: 'x'.repeat(5000) })]) {
      const bytes = Buffer.from(raw);
      expect(fast(bytes)).toEqual(validateSaleEvent(bytes, opts));
    }
  });
});
