import { validateSaleEvent } from '@hitboard/schema';
import { makeCatalog } from './catalog';
import { batches, CHUNK_MS, SalesStream, truthOf, type Emission } from './stream';

const day = Date.parse('2026-11-16T00:00:00Z'); // a Monday
const catalog = makeCatalog(300, 1);
const stream = (extra: Partial<ConstructorParameters<typeof SalesStream>[0]> = {}) =>
  new SalesStream({ seed: 5, catalog, segments: [{ fromMs: day - 30 * 86_400_000, ratePerSec: 0.5 }], ...extra });

function collect(s: SalesStream, fromMs: number, untilMs: number): Emission[] {
  const out: Emission[] = [];
  for (const b of batches(s, { chunkStartMs: fromMs, emitted: 0 }, untilMs, 5000)) out.push(...b.emissions);
  return out;
}

const unitsByProduct = (emissions: Emission[]) => {
  const m = new Map<string, number>();
  for (const e of truthOf(emissions)) m.set(e.product_id, (m.get(e.product_id) ?? 0) + e.quantity);
  return m;
};
const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([p]) => p);

describe('SalesStream', () => {
  it('makes a chunk again exactly, event ids included (what resuming after a crash relies on)', () => {
    const t = day + 19 * 3_600_000;
    const busy = (seed: number) => stream({ seed, segments: [{ fromMs: day, ratePerSec: 50 }] });
    expect(busy(5).chunk(t).length).toBeGreaterThan(10);
    expect(busy(5).chunk(t)).toEqual(busy(5).chunk(t));
    expect(busy(6).chunk(t)).not.toEqual(busy(5).chunk(t));
  });

  it('keeps the ground truth to valid, distinct events: duplicates and malformed messages are left out', () => {
    const emissions = collect(stream({ duplicateShare: 0.2, malformedShare: 0.2, lateShare: 0.1 }), day, day + 6 * 3_600_000);
    const truth = truthOf(emissions);
    const ids = truth.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    const nowMs = day + 7 * 3_600_000;
    expect(truth.every((e) => validateSaleEvent(e, {}, nowMs).ok)).toBe(true);
    const duplicates = emissions.filter((e) => e.kind === 'duplicate');
    const malformed = emissions.filter((e) => e.kind === 'malformed');
    expect(duplicates.length).toBeGreaterThan(truth.length * 0.1);
    expect(malformed.length).toBeGreaterThan(truth.length * 0.1);
    // Every duplicate repeats a truth event byte for byte; every malformed message is refused by the validator.
    const values = new Set(emissions.filter((e) => e.kind === 'event').map((e) => e.value));
    expect(duplicates.every((d) => values.has(d.value))).toBe(true);
    expect(malformed.every((m) => !validateSaleEvent(m.value, {}, nowMs).ok)).toBe(true);
  });

  it('sends a share of events late: they happened minutes to hours before their chunk', () => {
    const emissions = collect(stream({ lateShare: 0.2, lateMaxMs: 2 * 3_600_000 }), day + 12 * 3_600_000, day + 13 * 3_600_000);
    const truth = truthOf(emissions);
    const late = truth.filter((e) => Date.parse(e.occurred_at) < day + 12 * 3_600_000);
    expect(late.length / truth.length).toBeGreaterThan(0.1);
    expect(late.every((e) => Date.parse(e.occurred_at) >= day + 10 * 3_600_000 - CHUNK_MS)).toBe(true);
  });

  it('stops after exactly the number of valid events asked for, even inside a chunk', () => {
    const got = [...batches(stream({ duplicateShare: 0.1, malformedShare: 0.1 }), { chunkStartMs: day + 18 * 3_600_000, emitted: 0 }, Infinity, 100, 1234)];
    expect(truthOf(got.flatMap((b) => b.emissions))).toHaveLength(1234);
  });

  it('makes the same messages whether sent in one run or resumed from any position', () => {
    const s = stream({ duplicateShare: 0.1, malformedShare: 0.1 });
    const whole = collect(s, day, day + 600_000).map((e) => e.value);
    const first = [...batches(s, { chunkStartMs: day, emitted: 0 }, day + 600_000, 50, 77)];
    const stop = first[first.length - 1]!.next;
    const rest = [...batches(s, stop, day + 600_000, 50)];
    expect([...first, ...rest].flatMap((b) => b.emissions.map((e) => e.value))).toEqual(whole);
  });

  it('skews popularity (Zipf): the best seller outsells the median product many times over', () => {
    const units = unitsByProduct(collect(stream({ drift: 0 }), day, day + 86_400_000));
    const sorted = [...units.values()].sort((a, b) => b - a);
    expect(sorted[0]!).toBeGreaterThan(15 * sorted[Math.floor(sorted.length / 2)]!);
  });

  it('drifts: the top 10 of one day differs from the next, and not at all without drift', () => {
    const topOf = (drift: number, d: number) => top(unitsByProduct(collect(stream({ drift, seed: 9 }), day + d * 86_400_000, day + (d + 1) * 86_400_000)), 10);
    const changed = (a: string[], b: string[]) => a.filter((p) => !b.includes(p)).length;
    // Day-level drift moves several products in and out of the top 10 …
    expect(changed(topOf(0.6, 0), topOf(0.6, 2))).toBeGreaterThanOrEqual(2);
    // … while fixed popularity keeps the head stable (only sampling noise below the top few).
    expect(topOf(0, 0).slice(0, 3)).toEqual(topOf(0, 2).slice(0, 3));
  });

  it('follows a daily cycle and sells more on weekend days', () => {
    const s = stream();
    const hourVolume = (start: number) => truthOf(collect(s, start, start + 3_600_000)).length;
    expect(hourVolume(day + 19 * 3_600_000)).toBeGreaterThan(5 * hourVolume(day + 3 * 3_600_000));
    const dayVolume = (start: number) => truthOf(collect(s, start, start + 86_400_000)).length;
    const saturday = day + 5 * 86_400_000;
    expect(dayVolume(saturday)).toBeGreaterThan(1.15 * dayVolume(day + 86_400_000));
  });

  it('changes rate between segments (history fast-filled at one rate, live at another)', () => {
    const s = stream({ segments: [{ fromMs: day, ratePerSec: 1 }, { fromMs: day + 3_600_000, ratePerSec: 4 }] });
    const first = truthOf(collect(s, day + 2 * 3_600_000 - 3_600_000, day + 3_600_000)).length;
    const second = truthOf(collect(s, day + 3_600_000, day + 2 * 3_600_000)).length;
    expect(second).toBeGreaterThan(2.5 * first);
  });
});
