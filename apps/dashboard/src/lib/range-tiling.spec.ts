import fc from 'fast-check';
import { IntervalRegistry } from '@hitboard/time';
import { previousRange, splitUnbuilt, spans, tileChain, tileKey, tileRange, type BuiltWindow, type RangeTile } from './range-tiling';

const HOUR = 3_600_000;
const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata'] as const;
const registries = new Map(ZONES.map((z) => [z, IntervalRegistry.standard(z)]));
const reg = (zone: string) => registries.get(zone as (typeof ZONES)[number])!;

/**
 * The fewest chain windows that tile [from, to), by dynamic programming over every hour boundary —
 * an independent check of the greedy rule's minimality (it never assumes the greedy choice).
 */
function minimalTileCount(registry: IntervalRegistry, chain: readonly string[], fromMs: number, toMs: number): number {
  const best = new Map<number, number>([[fromMs, 0]]);
  for (let w = registry.windowAt('hour', fromMs); w.start.getTime() < toMs; w = registry.next(w)) {
    const at = w.start.getTime();
    const here = best.get(at);
    if (here === undefined) continue;
    for (const interval of chain) {
      const t = registry.windowAt(interval, at);
      if (t.start.getTime() !== at || t.end.getTime() > toMs) continue;
      const end = t.end.getTime();
      if ((best.get(end) ?? Infinity) > here + 1) best.set(end, here + 1);
    }
  }
  return best.get(toMs)!;
}

function expectExactTiling(registry: IntervalRegistry, tiles: RangeTile[], fromMs: number, toMs: number): void {
  // Disjoint and covering: in time order each tile starts where the last ended, from `from` to `to`.
  let at = fromMs;
  for (const t of tiles) {
    expect(t.startMs).toBe(at);
    expect(t.endMs).toBeGreaterThan(t.startMs);
    // Every tile is a real window of its interval in the zone.
    const w = registry.windowAt(t.interval, t.startMs);
    expect([w.start.getTime(), w.end.getTime()]).toEqual([t.startMs, t.endMs]);
    at = t.endMs;
  }
  expect(at).toBe(toMs);
}

