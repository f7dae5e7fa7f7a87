import fc from 'fast-check';
import { fmix32, murmur3, murmur3Bytes, murmur3Pair, wellFormedKey } from './hash';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('murmur3', () => {
  // Reference values of MurmurHash3_x86_32 (smhasher), as published with many ports.
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['hello', 0, 0x248bfa47],
    ['Hello, world!', 1234, 0xfaf6cdb3],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['abc', 0, 0xb3dd93fa],
    ['abcd', 0, 0x43ed676a],
  ])('hashes %j with seed %d to the reference value', (key, seed, expected) => {
    expect(murmur3(key, seed)).toBe(expected);
  });

  it('hashes a string exactly as its UTF-8 bytes (TextEncoder), unicode included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 0, max: 0xffffffff }), (key, seed) => {
        const bytes = utf8(key);
        expect(murmur3(key, seed)).toBe(murmur3Bytes(bytes, bytes.length, seed));
      }),
      { numRuns: 2000 },
    );
  });

  it('treats a lone surrogate as U+FFFD, like TextEncoder', () => {
    expect(murmur3('a\ud800b', 7)).toBe(murmur3('a\ufffdb', 7));
    expect(murmur3('\udc00', 7)).toBe(murmur3('\ufffd', 7));
  });

  it('handles keys longer than the initial scratch buffer', () => {
    const key = 'é'.repeat(1000);
    const bytes = utf8(key);
    expect(murmur3(key, 3)).toBe(murmur3Bytes(bytes, bytes.length, 3));
  });

  it('returns unsigned 32-bit integers', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        const h = murmur3(key, 42);
        return Number.isInteger(h) && h >= 0 && h <= 0xffffffff;
      }),
    );
  });
});

describe('murmur3Pair', () => {
  it('equals murmur3 under each seed, for any string', () => {
    const out = new Uint32Array(2);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat(), fc.nat(), (key, a, b) => {
        murmur3Pair(key, a, b, out);
        expect([out[0], out[1]]).toEqual([murmur3(key, a), murmur3(key, b)]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('fmix32', () => {
  it('is the murmur3 finaliser (fmix32(0) = 0, known value for 1)', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7); // murmur3('', 1) = fmix32(1 ^ 0)
  });
});

describe('wellFormedKey', () => {
  it('leaves well-formed strings alone and replaces lone surrogates', () => {
    expect(wellFormedKey('café 🍕')).toBe('café 🍕');
    expect(wellFormedKey('a\ud800')).toBe('a\ufffd');
  });
});
