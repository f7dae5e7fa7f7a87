/**
 * The one seeded randomness of the repo (tests, benchmarks and the generator), so every run sees
 * the same stream. Imports nothing: `@hitboard/random` is safe in a tool's production code.
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean) seeded through
 * splitmix32; Zipf sampling with Vose's alias method (O(1) per sample after O(n) setup:
 * https://www.keithschwarz.com/darts-dice-coins/).
 */

/** A function returning uniform doubles in [0, 1). */
export type Random = () => number;

// Read once: global lookups in hot loops are slow inside jest's vm context (see libs/topk/src/hash.ts).
const floor = Math.floor;
const pow = Math.pow;

export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let d = splitmix32();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Zipf weights 1/rank^exponent for ranks 1..n, normalised to sum 1. */
export function zipfWeights(n: number, exponent: number): Float64Array {
  const w = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i] = pow(i + 1, -exponent);
  for (let i = 0; i < n; i++) w[i]! /= total;
  return w;
}

/**
 * Returns a sampler of 0-based ranks drawn from `weights` (which must sum to 1), using
 * Vose's alias method: one uniform picks a column, a second picks it or its alias.
 */
export function aliasSampler(weights: Float64Array, rng: Random): () => number {
  const n = weights.length;
  const prob = new Float64Array(n);
  const alias = new Uint32Array(n);
  const small = new Uint32Array(n);
  const large = new Uint32Array(n);
  let ns = 0;
  let nl = 0;
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    scaled[i] = weights[i]! * n;
    if (scaled[i]! < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const l = small[--ns]!;
    const g = large[--nl]!;
    prob[l] = scaled[l]!;
    alias[l] = g;
    scaled[g] = scaled[g]! + scaled[l]! - 1;
    if (scaled[g]! < 1) small[ns++] = g;
    else large[nl++] = g;
  }
  while (nl > 0) prob[large[--nl]!] = 1;
  while (ns > 0) prob[small[--ns]!] = 1; // rounding leftovers
  return () => {
    const column = floor(rng() * n);
    return rng() < prob[column]! ? column : alias[column]!;
  };
}