/** An hour-aligned range in the zone, 1 hour to ~60 days, anywhere in 2025–2027 (DST transitions and year ends included). */
const rangeIn = (zone: string) =>
  fc
    .tuple(fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2027-12-01T00:00:00Z') }), fc.integer({ min: 1, max: 1500 }))
    .map(([at, hours]) => {
      const registry = reg(zone);
      const from = registry.windowAt('hour', at).start.getTime();
      return { from, to: registry.windowAt('hour', from + hours * HOUR).start.getTime() };
    })
    .filter((r) => r.to > r.from);

describe('tileChain', () => {
  it('is year → month → day → hour: the week straddles months and is left out', () => {
    expect(tileChain(reg('UTC'))).toEqual(['year', 'month', 'day', 'hour']);
  });
});

describe('tileRange', () => {
  for (const zone of ZONES) {
    it(`tiles any hour-aligned range in ${zone} exactly, disjointly and minimally`, () => {
      const registry = reg(zone);
      const chain = tileChain(registry);
      fc.assert(
        fc.property(rangeIn(zone), ({ from, to }) => {
          const tiles = tileRange(registry, from, to, chain);
          expectExactTiling(registry, tiles, from, to);
          expect(tiles).toHaveLength(minimalTileCount(registry, chain, from, to));
          expect(tiles.every((t) => t.interval !== 'week')).toBe(true);
        }),
        { numRuns: 25, seed: 27 },
      );
    });
  }

  it('covers a year plus edges with one year, whole months, days and hours (UTC)', () => {
    const registry = reg('UTC');
    const tiles = tileRange(registry, Date.parse('2025-12-30T22:00:00Z'), Date.parse('2027-02-02T03:00:00Z'));
    expect(tiles.map((t) => `${t.interval}:${new Date(t.startMs).toISOString().slice(0, 13)}`)).toEqual([
      'hour:2025-12-30T22',
      'hour:2025-12-30T23',
      'day:2025-12-31T00',
      'year:2026-01-01T00',
      'month:2027-01-01T00',
      'day:2027-02-01T00',
      'hour:2027-02-02T00',
      'hour:2027-02-02T01',
      'hour:2027-02-02T02',
    ]);
  });

  it('takes the 25-hour New York fall-back day as one tile', () => {
    const registry = reg('America/New_York');
    // 2026-11-01 local: 00:00 EDT (04:00Z) to 00:00 EST next day (05:00Z) — 25 hours.
    const tiles = tileRange(registry, Date.parse('2026-10-31T23:00:00Z'), Date.parse('2026-11-02T06:00:00Z'));
    expect(tiles.map((t) => [t.interval, new Date(t.startMs).toISOString(), (t.endMs - t.startMs) / HOUR])).toEqual([
      ['hour', '2026-10-31T23:00:00.000Z', 1],
      ['hour', '2026-11-01T00:00:00.000Z', 1],
      ['hour', '2026-11-01T01:00:00.000Z', 1],
      ['hour', '2026-11-01T02:00:00.000Z', 1],
      ['hour', '2026-11-01T03:00:00.000Z', 1],
      ['day', '2026-11-01T04:00:00.000Z', 25],
      ['hour', '2026-11-02T05:00:00.000Z', 1],
    ]);
  });

  it('tiles Kolkata ranges on :30 UTC boundaries, a whole local month as one tile', () => {
    const registry = reg('Asia/Kolkata');
    // 2026-03-01 00:00 IST = 2026-02-28T18:30Z; 2026-04-01 00:00 IST = 2026-03-31T18:30Z.
    const tiles = tileRange(registry, Date.parse('2026-02-28T17:30:00Z'), Date.parse('2026-03-31T19:30:00Z'));
    expect(tiles.map((t) => [t.interval, new Date(t.startMs).toISOString()])).toEqual([
      ['hour', '2026-02-28T17:30:00.000Z'],
      ['month', '2026-02-28T18:30:00.000Z'],
      ['hour', '2026-03-31T18:30:00.000Z'],
    ]);
  });

  it('refuses a range not aligned to the zone\'s hours', () => {
    expect(() => tileRange(reg('Asia/Kolkata'), Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-03-02T00:00:00Z'))).toThrow(/not aligned to hour/);
  });
});

describe('splitUnbuilt', () => {
  it('keeps built tiles, splits unbuilt ones into children down to hours, and leaves unbuilt hours to the speed layer', () => {
    const registry = reg('UTC');
    const chain = tileChain(registry);
    const from = Date.parse('2026-11-30T00:00:00Z');
    const to = Date.parse('2026-12-01T03:00:00Z');
    const built = new Map<string, BuiltWindow>();
    const mark = (interval: string, iso: string) => built.set(tileKey({ interval, startMs: Date.parse(iso) }), { runId: '1', builtAtMs: 0, dirty: false });
    mark('day', '2026-11-30T00:00:00Z');
    mark('hour', '2026-12-01T00:00:00Z');
    mark('hour', '2026-12-01T01:00:00Z');
    // The 02:00 hour is not built.
    let pending = tileRange(registry, from, to, chain);
    const exact: RangeTile[] = [];
    const unbuilt: RangeTile[] = [];
    for (let guard = 0; pending.length > 0 && guard < chain.length; guard++) {
      const step = splitUnbuilt(registry, chain, pending, built);
      exact.push(...step.exact);
      unbuilt.push(...step.unbuilt);
      pending = step.children;
    }
    expect(pending).toEqual([]);
    expect(exact.map((t) => t.interval)).toEqual(['day', 'hour', 'hour']);
    expect(spans(unbuilt)).toEqual([{ startMs: Date.parse('2026-12-01T02:00:00Z'), endMs: to }]);
    expectExactTiling(registry, [...exact, ...unbuilt].sort((a, b) => a.startMs - b.startMs), from, to);
  });
});

describe('previousRange', () => {
  it('is the same number of hours right before, in a DST zone too', () => {
    const registry = reg('America/New_York');
    const from = Date.parse('2026-11-02T05:00:00Z');
    const to = Date.parse('2026-11-03T05:00:00Z');
    expect(previousRange(registry, from, to)).toEqual({ fromMs: Date.parse('2026-11-01T05:00:00Z'), toMs: from });
  });
});
