/**
 * The generator's randomness. The seeded PRNG is the repo's one (`@hitboard/random`: sfc32),
 * so a test or benchmark can recompute what the generator produced for a seed.
 */
import { seededRandom, type Random } from '@hitboard/random';

export { seededRandom, type Random };

/**
 * A stateless hash of small integers to [0, 1): murmur3's 32-bit finaliser over each input.
 * Popularity drift and per-chunk seeds come from it, so a value depends only on its inputs
 * (seed, product, hour…), never on how many draws came before: a stream made in pieces agrees.
 */
export function hashUnit(...values: number[]): number {
  return hash32(...values) / 4294967296;
}

export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    // Two 32-bit halves, so whole-second timestamps and large indexes hash without collisions.
    h = fmix32(h ^ (v >>> 0));
    h = fmix32(h ^ Math.floor(v / 4294967296));
  }
  return h >>> 0;
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A standard normal from two hashed uniforms (Box–Muller). */
export function hashNormal(...values: number[]): number {
  const u = Math.max(1e-12, hashUnit(...values, 1));
  const v = hashUnit(...values, 2);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A Poisson draw (Knuth for small means, a rounded normal above 30: plenty for traffic shapes). */
export function poisson(mean: number, random: Random): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const u = Math.max(1e-12, random());
    const n = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * n));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}
