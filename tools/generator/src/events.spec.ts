import { validateSaleEvent } from '@hitboard/schema';
import { makeCatalog } from './catalog';
import { generateEvents } from './events';

const start = Date.parse('2026-11-20T00:00:00Z');
const end = Date.parse('2026-11-22T00:00:00Z');

describe('generateEvents', () => {
  const events = [...generateEvents({ events: 20_000, products: 500, startMs: start, endMs: end, seed: 7 })];

  it('makes exactly the events asked for, all valid, with unique ids', () => {
    expect(events).toHaveLength(20_000);
    const now = () => end;
    expect(events.every((e) => validateSaleEvent(e, { now }).ok)).toBe(true);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(20_000);
  });

  it('repeats exactly for a seed and differs for another', () => {
    const again = [...generateEvents({ events: 20_000, products: 500, startMs: start, endMs: end, seed: 7 })];
    const other = [...generateEvents({ events: 20_000, products: 500, startMs: start, endMs: end, seed: 8 })];
    expect(again).toEqual(events);
    expect(other.slice(0, 100)).not.toEqual(events.slice(0, 100));
  });

  it('stays in the time range, roughly in order, with a daily cycle', () => {
    const times = events.map((e) => Date.parse(e.occurred_at));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(start);
    expect(Math.max(...times)).toBeLessThan(end);
    const byHour = new Array(24).fill(0);
    for (const t of times) byHour[new Date(t).getUTCHours()]++;
    expect(byHour[19]).toBeGreaterThan(byHour[3] * 5); // evening peak vs the small hours
  });

  it('skews popularity: the best seller outsells the median product many times over', () => {
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.product_id, (counts.get(e.product_id) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(sorted[0]!).toBeGreaterThan(20 * sorted[Math.floor(sorted.length / 2)]!);
  });

  it('groups lines into orders sharing store, user and channel', () => {
    const lines = events.filter((e) => e.order_id === events[0]!.order_id);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(new Set(lines.map((e) => `${e.store_id}|${e.user_id}|${e.channel}`)).size).toBe(1);
  });
});

describe('catalog', () => {
  it('makes a deterministic catalog with names, categories and whole-cent prices', () => {
    const catalog = makeCatalog(100, 3);
    expect(catalog).toEqual(makeCatalog(100, 3));
    expect(catalog[0]).toMatchObject({ product_id: 'P000001', name: expect.stringMatching(/ 1$/) });
    expect(catalog.every((p) => Number.isInteger(p.price_cents) && p.price_cents > 0)).toBe(true);
  });
});

describe('a stream made in pieces', () => {
  it('keeps the same best sellers across seeds (popularity has its own seed)', () => {
    const best = (seed: number) => {
      const counts = new Map<string, number>();
      for (const e of generateEvents({ events: 5000, products: 200, startMs: start, endMs: end, seed })) counts.set(e.product_id, (counts.get(e.product_id) ?? 0) + e.quantity);
      return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    };
    expect(best(1)).toBe(best(2));
  });
});
