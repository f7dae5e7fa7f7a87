import { DEFAULT_VALIDATOR_OPTIONS, validateSaleEvent } from '@hitboard/schema';
import { badEventValue, percentile, saleEventJson } from '../bench/harness';

/**
 * The process-level benches (streams-peer, freshness, rss-distinct) feed the real aggregator with
 * the harness's events: an event the validator refused would go to the DLQ, and the bench would
 * time the aggregator discarding input. Their percentiles are nearest-rank.
 */
describe('the bench harness', () => {
  it('makes events the aggregator accepts, each with its own event_id and the given product and quantity', () => {
    const at = Date.UTC(2026, 11, 2, 17, 0, 0);
    const ids = new Set<string>();
    for (const i of [0, 1, 2, 3, 999_999, 10_000_000]) {
      const json = saleEventJson(i, `d-${i}`, at, i === 3 ? 50 : undefined);
      const v = validateSaleEvent(json, DEFAULT_VALIDATOR_OPTIONS, at);
      expect(v.ok).toBe(true);
      const event = JSON.parse(json) as { event_id: string; product_id: string; quantity: number; occurred_at: string };
      expect(event.product_id).toBe(`d-${i}`);
      expect(event.occurred_at).toBe(new Date(at).toISOString());
      if (i === 3) expect(event.quantity).toBe(50);
      ids.add(event.event_id);
    }
    expect(ids.size).toBe(6);
  });

  it('makes bad input of mixed kinds and sizes up to 400 KB that the aggregator refuses, none of it an event the Streams peer could count', () => {
    const at = Date.UTC(2026, 11, 2, 17, 0, 0);
    const reasons = new Map<string, number>();
    const sizes: number[] = [];
    for (let k = 0; k < 100; k++) {
      const { value, reason } = badEventValue(k, 'p-1', at);
      const v = validateSaleEvent(value, DEFAULT_VALIDATOR_OPTIONS, at);
      expect(v.ok ? 'accepted' : v.rejection.reason).toBe(reason);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      sizes.push(value.length);
      // The peer counts any JSON object with a readable occurred_at: none may be one.
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(value.toString('utf8'));
      } catch {
        continue;
      }
      const time = (parsed as { occurred_at?: unknown } | null)?.occurred_at;
      expect(Array.isArray(parsed) || typeof time !== 'string' || Number.isNaN(Date.parse(time))).toBe(true);
    }
    sizes.sort((a, b) => a - b);
    expect(sizes.at(-1)).toBe(400 * 1024);
    expect(sizes.filter((n) => n > 4096)).toHaveLength(20);
    expect(reasons.get('oversized')).toBe(20);
    expect(reasons.size).toBe(5);
  });

  it('takes nearest-rank percentiles of a sorted sample', () => {
    const sample = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sample, 50)).toBe(50);
    expect(percentile(sample, 99)).toBe(99);
    expect(percentile(sample, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
