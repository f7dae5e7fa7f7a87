import fc from 'fast-check';
import { decompressBlock } from 'lz4js';
import { fixturePayload, kafkaCompressed } from './__fixtures__/payload';
import { decodeLz4Frame, encodeLz4Frame, Lz4FrameError } from './lz4-frame';
import { compressLz4Block, lz4BlockBound } from './lz4-block';

const BLOCK = 64 * 1024;

/** Compressible but not trivial: JSON-ish lines with counters. */
function textLike(bytes: number, seed = 1): Buffer {
  let s = '';
  let x = seed;
  while (s.length < bytes) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += `{"product_id":"p-${x % 997}","units":${x % 7},"store":"s-${x % 13}"}\n`;
  }
  return Buffer.from(s.slice(0, bytes));
}

/** Walks an LZ4 block's sequences and returns where the last match starts (-1 if none). */
function lastMatchStart(block: Uint8Array): { lastMatchStart: number; decodedLength: number } {
  let i = 0;
  let out = 0;
  let last = -1;
  for (;;) {
    const token = block[i++]!;
    let lit = token >> 4;
    if (lit === 15) for (let b = 255; b === 255; ) lit += b = block[i++]!;
    i += lit;
    out += lit;
    if (i >= block.length) break;
    i += 2;
    let ml = token & 15;
    if (ml === 15) for (let b = 255; b === 255; ) ml += b = block[i++]!;
    last = out;
    out += ml + 4;
  }
  return { lastMatchStart: last, decodedLength: out };
}

describe('LZ4 frame codec', () => {
  it('round-trips empty, tiny, text, random and multi-block inputs', () => {
    const random = Buffer.alloc(200_000);
    for (let i = 0; i < random.length; i++) random[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
    for (const input of [Buffer.alloc(0), Buffer.from('x'), Buffer.from('hello hello hello hello'), textLike(BLOCK), textLike(3 * BLOCK + 17), random, Buffer.alloc(300_000, 7)]) {
      expect(decodeLz4Frame(encodeLz4Frame(input)).equals(input)).toBe(true);
    }
  });

  it('round-trips arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 20 }), (bytes, repeats) => {
        const input = Buffer.concat(Array.from({ length: repeats + 1 }, () => Buffer.from(bytes)));
        expect(decodeLz4Frame(encodeLz4Frame(input)).equals(input)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('writes the frame header Kafka’s Java producer writes (independent 64 KB blocks, same header checksum)', () => {
    const java = kafkaCompressed('lz4');
    const ours = encodeLz4Frame(fixturePayload());
    expect(ours.subarray(0, 7)).toEqual(java.subarray(0, 7)); // magic, FLG 0x60, BD 0x40, HC
    expect(ours[4]).toBe(0x60);
    expect(ours[5]).toBe(0x40);
  });

  it('decodes a frame Kafka’s Java client compressed', () => {
    expect(decodeLz4Frame(kafkaCompressed('lz4')).equals(fixturePayload())).toBe(true);
  });

  it('decodes concatenated frames, skippable frames, content size and checksum fields', () => {
    const a = Buffer.from('first frame ');
    const b = textLike(100_000, 7);
    // Hand-made frame with content size + block checksum + content checksum flags, one stored block.
    const flagged = Buffer.concat([
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40 | 0x20 | 0x10 | 0x08 | 0x04, 0x40]),
      Buffer.from([a.length, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from([0x00]), // header checksum (not verified)
      Buffer.from([a.length, 0, 0, 0x80]),
      a,
      Buffer.from([1, 2, 3, 4]), // block checksum
      Buffer.from([0, 0, 0, 0]), // end mark
      Buffer.from([5, 6, 7, 8]), // content checksum
    ]);
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const decoded = decodeLz4Frame(Buffer.concat([flagged, skippable, encodeLz4Frame(b)]));
    expect(decoded.equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('rejects input that is not an LZ4 frame, naming the problem', () => {
    expect(() => decodeLz4Frame(Buffer.from('not lz4 at all'))).toThrow(Lz4FrameError);
    expect(() => decodeLz4Frame(encodeLz4Frame(textLike(1000)).subarray(0, 20))).toThrow(/truncated/);
  });
});

describe('LZ4 block compressor', () => {
  // Regression: lz4js's compressBlock lets the last match start 10 bytes before the end;
  // the format requires at least 12 (MFLIMIT). lz4js makes such a block from
  // textLike(BLOCK, 4) (last match at 65526), and lz4-java's JNI decoder — the one Kafka's
  // broker and Java clients use — rejects it: "Error decoding offset 14014 of input buffer".
  it('keeps the end-of-block rules: last match starts >= 12 bytes before the end', () => {
    const inputs = [textLike(BLOCK, 4), textLike(1000, 2), textLike(1000, 3), textLike(BLOCK), Buffer.alloc(BLOCK, 0x61), Buffer.alloc(13, 0x62), Buffer.alloc(40, 0x62)];
    for (const input of inputs) {
      const dst = new Uint8Array(lz4BlockBound(input.length));
      const n = compressLz4Block(input, dst);
      const { lastMatchStart: start, decodedLength } = lastMatchStart(dst.subarray(0, n));
      expect(decodedLength).toBe(input.length);
      if (start >= 0) {
        expect(start).toBeLessThanOrEqual(input.length - 12);
      }
      const back = new Uint8Array(input.length);
      expect(decompressBlock(dst, back, 0, n, 0)).toBe(input.length);
      expect(Buffer.from(back).equals(input)).toBe(true);
    }
  });

  it('compresses text well enough to be worth it (< 40 % here)', () => {
    const input = textLike(BLOCK);
    const dst = new Uint8Array(lz4BlockBound(input.length));
    expect(compressLz4Block(input, dst)).toBeLessThan(input.length * 0.4);
  });
});
