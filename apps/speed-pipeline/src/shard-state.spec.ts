import { flushIdOf, type ProductSum, type StoredChannel } from '@hitboard/schema';
import { IntervalRegistry } from '@hitboard/time';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';
import { TopKSketch } from '@hitboard/topk';
import { CHANNEL_EPS_FACTOR, ShardState, windowKey, windowRows, type ShardStateOptions } from './shard-state';

const topk = { eps: 1e-3, delta: 0.01, seed: 7, capacity: 50 };
const HOUR = 3_600_000;
const options = (zone = 'UTC', horizonMs = 48 * HOUR): ShardStateOptions => ({ registry: IntervalRegistry.standard(zone), topk, horizonMs });

let flushCounter = 0;
/** One flush of `source`: [productId, minute, units, revenueCents (units × 100), channel ('web')] per record. */
function flush(source: number, records: Array<[string, number, number, number?, StoredChannel?]>, range?: [number, number]): ProductSum[] {
  const [first, last] = range ?? [flushCounter * 100, flushCounter * 100 + 99];
  flushCounter += 1;
  return records.map(([productId, minuteIso, units, revenueCents, channel]) => ({
    flushId: flushIdOf(source, String(first), String(last)),
    sourcePartition: source,
    firstOffset: String(first),
    lastOffset: String(last),
    minuteStartMs: minuteIso,
    productId,
    units,
    revenueCents: revenueCents ?? units * 100,
    orders: 1,
    channel: channel ?? 'web',
  }));
}
const at = (iso: string) => Date.parse(iso);
/** The wall clock of these tests: a few days after the records. */
const NOW = at('2026-11-25T00:00:00Z');

function applyAll(state: ShardState, sums: ProductSum[], from = Number(state.nextOffset), nowMs = NOW) {
  return sums.map((s, i) => state.apply(s, BigInt(from + i), nowMs));
}

/** The rows a write would put in speed_table, keyed by window, comparable with toEqual. */
function tableOf(state: ShardState) {
  for (const w of state.windows.values()) w.dirty = true;
  const write = state.takeWrite(1000);
  return Object.fromEntries(write.replace.map((w) => [w.key, { rows: w.rows, unitsBound: w.unitsBound, revenueBound: w.revenueBound }]));
}

/** Each window's per-channel lists (rows, bounds, totals) a write would carry, keyed by window then channel. */
function channelsOf(state: ShardState) {
  for (const w of state.windows.values()) w.dirty = true;
  const write = state.takeWrite(1000);
  return Object.fromEntries(write.replace.map((w) => [w.key, Object.fromEntries(w.channels.map(({ channel, ...list }) => [channel, list]))]));
}

