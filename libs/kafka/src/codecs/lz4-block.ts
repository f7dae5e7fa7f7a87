/**
 * An LZ4 *block* compressor (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md).
 *
 * Why not lz4js's own `compressBlock`: it lets the last match start 10 bytes before the end
 * of a block, while the format requires 12 (MFLIMIT) — the reference decoder, which
 * lz4-java (Kafka's Java client and broker) wraps, may reject such a block when it fills
 * the output buffer exactly, i.e. for a full 64 KB block. This is the same greedy
 * single-probe hash-table search with those limits respected. Decoding uses lz4js.
 */

const MIN_MATCH = 4;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
/** A match must start at least 12 bytes before the end of the block. */
const MF_LIMIT = 12;
const MAX_OFFSET = 0xffff;
const HASH_LOG = 16;
/** After 2^SKIP_TRIGGER misses in a row the search step grows by one (lz4's acceleration). */
const SKIP_TRIGGER = 6;
const RUN_MASK = 0xf;
const ML_MASK = 0xf;

/** Worst-case compressed size of `n` input bytes (LZ4_COMPRESSBOUND). */
export function lz4BlockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/** A reusable hash table for {@link compressLz4Block}. */
export function newLz4HashTable(): Int32Array {
  return new Int32Array(1 << HASH_LOG);
}

function read32(src: Uint8Array, i: number): number {
  return (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
}

function hash(seq: number): number {
  return Math.imul(seq, 2654435761) >>> (32 - HASH_LOG);
}

/**
 * Compresses `src` as one independent LZ4 block into `dst` (at least
 * `lz4BlockBound(src.length)` bytes) and returns the compressed length. The caller stores
 * the block uncompressed instead when that is not smaller.
 */
export function compressLz4Block(src: Uint8Array, dst: Uint8Array, table: Int32Array = newLz4HashTable()): number {
  const len = src.length;
  table.fill(-1);
  let d = 0;
  let anchor = 0;

  const writeLength = (n: number): void => {
    for (; n >= 0xff; n -= 0xff) dst[d++] = 0xff;
    dst[d++] = n;
  };
  const writeLiterals = (from: number, count: number, matchToken: number): void => {
    dst[d++] = ((count >= RUN_MASK ? RUN_MASK : count) << 4) | matchToken;
    if (count >= RUN_MASK) writeLength(count - RUN_MASK);
    dst.set(src.subarray(from, from + count), d);
    d += count;
  };

  if (len > MF_LIMIT) {
    const lastMatchStart = len - MF_LIMIT;
    const matchLimit = len - LAST_LITERALS;
    let ip = 0;
    let misses = 1 << SKIP_TRIGGER;
    while (ip <= lastMatchStart) {
      const seq = read32(src, ip);
      const h = hash(seq);
      const ref = table[h]!;
      table[h] = ip;
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        ip += misses++ >> SKIP_TRIGGER;
        continue;
      }
      misses = 1 << SKIP_TRIGGER;

      let end = ip + MIN_MATCH;
      let r = ref + MIN_MATCH;
      while (end < matchLimit && src[end] === src[r]) {
        end++;
        r++;
      }
      const matchLength = end - ip - MIN_MATCH;
      const offset = ip - ref;

      writeLiterals(anchor, ip - anchor, matchLength >= ML_MASK ? ML_MASK : matchLength);
      dst[d++] = offset & 0xff;
      dst[d++] = offset >>> 8;
      if (matchLength >= ML_MASK) writeLength(matchLength - ML_MASK);

      ip = end;
      anchor = end;
    }
  }

  writeLiterals(anchor, len - anchor, 0);
  return d;
}
