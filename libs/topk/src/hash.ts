/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain:
 * https://github.com/aappleby/smhasher/blob/master/src/MurmurHash3.cpp) of a string's UTF-8
 * bytes. The same key hashes the same in every process and Node version, which is what lets
 * sketches from different shards and checkpoints be merged.
 *
 * Hot path: ASCII keys (product ids) are hashed straight from `charCodeAt`, with no
 * allocation. Other keys are UTF-8 encoded into a module-level scratch buffer (lone
 * surrogates become U+FFFD, exactly as `TextEncoder` does), again without allocating
 * unless the buffer must grow.
 *
 * Not a cryptographic hash: MurmurHash3 has seed-independent multicollisions, so an
 * adversary who controls keys can inflate a chosen key's estimate. Product ids are ours.
 */

// Hot paths read globals (Math.imul, Infinity, Number.isSafeInteger …) through module
// constants: inside jest's vm context every global lookup goes through an interceptor and is
// ~50x slower, which made the property tests take minutes. Free in plain Node.
const imul = Math.imul;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The murmur3 finaliser: a bijection on 32-bit integers with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixK(k: number): number {
  k = imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return imul(k, C2);
}

function round(h: number, mixedK: number): number {
  h ^= mixedK;
  h = (h << 13) | (h >>> 19);
  return (imul(h, 5) + 0xe6546b64) | 0;
}

function mixH(h: number, k: number): number {
  return round(h, mixK(k));
}

function tail(h: number, k: number, len: number): number {
  if ((len & 3) !== 0) h ^= mixK(k);
  return fmix32(h ^ len);
}

/** murmur3_32 of `bytes[0..len)`. */
export function murmur3Bytes(bytes: Uint8Array, len: number, seed: number): number {
  let h = seed | 0;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    h = mixH(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  let k = 0;
  const rest = len & 3;
  if (rest === 3) k ^= bytes[i + 2]! << 16;
  if (rest >= 2) k ^= bytes[i + 1]! << 8;
  if (rest >= 1) k ^= bytes[i]!;
  return tail(h, k, len);
}

/**
 * The 4 characters of `key` from `i` as one little-endian block, or -1 if one is not ASCII (four
 * ASCII characters never set the sign bit, so -1 cannot be a block).
 */
function asciiWord(key: string, i: number): number {
  const c0 = key.charCodeAt(i);
  const c1 = key.charCodeAt(i + 1);
  const c2 = key.charCodeAt(i + 2);
  const c3 = key.charCodeAt(i + 3);
  return (c0 | c1 | c2 | c3) > 0x7f ? -1 : c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
}

/** murmur3_32 of an ASCII string, or -1 as soon as a non-ASCII code unit appears. */
function murmur3Ascii(key: string, seed: number): number {
  const len = key.length;
  let h = seed | 0;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const word = asciiWord(key, i);
    if (word < 0) return -1;
    h = mixH(h, word);
  }
  let k = 0;
  for (let shift = 0; i < len; i++, shift += 8) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return -1;
    k |= c << shift;
  }
  return tail(h, k, len);
}

/**
 * murmur3 of one ASCII string under two seeds in one pass (the block mixing is shared; the
 * results are exactly murmur3(key, seedA) and murmur3(key, seedB)). Returns false, leaving
 * `out` alone, as soon as a non-ASCII code unit appears.
 */
function murmur3PairAscii(key: string, seedA: number, seedB: number, out: Uint32Array): boolean {
  const len = key.length;
  let ha = seedA | 0;
  let hb = seedB | 0;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const word = asciiWord(key, i);
    if (word < 0) return false;
    const km = mixK(word);
    ha = round(ha, km);
    hb = round(hb, km);
  }
  let k = 0;
  for (let shift = 0; i < len; i++, shift += 8) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return false;
    k |= c << shift;
  }
  const km = (len & 3) !== 0 ? mixK(k) : 0;
  out[0] = fmix32(ha ^ km ^ len);
  out[1] = fmix32(hb ^ km ^ len);
  return true;
}

function murmur3PairBytes(bytes: Uint8Array, len: number, seedA: number, seedB: number, out: Uint32Array): void {
  let ha = seedA | 0;
  let hb = seedB | 0;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const km = mixK(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    ha = round(ha, km);
    hb = round(hb, km);
  }
  let k = 0;
  const rest = len & 3;
  if (rest === 3) k ^= bytes[i + 2]! << 16;
  if (rest >= 2) k ^= bytes[i + 1]! << 8;
  if (rest >= 1) k ^= bytes[i]!;
  const km = rest !== 0 ? mixK(k) : 0;
  out[0] = fmix32(ha ^ km ^ len);
  out[1] = fmix32(hb ^ km ^ len);
}

let scratch = new Uint8Array(256);

/**
 * UTF-8 encodes `key` into the module scratch buffer and returns the byte length. Matches
 * `TextEncoder.encode` byte for byte (lone surrogates become EF BF BD).
 */
function utf8IntoScratch(key: string): number {
  if (scratch.length < key.length * 3) scratch = new Uint8Array(key.length * 3);
  const out = scratch;
  let n = 0;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[n++] = 0xf0 | (c >> 18);
          out[n++] = 0x80 | ((c >> 12) & 0x3f);
          out[n++] = 0x80 | ((c >> 6) & 0x3f);
          out[n++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // lone surrogate
      }
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

/** MurmurHash3 x86_32 of the UTF-8 bytes of `key`, as an unsigned 32-bit integer. */
export function murmur3(key: string, seed: number): number {
  const h = murmur3Ascii(key, seed);
  if (h !== -1) return h;
  const len = utf8IntoScratch(key); // first: it may replace `scratch` with a larger buffer
  return murmur3Bytes(scratch, len, seed);
}

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * `key` with lone surrogates replaced by U+FFFD: the string whose UTF-8 bytes (and so whose
 * hash) `key` already has. Keys are identified by their UTF-8 bytes everywhere (hash,
 * checkpoint, Postgres), so two strings that differ only there are the same key.
 */
export function wellFormedKey(key: string): string {
  const s = key as unknown as WellFormedString;
  return s.isWellFormed() ? key : s.toWellFormed();
}

/**
 * Writes murmur3(key, seedA) into out[0] and murmur3(key, seedB) into out[1], reading the key
 * once: the two hashes a count-min sketch derives its rows from.
 */
export function murmur3Pair(key: string, seedA: number, seedB: number, out: Uint32Array): Uint32Array {
  if (!murmur3PairAscii(key, seedA, seedB, out)) {
    const len = utf8IntoScratch(key); // may replace `scratch`
    murmur3PairBytes(scratch, len, seedA, seedB, out);
  }
  return out;
}
