import fc from 'fast-check';
import { CountMinSketch, countMinMonoid, sketchDimensions, type SketchDimensions } from './CountMinSketch';
import { InvalidCountError, SafeIntegerOverflowError, SketchDecodeError, SketchParameterMismatchError, TopKError } from './errors';
import { expectMonoidLaws } from './testing';
import { keyArb, streamArb, type Update } from './testing/arbitraries';

// Small on purpose: keys collide, so the "never below the truth" property is exercised.
const SMALL: SketchDimensions = { width: 16, depth: 3, seed: 99, planes: 2 };

function build(stream: Update[], dims = SMALL): CountMinSketch {
  const s = CountMinSketch.withDimensions(dims);
  for (const u of stream) {
    s.add(u.key, u.units, 0);
    s.add(u.key, u.revenueCents, 1);
  }
  return s;
}

function truth(stream: Update[]): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const u of stream) {
    const t = m.get(u.key) ?? [0, 0];
    m.set(u.key, [t[0] + u.units, t[1] + u.revenueCents]);
  }
  return m;
}

describe('sketchDimensions', () => {
  it('uses width = ceil(e / eps) and depth = ceil(ln(1 / delta))', () => {
    expect(sketchDimensions({ eps: 0.01, delta: 0.01 })).toEqual({ width: 272, depth: 5 });
    expect(sketchDimensions({ eps: 6e-5, delta: 0.01 })).toEqual({ width: 45305, depth: 5 });
    expect(sketchDimensions({ eps: 0.001, delta: 0.05 })).toEqual({ width: 2719, depth: 3 });
  });

  it('reports the eps and delta the dimensions actually guarantee (no worse than asked)', () => {
    const s = CountMinSketch.create({ eps: 0.01, delta: 0.01 });
    expect(s.eps).toBeLessThanOrEqual(0.01);
    expect(s.delta).toBeLessThanOrEqual(0.01);
  });

  it.each([
    [{ eps: 0, delta: 0.1 }],
    [{ eps: 1, delta: 0.1 }],
    [{ eps: 0.1, delta: 0 }],
    [{ eps: 0.1, delta: Number.NaN }],
  ])('rejects impossible accuracy %j', (acc) => {
    expect(() => sketchDimensions(acc)).toThrow(TopKError);
  });

  it('rejects a sketch too large to be a sane configuration, with advice', () => {
    expect(() => CountMinSketch.create({ eps: 1e-9, delta: 0.01 })).toThrow(/raise eps or delta/);
  });
});

