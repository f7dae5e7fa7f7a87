import fc from 'fast-check';
import { chunkByBytes, messageBytes } from './chunk-by-bytes';

describe('chunkByBytes', () => {
  it('keeps every message, in order, in chunks under the byte and count limits (a lone big one alone)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (sizes, maxCount) => {
        const messages = sizes.map((n, i) => ({ key: `k${i}`, value: Buffer.alloc(n) }));
        const chunks = [...chunkByBytes(messages, 2048, maxCount)];
        expect(chunks.flat()).toEqual(messages);
        for (const c of chunks) {
          expect(c.length).toBeGreaterThan(0);
          expect(c.length).toBeLessThanOrEqual(maxCount);
          if (c.length > 1) expect(c.reduce((s, m) => s + messageBytes(m), 0)).toBeLessThanOrEqual(2048);
        }
      }),
    );
  });

  it('counts key, value and headers', () => {
    expect(messageBytes({ key: 'ab', value: 'cde', headers: { h: Buffer.from('xy'), l: ['1', '22'] } })).toBe(32 + 2 + 3 + (8 + 1 + 2) + (8 + 1 + 1) + (8 + 1 + 2));
    expect(messageBytes({ key: null, value: null })).toBe(32);
  });
});