describe('ShardState', () => {
  it('adds a record to one window per speed interval and reports estimates with eps·N bounds', () => {
    const state = new ShardState(options());
    applyAll(state, flush(0, [['a', at('2026-11-22T07:42:00Z'), 3], ['b', at('2026-11-22T07:43:00Z'), 5]]));
    const table = tableOf(state);
    expect(Object.keys(table).sort()).toEqual(
      [
        windowKey('day', at('2026-11-22T00:00:00Z')),
        windowKey('hour', at('2026-11-22T07:00:00Z')),
        windowKey('month', at('2026-11-01T00:00:00Z')),
        windowKey('week', at('2026-11-16T00:00:00Z')),
        windowKey('year', at('2026-01-01T00:00:00Z')),
      ].sort(),
    );
    expect(table[windowKey('hour', at('2026-11-22T07:00:00Z'))]).toEqual({
      rows: [
        { productId: 'a', units: 3, revenueCents: 300 },
        { productId: 'b', units: 5, revenueCents: 500 },
      ],
      unitsBound: Math.ceil((Math.E / Math.ceil(Math.E / 1e-3)) * 8),
      revenueBound: Math.ceil((Math.E / Math.ceil(Math.E / 1e-3)) * 800),
    });
  });

  it('ignores a replayed flush and skips nothing else', () => {
    const state = new ShardState(options());
    const f = flush(2, [['a', at('2026-11-22T07:42:00Z'), 3], ['b', at('2026-11-22T07:42:00Z'), 1]]);
    expect(applyAll(state, [...f, ...f])).toEqual(['apply', 'apply', 'replayed-key', 'replayed-key']);
    expect(tableOf(state)[windowKey('hour', at('2026-11-22T07:00:00Z'))]?.rows.map((r) => r.units)).toEqual([3, 1]);
    expect(state.nextOffset).toBe(4n);
  });

  it('rolls hour windows over at :30 UTC and days at 18:30 UTC in Asia/Kolkata', () => {
    const state = new ShardState(options('Asia/Kolkata'));
    applyAll(state, flush(0, [['a', at('2026-11-22T18:29:00Z'), 1], ['a', at('2026-11-22T18:31:00Z'), 10]]));
    const t = tableOf(state);
    const units = (k: string) => t[k]?.rows[0]?.units;
    expect(units(windowKey('hour', at('2026-11-22T17:30:00Z')))).toBe(1);
    expect(units(windowKey('hour', at('2026-11-22T18:30:00Z')))).toBe(10);
    expect(units(windowKey('day', at('2026-11-21T18:30:00Z')))).toBe(1); // Sunday 22 Nov, local
    expect(units(windowKey('day', at('2026-11-22T18:30:00Z')))).toBe(10); // Monday 23 Nov, local
    expect(units(windowKey('week', at('2026-11-15T18:30:00Z')))).toBe(1); // the week of Mon 16 Nov
    expect(units(windowKey('week', at('2026-11-22T18:30:00Z')))).toBe(10); // a new ISO week
    expect(units(windowKey('month', at('2026-10-31T18:30:00Z')))).toBe(11);
  });

  it('gives the 25-hour fall-back day of America/New_York one day window and two 01:00 hours', () => {
    const state = new ShardState(options('America/New_York'));
    applyAll(state, flush(0, [['a', at('2026-11-01T05:30:00Z'), 1], ['a', at('2026-11-01T06:30:00Z'), 2], ['a', at('2026-11-02T04:59:00Z'), 4]]));
    const t = tableOf(state);
    expect(t[windowKey('day', at('2026-11-01T04:00:00Z'))]?.rows[0]?.units).toBe(7);
    expect(t[windowKey('hour', at('2026-11-01T05:00:00Z'))]?.rows[0]?.units).toBe(1);
    expect(t[windowKey('hour', at('2026-11-01T06:00:00Z'))]?.rows[0]?.units).toBe(2);
  });

  it('restores from a checkpoint to a state that continues exactly like the original', () => {
    const a = new ShardState(options());
    const f1 = flush(0, [['a', at('2026-11-22T07:42:00Z'), 3], ['b', at('2026-11-22T08:01:00Z'), 2]]);
    const f2 = flush(1, [['c', at('2026-11-22T08:02:00Z'), 9]]);
    applyAll(a, [...f1, ...f2]);
    const write = a.takeWrite(1000);
    const blobs = new Map(write.replace.map((w) => [w.key, w.blob]));
    const b = ShardState.restore(options(), JSON.parse(JSON.stringify(write.header)), blobs, NOW);
    expect(b.nextOffset).toBe(3n);
    const more = [...f2, ...flush(0, [['a', at('2026-11-22T08:03:00Z'), 4]])];
    expect(applyAll(a, more)).toEqual(applyAll(b, more));
    expect(channelsOf(b)).toEqual(channelsOf(a));
    expect(tableOf(b)).toEqual(tableOf(a));
  });

  it('drops covered windows from memory and from the table, and drops later records for them', () => {
    const state = new ShardState(options());
    applyAll(state, flush(0, [['a', at('2026-11-22T07:42:00Z'), 3]]));
    state.takeWrite(1000);
    const hour = { interval: 'hour', windowStart: new Date(at('2026-11-22T07:00:00Z')) };
    expect(state.markCovered([hour])).toBe(1);
    expect(state.windows.has(windowKey('hour', at('2026-11-22T07:00:00Z')))).toBe(false);
    const write = state.takeWrite(1000);
    expect(write.deleteRows).toEqual([hour]);
    expect(write.dropBlobs).toEqual([hour]);
    applyAll(state, flush(0, [['b', at('2026-11-22T07:50:00Z'), 1]]));
    expect(state.windows.has(windowKey('hour', at('2026-11-22T07:00:00Z')))).toBe(false);
    expect(tableOf(state)[windowKey('day', at('2026-11-22T00:00:00Z'))]?.rows.map((r) => r.units)).toEqual([3, 1]);
  });

  it('closes windows the watermark left behind by the horizon: final rows written, late records dropped', () => {
    const state = new ShardState(options('UTC', 2 * HOUR));
    applyAll(state, flush(0, [['a', at('2026-11-22T07:42:00Z'), 3]]));
    applyAll(state, flush(0, [['a', at('2026-11-22T10:00:00Z'), 1]]));
    const write = state.takeWrite(1000);
    const oldHour = windowKey('hour', at('2026-11-22T07:00:00Z'));
    expect(write.replace.map((w) => w.key)).toContain(oldHour); // its final rows
    expect(write.header.windows).not.toContain(oldHour);
    expect(state.windows.has(oldHour)).toBe(false);
    expect(applyAll(state, flush(0, [['z', at('2026-11-22T07:59:00Z'), 1]]))).toEqual(['apply']); // day/week/month still open
    expect(state.windows.has(oldHour)).toBe(false);
  });

  it('puts a failed write back: the next write carries it again', () => {
    const state = new ShardState(options());
    applyAll(state, flush(0, [['a', at('2026-11-22T07:42:00Z'), 3]]));
    const failed = state.takeWrite(1000);
    expect(state.takeWrite(1000).replace).toEqual([]);
    state.writeFailed(failed);
    expect(state.takeWrite(1000).replace.map((w) => w.key).sort()).toEqual(failed.replace.map((w) => w.key).sort());
  });

  describe('watermarks: per source partition, bounded by the wall clock (issue 7, finding 2)', () => {
    const hour7 = windowKey('hour', at('2026-11-22T07:00:00Z'));
    const unitsIn = (state: ShardState, key: string) => tableOf(state)[key]?.rows.reduce((n, r) => n + r.units, 0);

    it('refuses a far-future record (wrong producer clock) without closing any window', () => {
      const state = new ShardState(options());
      applyAll(state, flush(0, [['a', at('2026-11-22T07:42:00Z'), 3]]));
      expect(applyAll(state, flush(0, [['a', at('2031-06-01T00:00:00Z'), 1]]))).toEqual(['future']);
      state.takeWrite(1000);
      expect(applyAll(state, flush(0, [['b', at('2026-11-22T07:43:00Z'), 2]]))).toEqual(['apply']);
      expect(unitsIn(state, hour7)).toBe(5);
      expect(state.watermark).toBe(at('2026-11-22T07:43:00Z'));
    });

    it('accepts a record up to the allowed clock skew ahead, and refuses one beyond it', () => {
      const state = new ShardState({ ...options(), maxClockSkewMs: 15 * 60_000 });
      const nowMs = at('2026-11-22T07:00:00Z');
      expect(applyAll(state, flush(0, [['a', nowMs + 15 * 60_000, 1]]), 0, nowMs)).toEqual(['apply']);
      expect(applyAll(state, flush(0, [['a', nowMs + 16 * 60_000, 1]]), 1, nowMs)).toEqual(['future']);
    });

    it('does not drop a lagging source partition’s records as late when another source is days ahead', () => {
      const state = new ShardState(options('UTC', 2 * HOUR));
      applyAll(state, flush(1, [['slow', at('2026-11-22T07:10:00Z'), 1]]));
      applyAll(state, flush(0, [['fast', at('2026-11-24T20:00:00Z'), 1]]));
      state.takeWrite(1000);
      expect(applyAll(state, flush(1, [['slow', at('2026-11-22T07:20:00Z'), 4]]))).toEqual(['apply']);
      expect(unitsIn(state, hour7)).toBe(5);
      // Late within its own source is still late: the slow source moved on past the horizon.
      applyAll(state, flush(1, [['slow', at('2026-11-22T11:00:00Z'), 1]]));
      expect(applyAll(state, flush(1, [['slow', at('2026-11-22T07:30:00Z'), 1]]))).toEqual(['apply']); // day/week/month open
      expect(unitsIn(state, hour7)).toBe(5);
    });

    it('never reopens a window that left memory, even for a source it has not seen before', () => {
      const state = new ShardState(options('UTC', 2 * HOUR));
      applyAll(state, flush(0, [['a', at('2026-11-22T07:10:00Z'), 3]]));
      applyAll(state, flush(0, [['a', at('2026-11-22T11:00:00Z'), 1]]));
      state.takeWrite(1000); // hour 07 closed for every source seen: final rows written, memory freed
      expect(state.windows.has(hour7)).toBe(false);
      applyAll(state, flush(5, [['new', at('2026-11-22T07:50:00Z'), 1]]));
      expect(state.windows.has(hour7)).toBe(false);
    });

    it('restores a checkpoint whose watermark was poisoned by a far-future record with the wall-clock bound applied', () => {
      const a = new ShardState(options());
      applyAll(a, flush(0, [['a', at('2026-11-22T07:42:00Z'), 3]]));
      const write = a.takeWrite(1000);
      // As an unbounded build wrote it: one watermark, years ahead.
      const poisoned = { ...write.header, watermarkMs: at('2031-06-01T00:00:00Z'), sourceWatermarks: [[0, at('2031-06-01T00:00:00Z')]] as Array<[number, number]> };
      const b = ShardState.restore(options(), JSON.parse(JSON.stringify(poisoned)), new Map(write.replace.map((w) => [w.key, w.blob])), NOW);
      expect(b.watermark).toBe(NOW + 15 * 60_000);
      expect(applyAll(b, flush(0, [['b', at('2026-11-24T23:00:00Z'), 2]]))).toEqual(['apply']);
      expect(applyAll(b, flush(0, [['c', at('2026-11-22T07:50:00Z'), 2]]))).toEqual(['apply']); // the day/week/month are still open
      expect(b.windows.has(windowKey('hour', at('2026-11-24T23:00:00Z')))).toBe(true);
    });
  });

  describe('a record a window cannot take (total past 2^53) (issue 7, finding 5)', () => {
    it('is applied nowhere: no window, offset past it, dedupe unchanged, so a replay decides the same', () => {
      const state = new ShardState(options());
      const big = Number.MAX_SAFE_INTEGER - 10;
      expect(applyAll(state, flush(0, [['a', at('2026-11-22T07:42:00Z'), big, 0]]))).toEqual(['apply']);
      const before = tableOf(state);
      const record = flush(0, [['b', at('2026-11-22T08:05:00Z'), 20, 0]]);
      // Hour 08 could take it, the day (already at 2^53 - 11) cannot: all or nothing.
      expect(applyAll(state, record)).toEqual(['overflow']);
      expect(state.nextOffset).toBe(2n);
      expect(state.windows.has(windowKey('hour', at('2026-11-22T08:00:00Z')))).toBe(false);
      expect(tableOf(state)).toEqual(before);
      expect(applyAll(state, record)).toEqual(['overflow']);
      expect(applyAll(state, flush(0, [['c', at('2026-11-22T08:06:00Z'), 5, 0]]))).toEqual(['apply']);
    });
  });

  it('carries each window’s exact totals (the sketch’s N) for window_totals', () => {
    const state = new ShardState(options());
    applyAll(state, flush(0, [['a', at('2026-11-22T07:42:00Z'), 3, 310], ['b', at('2026-11-22T07:43:00Z'), 5, 99]]));
    const hour = state.takeWrite(1000).replace.find((w) => w.key === windowKey('hour', at('2026-11-22T07:00:00Z')));
    expect(hour && [hour.unitsTotal, hour.revenueCentsTotal]).toEqual([8, 409]);
  });

  describe('per channel (issue 27)', () => {
    const hour7 = windowKey('hour', at('2026-11-22T07:00:00Z'));
    const CHANNELS: StoredChannel[] = ['web', 'app', 'store', 'marketplace', 'unknown'];
    /** A seeded stream over many products (far more than the channel sketch's width), so estimates collide and bounds matter. */
    function mixedStream(records: number, seed: number): ProductSum[] {
      const rng = seededRandom(seed);
      const product = aliasSampler(zipfWeights(3000, 1.0), rng);
      const lines: Array<[string, number, number, number, StoredChannel]> = [];
      for (let i = 0; i < records; i++) {
        const units = 1 + Math.floor(rng() * 5);
        lines.push([`p${product()}`, at('2026-11-22T07:00:00Z') + Math.floor(rng() * 60) * 60_000, units, units * (100 + Math.floor(rng() * 900)), CHANNELS[Math.floor(rng() * rng() * 5)]!]);
      }
      // One flush per record: a flush holds one record per (minute, product, channel).
      return lines.flatMap((line) => flush(0, [line]));
    }
    /** Exact units and revenue per (channel, product) and per channel. */
    function truthOf(sums: ProductSum[]) {
      const byProduct = new Map<string, { units: number; revenueCents: number }>();
      const byChannel = new Map<string, { units: number; revenueCents: number }>();
      for (const s of sums) {
        for (const [map, key] of [[byProduct, `${s.channel}|${s.productId}`], [byChannel, s.channel]] as const) {
          const t = map.get(key) ?? { units: 0, revenueCents: 0 };
          map.set(key, { units: t.units + s.units, revenueCents: t.revenueCents + s.revenueCents });
        }
      }
      return { byProduct, byChannel };
    }

    it('estimates each channel within that channel’s own eps·N bound, never below the truth', () => {
      const state = new ShardState(options());
      const sums = mixedStream(6000, 11);
      applyAll(state, sums);
      const { byProduct, byChannel } = truthOf(sums);
      const hour = channelsOf(state)[hour7]!;
      expect(Object.keys(hour).sort()).toEqual([...byChannel.keys()].sort());
      // The channel sketch's eps is CHANNEL_EPS_FACTOR times the overall one: its width is e / eps_c.
      const epsC = Math.E / Math.ceil(Math.E / (topk.eps * CHANNEL_EPS_FACTOR));
      let overestimated = 0;
      for (const [channel, list] of Object.entries(hour)) {
        const n = byChannel.get(channel)!;
        expect([list.unitsTotal, list.revenueCentsTotal]).toEqual([n.units, n.revenueCents]);
        expect([list.unitsBound, list.revenueBound]).toEqual([Math.ceil(epsC * n.units), Math.ceil(epsC * n.revenueCents)]);
        expect(list.rows.length).toBeGreaterThan(0);
        for (const row of list.rows) {
          const truth = byProduct.get(`${channel}|${row.productId}`) ?? { units: 0, revenueCents: 0 };
          expect(row.units).toBeGreaterThanOrEqual(truth.units);
          expect(row.revenueCents).toBeGreaterThanOrEqual(truth.revenueCents);
          expect(row.units - truth.units).toBeLessThanOrEqual(list.unitsBound);
          expect(row.revenueCents - truth.revenueCents).toBeLessThanOrEqual(list.revenueBound);
          if (row.units > truth.units) overestimated += 1;
        }
      }
      // The stream is big enough that collisions happen: the bounds were tested, not idle.
      expect(overestimated).toBeGreaterThan(0);
    });

    it('sums each window’s channel totals exactly to its overall totals, and leaves the overall figures as they were', () => {
      const state = new ShardState(options());
      const sums = mixedStream(4000, 12);
      applyAll(state, sums);
      // The overall sketch of a window sees every record, whatever its channel: the same as one sketch fed all of them.
      const alone = TopKSketch.create(topk);
      for (const s of sums) alone.add(s.productId, s.units, s.revenueCents);
      for (const w of state.windows.values()) w.dirty = true;
      const write = state.takeWrite(1000);
      expect(write.replace).toHaveLength(5);
      for (const w of write.replace) {
        expect({ rows: w.rows, unitsBound: w.unitsBound, revenueBound: w.revenueBound }).toEqual({
          rows: windowRows({ key: w.key, interval: w.interval, startMs: 0, endMs: 0, topk: alone, channels: new Map(), dirty: true }, 1000).rows,
          unitsBound: alone.errorBound('units'),
          revenueBound: alone.errorBound('revenue'),
        });
        const sum = (f: (c: (typeof w.channels)[number]) => number) => w.channels.reduce((n, c) => n + f(c), 0);
        expect([sum((c) => c.unitsTotal), sum((c) => c.revenueCentsTotal)]).toEqual([w.unitsTotal, w.revenueCentsTotal]);
        expect(w.unitsTotal).toBe(sums.reduce((n, s) => n + s.units, 0));
      }
    });

    it('ranks a channel’s rows by that channel alone', () => {
      const state = new ShardState(options());
      applyAll(state, flush(0, [['a', at('2026-11-22T07:42:00Z'), 9, 900, 'web'], ['b', at('2026-11-22T07:43:00Z'), 2, 200, 'app'], ['a', at('2026-11-22T07:44:00Z'), 1, 100, 'app']]));
      const hour = channelsOf(state)[hour7]!;
      expect(hour.web?.rows).toEqual([{ productId: 'a', units: 9, revenueCents: 900 }]);
      expect(hour.app?.rows).toEqual([
        { productId: 'a', units: 1, revenueCents: 100 },
        { productId: 'b', units: 2, revenueCents: 200 },
      ]);
      expect(hour.store).toBeUndefined();
    });

    it('restores a checkpoint written before channels (bare overall blobs): overall figures continue, channels start empty', () => {
      const a = new ShardState(options());
      const first = flush(0, [['a', at('2026-11-22T07:42:00Z'), 3, 300, 'web'], ['b', at('2026-11-22T07:43:00Z'), 5, 500, 'app']]);
      applyAll(a, first);
      const write = a.takeWrite(1000);
      // What the build before channels wrote: the same header, each window's TopKSketch as its blob.
      const oldBlobs = new Map([...a.windows.values()].map((w) => [w.key, w.topk.encode()]));
      const b = ShardState.restore(options(), JSON.parse(JSON.stringify(write.header)), oldBlobs, NOW);
      expect(b.nextOffset).toBe(2n);
      expect(channelsOf(b)[hour7]).toEqual({});
      const more = flush(0, [['a', at('2026-11-22T07:50:00Z'), 4, 400, 'web']]);
      expect(applyAll(b, more)).toEqual(applyAll(a, more));
      expect(tableOf(b)).toEqual(tableOf(a));
      const hour = channelsOf(b)[hour7]!;
      expect(Object.keys(hour)).toEqual(['web']);
      expect(hour.web?.rows).toEqual([{ productId: 'a', units: 4, revenueCents: 400 }]);
      expect(hour.web?.unitsTotal).toBe(4);
    });
  });
});