describe('CountMinSketch', () => {
  it('never estimates below the true count, in every plane', () => {
    fc.assert(
      fc.property(streamArb(200), fc.array(keyArb, { maxLength: 10 }), (stream, extra) => {
        const s = build(stream);
        const t = truth(stream);
        for (const key of [...t.keys(), ...extra]) {
          const [units, revenue] = t.get(key) ?? [0, 0];
          expect(s.estimate(key, 0)).toBeGreaterThanOrEqual(units);
          expect(s.estimate(key, 1)).toBeGreaterThanOrEqual(revenue);
        }
      }),
    );
  });

  it('is exact when every key has its own column (one key)', () => {
    const s = CountMinSketch.withDimensions(SMALL);
    s.add('only', 5);
    s.add('only', 7);
    expect(s.estimate('only')).toBe(12);
    expect(s.totalCount()).toBe(12);
  });

  it('tracks N per plane and reports errorBound = ceil(eps·N)', () => {
    const s = CountMinSketch.withDimensions({ width: 272, depth: 5, seed: 1, planes: 2 });
    s.add('a', 1000, 0);
    s.add('b', 12345, 1);
    expect(s.totalCount(0)).toBe(1000);
    expect(s.totalCount(1)).toBe(12345);
    expect(s.errorBound(0)).toBe(Math.ceil((Math.E / 272) * 1000));
    expect(s.errorBound(1)).toBe(Math.ceil((Math.E / 272) * 12345));
  });

  it('returns the new estimate from add', () => {
    const s = CountMinSketch.withDimensions(SMALL);
    expect(s.add('k', 3)).toBe(s.estimate('k'));
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects the count %p and changes nothing', (bad) => {
    const s = CountMinSketch.withDimensions(SMALL);
    expect(() => s.add('k', bad)).toThrow(InvalidCountError);
    expect(s.equals(CountMinSketch.withDimensions(SMALL))).toBe(true);
  });

  it('refuses to let N pass 2^53 - 1 (counters would round)', () => {
    const s = CountMinSketch.withDimensions(SMALL);
    s.add('a', Number.MAX_SAFE_INTEGER - 1);
    expect(() => s.add('b', 2)).toThrow(SafeIntegerOverflowError);
    expect(s.totalCount()).toBe(Number.MAX_SAFE_INTEGER - 1);
    const t = CountMinSketch.withDimensions(SMALL);
    t.add('c', 2);
    expect(() => s.plus(t)).toThrow(SafeIntegerOverflowError);
  });

  it('addAllAt adds every plane in one pass, exactly like addAt per plane', () => {
    fc.assert(
      fc.property(streamArb(60), (stream) => {
        const one = CountMinSketch.withDimensions(SMALL);
        const offsets = new Uint32Array(SMALL.depth);
        const estimates = new Float64Array(2);
        for (const u of stream) {
          one.addAllAt(one.hashInto(u.key, offsets), [u.units, u.revenueCents], estimates);
          expect(estimates[0]).toBe(one.estimate(u.key, 0));
          expect(estimates[1]).toBe(one.estimate(u.key, 1));
        }
        expect(one.equals(build(stream))).toBe(true);
      }),
    );
  });

  it('addAllAt checks every count before changing any plane', () => {
    const s = CountMinSketch.withDimensions(SMALL);
    const offsets = s.hashInto('k', new Uint32Array(SMALL.depth));
    expect(() => s.addAllAt(offsets, [5, -1], new Float64Array(2))).toThrow(InvalidCountError);
    expect(() => s.addAllAt(offsets, [5], new Float64Array(2))).toThrow(/expected 2 counts/);
    expect(s.totalCount(0)).toBe(0);
  });

  it('rejects a plane out of range', () => {
    expect(() => CountMinSketch.withDimensions(SMALL).add('k', 1, 2)).toThrow(/plane 2 out of range/);
  });

  describe('monoid', () => {
    const arb = streamArb(40).map((stream) => build(stream));
    it('satisfies the monoid laws, commutatively, with exact equality of counters', () => {
      expectMonoidLaws(countMinMonoid(SMALL), arb, (a, b) => a.equals(b), { commutative: true });
    });

    it('adding a stream in two parts and merging equals adding it whole', () => {
      fc.assert(
        fc.property(streamArb(80), fc.nat(), (stream, cut) => {
          const i = cut % (stream.length + 1);
          expect(build(stream.slice(0, i)).plus(build(stream.slice(i))).equals(build(stream))).toBe(true);
        }),
      );
    });

    it('plus leaves both arguments unchanged', () => {
      const a = build([{ key: 'x', units: 1, revenueCents: 2 }]);
      const b = build([{ key: 'y', units: 3, revenueCents: 4 }]);
      a.plus(b);
      expect(a.estimate('y')).toBe(0);
      expect(b.estimate('x')).toBe(0);
    });
  });

  describe('merging sketches with other parameters', () => {
    it.each([
      ['seed', { ...SMALL, seed: 100 }],
      ['width', { ...SMALL, width: 17 }],
      ['depth', { ...SMALL, depth: 4 }],
      ['planes', { ...SMALL, planes: 1 }],
    ] as const)('throws SketchParameterMismatchError naming the %s', (parameter, dims) => {
      const a = CountMinSketch.withDimensions(SMALL);
      const b = CountMinSketch.withDimensions(dims);
      let error: unknown;
      try {
        a.plus(b);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SketchParameterMismatchError);
      expect((error as SketchParameterMismatchError).parameter).toBe(parameter);
      expect((error as Error).message).toContain(parameter);
      expect(() => a.mergeInPlace(b)).toThrow(SketchParameterMismatchError);
    });
  });

  describe('encode / decode', () => {
    it('round-trips any sketch exactly', () => {
      fc.assert(
        fc.property(streamArb(100), fc.integer({ min: 0, max: 0xffffffff }), (stream, seed) => {
          const s = build(stream, { ...SMALL, seed });
          const d = CountMinSketch.decode(s.encode());
          expect(d.equals(s)).toBe(true);
          expect(d.dimensions).toEqual(s.dimensions);
        }),
      );
    });

    it('round-trips counts near 2^53', () => {
      const s = CountMinSketch.withDimensions({ width: 4, depth: 2, seed: 1, planes: 1 });
      s.add('big', Number.MAX_SAFE_INTEGER - 5);
      s.add('small', 5);
      const d = CountMinSketch.decode(s.encode());
      expect(d.equals(s)).toBe(true);
      expect(d.totalCount()).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('decodes into a sketch that keeps counting and merging like the original', () => {
      const s = build([{ key: 'a', units: 2, revenueCents: 3 }]);
      const d = CountMinSketch.decode(s.encode());
      d.add('a', 1);
      s.add('a', 1);
      expect(d.equals(s)).toBe(true);
      expect(d.plus(s).estimate('a')).toBe(6);
    });

    it('rejects a truncated buffer at every length', () => {
      const bytes = build([
        { key: 'a', units: 200, revenueCents: 70000 },
        { key: 'b', units: 1, revenueCents: 1 },
      ]).encode();
      for (let n = 0; n < bytes.length; n++) {
        expect(() => CountMinSketch.decode(bytes.subarray(0, n))).toThrow(SketchDecodeError);
      }
    });

    it('rejects trailing bytes', () => {
      const bytes = build([]).encode();
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(() => CountMinSketch.decode(longer)).toThrow(/trailing/);
    });

    it('rejects a wrong magic and an unknown version', () => {
      const bytes = build([]).encode();
      const badMagic = bytes.slice();
      badMagic[0] = 0;
      expect(() => CountMinSketch.decode(badMagic)).toThrow(/magic/);
      const badVersion = bytes.slice();
      badVersion[4] = 9;
      expect(() => CountMinSketch.decode(badVersion)).toThrow(/version 9/);
    });

    it('rejects a corrupted counter (its row no longer sums to N)', () => {
      const s = CountMinSketch.withDimensions({ width: 8, depth: 2, seed: 5, planes: 1 });
      s.add('a', 3);
      const bytes = s.encode();
      const header = 4 + 4 + 12 + 8;
      for (let i = header; i < bytes.length; i++) {
        const corrupt = bytes.slice();
        corrupt[i] = corrupt[i] === 0 ? 1 : 0;
        expect(() => CountMinSketch.decode(corrupt)).toThrow(SketchDecodeError);
      }
    });

    it('rejects absurd dimensions in the header instead of allocating them', () => {
      const bytes = build([]).encode();
      const huge = bytes.slice();
      new DataView(huge.buffer).setUint32(8, 0xffffffff, true); // width
      expect(() => CountMinSketch.decode(huge)).toThrow(/invalid dimensions/);
    });

    it('is compact: varint counters, far smaller than raw float64s for a lightly filled sketch', () => {
      const s = CountMinSketch.create({ eps: 0.001, delta: 0.01, planes: 2 });
      for (let i = 0; i < 1000; i++) s.add(`p${i}`, 1 + (i % 3));
      expect(s.encode().length).toBeLessThan(s.counterBytes / 4);
    });
  });
});
