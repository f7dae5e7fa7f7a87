import type { Product } from './catalog';
import { isWeekend } from './demand';
import { hashNormal, seededRandom, type Random } from './random';

export interface PopularityOptions {
  /** Zipf exponent of the base popularity (≈1 for retail): P(rank k) ∝ 1/(k+1)^s. */
  zipfExponent: number; // default 1.0
  /** Seeds which products sell best, apart from the event seed, so pieces of one stream agree. */
  popularitySeed: number; // default 1
  /**
   * How much popularity drifts: each product's weight is multiplied by exp(drift · noise), the noise
   * a per-product random walk between days (interpolated over the hours) plus a smaller hourly
   * wobble. 0 = fixed popularity; 0.6 moves a few products in and out of the top 10 each day.
   */
  drift: number; // default 0.6
  /** Shopper time zone offset (hours from UTC), for the weekend mix. */
  utcOffsetHours: number; // default 0
}

export const DEFAULT_POPULARITY: PopularityOptions = { zipfExponent: 1.0, popularitySeed: 1, drift: 0.6, utcOffsetHours: 0 };

const HOUR_MS = 3_600_000;
// Weekend shoppers buy more toys and clothes, fewer electronics.
const WEEKEND_CATEGORY_BOOST: Record<string, number> = { Toys: 1.6, Apparel: 1.3, Electronics: 0.8 };

/**
 * Which product a sale at a given time is for: Zipf-skewed, drifting over hours and days. The
 * weights of an hour depend only on (popularitySeed, product, hour), so any piece of a stream,
 * made in any order, sees the same popularity at the same time. A CDF per hour, the last few
 * cached (the stream moves forward; late events look a few hours back); a draw is a binary search.
 */
export class Popularity {
  private readonly base: Float64Array;
  // Recent hours' CDFs: late events reach back a few hours, so one entry would thrash.
  private readonly cdfs = new Map<number, Float64Array>();

  constructor(
    readonly catalog: readonly Product[],
    readonly options: PopularityOptions = DEFAULT_POPULARITY,
  ) {
    if (catalog.length === 0) throw new Error('popularity needs a non-empty catalog');
    // Zipf rank → product: a seeded shuffle, so the best sellers are not simply P000001, P000002, …
    const byRank = catalog.map((_, i) => i);
    const shuffle = seededRandom(options.popularitySeed);
    for (let i = byRank.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      [byRank[i], byRank[j]] = [byRank[j]!, byRank[i]!];
    }
    this.base = new Float64Array(catalog.length);
    byRank.forEach((productIndex, rank) => (this.base[productIndex] = 1 / Math.pow(rank + 1, options.zipfExponent)));
  }

  /** Relative weight of each catalog product (index order) during the UTC hour holding `ms`. */
  weightsAt(ms: number): Float64Array {
    const hour = Math.floor(ms / HOUR_MS);
    const { drift, popularitySeed } = this.options;
    const day = Math.floor(hour / 24);
    const within = (hour - day * 24) / 24;
    const weekend = isWeekend(hour * HOUR_MS, this.options.utcOffsetHours);
    const weights = new Float64Array(this.catalog.length);
    for (let p = 0; p < weights.length; p++) {
      let w = this.base[p]!;
      if (drift > 0) {
        // A random walk between days (so yesterday's riser may keep rising), eased across the hours.
        const walk = (d: number) => hashNormal(popularitySeed, p, d, 11) + 0.7 * hashNormal(popularitySeed, p, d - 1, 11);
        const daily = (1 - within) * walk(day) + within * walk(day + 1);
        const hourly = 0.35 * hashNormal(popularitySeed, p, hour, 13);
        w *= Math.exp(drift * (daily + hourly));
      }
      if (weekend) w *= WEEKEND_CATEGORY_BOOST[this.catalog[p]!.category] ?? 1;
      weights[p] = w;
    }
    return weights;
  }

  /** The share (0…1) of sales at `ms` that go to the catalog product at `productIndex`. */
  shareOf(productIndex: number, ms: number): number {
    const cdf = this.cdfAt(ms);
    return cdf[productIndex]! - (productIndex > 0 ? cdf[productIndex - 1]! : 0);
  }

  /** Catalog indexes from the best seller down, before drift (the Zipf ranks). */
  productsByRank(): number[] {
    return [...this.base.keys()].sort((a, b) => this.base[b]! - this.base[a]! || a - b);
  }

  /** The normalised cumulative weights of the UTC hour holding `ms`, cached. */
  private cdfAt(ms: number): Float64Array {
    const hour = Math.floor(ms / HOUR_MS);
    let cdf = this.cdfs.get(hour);
    if (!cdf) {
      const weights = this.weightsAt(ms);
      cdf = new Float64Array(weights.length);
      let total = 0;
      for (let i = 0; i < weights.length; i++) cdf[i] = total += weights[i]!;
      for (let i = 0; i < cdf.length; i++) cdf[i]! /= total;
      if (this.cdfs.size >= 16) this.cdfs.delete(this.cdfs.keys().next().value as number);
      this.cdfs.set(hour, cdf);
    }
    return cdf;
  }

  /** A product for a sale at `ms`. */
  sample(ms: number, random: Random): Product {
    const cdf = this.cdfAt(ms);
    const u = random();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return this.catalog[lo]!;
  }
}
