import fc from 'fast-check';
import { METRICS } from '@hitboard/schema';
import { CountMinSketch } from './CountMinSketch';
import { DEFAULT_CANDIDATES, DEFAULT_SKETCH_PARAMS } from './defaults';
import { InvalidCountError, SketchDecodeError, SketchParameterMismatchError, TopKError } from './errors';
import { exactTop, expectMonoidLaws, keyedSumsMonoid, type KeyedSums } from './testing';
import { streamArb, type Update } from './testing/arbitraries';
import { TopKSketch, topKMonoid, type TopKParams } from './TopKSketch';

// Small sketches keep property tests fast and make keys collide.
const SMALL: Partial<TopKParams> = { eps: 0.05, delta: 0.1, seed: 11 };
// Wide enough that a handful of keys never collide in every row (checked where it matters).
const WIDE: Partial<TopKParams> = { eps: 0.001, delta: 0.01, seed: 11 };

function build(stream: Update[], params: Partial<TopKParams>): TopKSketch {
  const s = TopKSketch.create(params);
  for (const u of stream) s.add(u.key, u.units, u.revenueCents);
  return s;
}

function exact(stream: Update[]): KeyedSums {
  return keyedSumsMonoid.sum(stream.map((u) => new Map([[u.key, { units: u.units, revenueCents: u.revenueCents, orders: 1 }]])));
}

describe('TopKSketch', () => {
  it('starts empty: top() is [] and bounds are 0', () => {
    const s = TopKSketch.create();
    expect(s.top(10, 'units')).toEqual([]);
    expect(s.top(10, 'revenue')).toEqual([]);
    expect(s.errorBound('units')).toBe(0);
    expect(s.totalCount('revenue')).toBe(0);
  });

  it('uses the defaults: DEFAULT_SKETCH_PARAMS (45,305 × 5 × 2 planes, under 4 MB) and DEFAULT_CANDIDATES', () => {
    const s = TopKSketch.create();
    expect(s.capacity).toBe(DEFAULT_CANDIDATES);
    expect(s.dimensions).toEqual({ width: 45305, depth: 5, seed: DEFAULT_SKETCH_PARAMS.seed, planes: 2 });
    expect(s.sketchBytes).toBe(45305 * 5 * 2 * 8);
    expect(s.sketchBytes).toBeLessThanOrEqual(4_000_000);
    expect(s.confidence).toBeCloseTo(1 - Math.exp(-5));
  });

  it('reports estimates never below the truth and the bounds ceil(eps·N) per metric', () => {
    fc.assert(
      fc.property(streamArb(120), fc.constantFrom(...METRICS), (stream, metric) => {
        const s = build(stream, { ...SMALL, capacity: 500 });
        const truth = exact(stream);
        for (const row of s.top(500, metric)) {
          const t = truth.get(row.key);
          expect(t).toBeDefined();
          expect(row.units).toBeGreaterThanOrEqual(t!.units);
          expect(row.revenueCents).toBeGreaterThanOrEqual(t!.revenueCents);
          expect(row.unitsBound).toBe(Math.ceil(s.eps * s.totalCount('units')));
          expect(row.revenueBound).toBe(Math.ceil(s.eps * s.totalCount('revenue')));
        }
      }),
    );
  });

  it('is the exact top-k when the sketch does not collide and candidates hold every key', () => {
    const stream: Update[] = [];
    for (let i = 1; i <= 30; i++) stream.push({ key: `p${i}`, units: i * 3, revenueCents: (31 - i) * 1000 });
    const s = build(stream, { ...WIDE, capacity: 100 });
    const truth = exact(stream);
    for (const metric of ['units', 'revenue'] as const) {
      const got = s.top(10, metric).map(({ key, units, revenueCents }) => ({ key, units, revenueCents }));
      expect(got).toEqual(exactTop(truth, 10, metric).map(({ key, units, revenueCents }) => ({ key, units, revenueCents })));
    }
  });

  it('ranks by units and by revenue separately', () => {
    const s = build(
      [
        { key: 'cheap', units: 100, revenueCents: 100 },
        { key: 'dear', units: 1, revenueCents: 99_999 },
      ],
      WIDE,
    );
    expect(s.top(1, 'units')[0]?.key).toBe('cheap');
    expect(s.top(1, 'revenue')[0]?.key).toBe('dear');
  });

  it('leaves out keys whose estimate for the metric is 0', () => {
    const s = build([{ key: 'free', units: 3, revenueCents: 0 }], WIDE);
    expect(s.top(5, 'units').map((r) => r.key)).toEqual(['free']);
    expect(s.top(5, 'revenue')).toEqual([]);
  });

  it('admits a key that was turned away once its accumulated estimate beats the weakest candidate', () => {
    const s = TopKSketch.create({ ...WIDE, capacity: 3 });
    for (const key of ['a', 'b', 'c']) s.add(key, 10, 10);
    for (let i = 0; i < 11; i++) s.add('late', 1, 1); // 1, 2, … : turned away until 11 > 10
    expect(s.candidates('units')).toContain('late');
    expect(s.top(1, 'units')[0]).toMatchObject({ key: 'late', units: 11 });
  });

  it('re-estimates a stale weakest candidate before evicting it', () => {
    // One row of 3 counters: keys collide by design, which is what makes stored scores stale.
    const tiny = { eps: 0.95, delta: 0.5, seed: 11, capacity: 2 };
    const probe = CountMinSketch.withDimensions({ width: 3, depth: 1, seed: 11, planes: 1 });
    const column = (key: string): number => probe.hashInto(key, new Uint32Array(1))[0]!;
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const a = keys[0]!;
    const b = keys.find((k) => column(k) !== column(a))!;
    const n = keys.find((k) => k !== a && column(k) === column(a))!;
    const s = TopKSketch.create(tiny);
    s.add(a, 5, 5);
    s.add(b, 6, 6);
    // n shares a's counter: n's estimate is 15, and so is a's now, though a's stored score is 5.
    // Evicting a on the stale 5 would drop the candidate whose estimate is highest; b goes.
    s.add(n, 10, 10);
    expect(new Set(s.candidates('units'))).toEqual(new Set([a, n]));
  });

  it('keeps unicode keys intact (accents, CJK, emoji, combining marks)', () => {
    const keys = ['café', 'cafe\u0301', '商品-7', '🍕', '👩‍👩‍👧'];
    const s = build(
      keys.map((key, i) => ({ key, units: 10 * (i + 1), revenueCents: 1 })),
      WIDE,
    );
    expect(s.top(5, 'units').map((r) => r.key)).toEqual([...keys].reverse());
    expect(TopKSketch.decode(s.encode()).top(5, 'units')).toEqual(s.top(5, 'units'));
  });

  it('identifies keys by their UTF-8 bytes: a lone surrogate is the same key as U+FFFD', () => {
    const s = build(
      [
        { key: 'x\ud800', units: 2, revenueCents: 2 },
        { key: 'x\ufffd', units: 3, revenueCents: 3 },
      ],
      WIDE,
    );
    expect(s.top(5, 'units')).toMatchObject([{ key: 'x\ufffd', units: 5 }]);
    expect(TopKSketch.decode(s.encode()).equals(s)).toBe(true);
  });

  it('rejects a bad count without changing anything', () => {
    const s = build([{ key: 'a', units: 1, revenueCents: 1 }], SMALL);
    const before = s.encode();
    expect(() => s.add('a', 1, -5)).toThrow(InvalidCountError);
    expect(() => s.add('a', 0.5, 5)).toThrow(InvalidCountError);
    expect(() => s.add('a', 1, Number.MAX_SAFE_INTEGER)).toThrow(/overflows/);
    expect(s.encode()).toEqual(before);
  });

  it('says whether an add fits, exactly when add would succeed', () => {
    const s = build([{ key: 'a', units: 1, revenueCents: 1 }], SMALL);
    const cases: Array<[number, number]> = [[1, 1], [0, 0], [1, -5], [0.5, 5], [1, Number.MAX_SAFE_INTEGER], [Number.MAX_SAFE_INTEGER - 1, 0], [Number.MAX_SAFE_INTEGER, 0]];
    for (const [units, revenueCents] of cases) {
      const copy = TopKSketch.decode(s.encode());
      let added = true;
      try {
        copy.add('b', units, revenueCents);
      } catch {
        added = false;
      }
      expect([units, revenueCents, s.fits(units, revenueCents)]).toEqual([units, revenueCents, added]);
    }
  });

  it('refuses k above the candidate capacity, with advice', () => {
    expect(() => TopKSketch.create({ ...SMALL, capacity: 5 }).top(6)).toThrow(/larger capacity/);
    expect(() => TopKSketch.create(SMALL).top(-1)).toThrow(TopKError);
    expect(TopKSketch.create(SMALL).top(0)).toEqual([]);
  });

  describe('merging', () => {
    const paramsNoTruncation = { ...SMALL, capacity: 1000 }; // more than any generated stream's distinct keys
    const arb = streamArb(40).map((stream) => build(stream, paramsNoTruncation));
    const eq = (a: TopKSketch, b: TopKSketch): boolean => a.equals(b);

    it('satisfies the monoid laws (sketch counters and candidate sets exact) while unions fit in capacity', () => {
      expectMonoidLaws(topKMonoid(paramsNoTruncation), arb, eq, { commutative: true, numRuns: 60 });
    });

    it('is commutative even when unions exceed capacity (ties break by key)', () => {
      const tight = { ...SMALL, capacity: 3 };
      fc.assert(
        fc.property(streamArb(40), streamArb(40), (x, y) => {
          const a = build(x, tight);
          const b = build(y, tight);
          expect(a.plus(b).equals(b.plus(a))).toBe(true);
        }),
      );
    });

    it('merges sketches exactly in any grouping, even when candidate sets are truncated', () => {
      const tight = { ...SMALL, capacity: 2 };
      fc.assert(
        fc.property(streamArb(40), streamArb(40), streamArb(40), (x, y, z) => {
          const [a, b, c] = [build(x, tight), build(y, tight), build(z, tight)];
          const left = a.plus(b).plus(c);
          const right = a.plus(b.plus(c));
          const whole = build([...x, ...y, ...z], tight);
          for (const key of [...x, ...y, ...z].map((u) => u.key)) {
            expect(left.estimate(key)).toEqual(whole.estimate(key));
            expect(right.estimate(key)).toEqual(whole.estimate(key));
          }
          expect(left.totalCount('units')).toBe(whole.totalCount('units'));
        }),
      );
    });

    it('is not associative once unions exceed capacity (the documented top-N-of-top-Ns bias)', () => {
      const p = { ...WIDE, capacity: 1 };
      const a = build([{ key: 'x', units: 3, revenueCents: 3 }], p);
      const b = build([{ key: 'y', units: 4, revenueCents: 4 }], p);
      const c = build(
        [
          { key: 'x', units: 2, revenueCents: 2 },
          { key: 'z', units: 3, revenueCents: 3 }, // z evicts x from c's single slot
        ],
        p,
      );
      // x totals 5, y 4, z 3. (a+b) keeps y and forgets x; c never had x as a candidate.
      expect(a.plus(b).plus(c).top(1, 'units')[0]?.key).toBe('y');
      expect(a.plus(b.plus(c)).top(1, 'units')[0]?.key).toBe('x');
      // Merging all at once truncates once, after the union: the true top survives.
      expect(TopKSketch.sum([a, b, c]).top(1, 'units')[0]?.key).toBe('x');
    });

    it('does not change its arguments', () => {
      const a = build([{ key: 'x', units: 3, revenueCents: 3 }], SMALL);
      const b = build([{ key: 'y', units: 4, revenueCents: 4 }], SMALL);
      const [ea, eb] = [a.encode(), b.encode()];
      a.plus(b);
      expect(a.encode()).toEqual(ea);
      expect(b.encode()).toEqual(eb);
    });

    it.each([
      ['seed', { ...SMALL, seed: 12 }],
      ['width', { ...SMALL, eps: 0.04 }],
      ['depth', { ...SMALL, delta: 0.01 }],
      ['capacity', { ...SMALL, capacity: 7 }],
    ] as const)('throws SketchParameterMismatchError naming the %s', (parameter, other) => {
      const a = TopKSketch.create(SMALL);
      const b = TopKSketch.create(other);
      expect(() => a.plus(b)).toThrow(SketchParameterMismatchError);
      expect(() => a.plus(b)).toThrow(new RegExp(`different ${parameter}`));
    });

    it('refuses TopKSketch.sum of nothing; the monoid sum of nothing is zero', () => {
      expect(() => TopKSketch.sum([])).toThrow(/at least one/);
      expect(topKMonoid(SMALL).sum([]).equals(TopKSketch.create(SMALL))).toBe(true);
    });
  });

  describe('encode / decode', () => {
    it('round-trips: same sketch, same candidates, same answers', () => {
      fc.assert(
        fc.property(streamArb(80), fc.integer({ min: 1, max: 20 }), (stream, capacity) => {
          const s = build(stream, { ...SMALL, capacity });
          const d = TopKSketch.decode(s.encode());
          expect(d.equals(s)).toBe(true);
          expect(d.top(capacity, 'units')).toEqual(s.top(capacity, 'units'));
          expect(d.top(capacity, 'revenue')).toEqual(s.top(capacity, 'revenue'));
        }),
        { numRuns: 50 },
      );
    });

    it('round-trips the default-size state and stays compact', () => {
      const s = TopKSketch.create();
      for (let i = 0; i < 20_000; i++) s.add(`p${i % 5000}`, 1, 100 + (i % 900));
      const bytes = s.encode();
      expect(TopKSketch.decode(bytes).equals(s)).toBe(true);
      expect(bytes.length).toBeLessThan(s.sketchBytes / 4);
    });

    it('rejects a truncated buffer at every length', () => {
      const bytes = build([{ key: 'a', units: 1, revenueCents: 300 }], { eps: 0.5, delta: 0.5, capacity: 2 }).encode();
      for (let n = 0; n < bytes.length; n++) {
        expect(() => TopKSketch.decode(bytes.subarray(0, n))).toThrow(SketchDecodeError);
      }
    });

    it('rejects a candidate key that is not valid UTF-8, duplicates, and more candidates than capacity', () => {
      const base = build([{ key: 'ab', units: 1, revenueCents: 1 }], { eps: 0.5, delta: 0.5, capacity: 2 });
      const bytes = base.encode();
      // The units list is the tail before the revenue list: u32 count, varint len, 'a', 'b'.
      const revenueList = bytes.length - (4 + 1 + 2);
      const unitsKey = revenueList - 2;
      const badUtf8 = bytes.slice();
      badUtf8[unitsKey] = 0xff;
      expect(() => TopKSketch.decode(badUtf8)).toThrow(/not valid UTF-8/);

      const dupe = TopKSketch.decode(bytes); // structure check of the offsets used above
      expect(dupe.candidates('units')).toEqual(['ab']);
      const twice = new Uint8Array(bytes.length + 3);
      twice.set(bytes.subarray(0, revenueList));
      twice.set(bytes.subarray(unitsKey - 1, revenueList), revenueList); // append the same key again
      twice.set(bytes.subarray(revenueList), revenueList + 3);
      new DataView(twice.buffer).setUint32(unitsKey - 5, 2, true); // units count 1 -> 2
      expect(() => TopKSketch.decode(twice)).toThrow(/duplicate candidate key/);

      const over = bytes.slice();
      new DataView(over.buffer).setUint32(unitsKey - 5, 3, true);
      expect(() => TopKSketch.decode(over)).toThrow(/exceed capacity/);
    });

    it('rejects a plain count-min sketch and a wrong version', () => {
      const bytes = TopKSketch.create(SMALL).encode();
      const wrong = bytes.slice();
      wrong[4] = 2;
      expect(() => TopKSketch.decode(wrong)).toThrow(/version 2/);
      expect(() => TopKSketch.decode(bytes.subarray(12))).toThrow(/magic/);
    });
  });
});
