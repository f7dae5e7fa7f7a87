/**
 * Poisson tails for small counts, through the regularised incomplete gamma function:
 * P(X ≥ k) = P(k, λ) (lower regularised gamma) and P(X ≤ k) = Q(k + 1, λ), X ~ Poisson(λ).
 * Series below a + 1, continued fraction above (Numerical Recipes §6.2); both converge to
 * ~1e-15 relative, which is what a significance level of 1e-6 needs.
 */

const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  const t = z + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-15;
const MAX_ITERATIONS = 10_000;

/** Lower regularised gamma P(a, x), a > 0, x ≥ 0. */
export function gammaP(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaP needs a > 0 and x >= 0, got a=${a} x=${x}`);
  if (x === 0) return 0;
  return x < a + 1 ? series(a, x) : 1 - continuedFraction(a, x);
}

/** Upper regularised gamma Q(a, x) = 1 − P(a, x), computed directly where it is small. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaQ needs a > 0 and x >= 0, got a=${a} x=${x}`);
  if (x === 0) return 1;
  return x < a + 1 ? 1 - series(a, x) : continuedFraction(a, x);
}

function series(a: number, x: number): number {
  let ap = a;
  let sum = 1 / a;
  let del = sum;
  for (let n = 0; n < MAX_ITERATIONS; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
}

function continuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - logGamma(a)) * h);
}

/** P(X ≥ k) for X ~ Poisson(λ): how surprising k or more is when λ is expected. */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  return gammaP(k, lambda);
}

/** P(X ≤ k) for X ~ Poisson(λ): how surprising k or fewer is when λ is expected. */
export function poissonLowerTail(k: number, lambda: number): number {
  if (k < 0) return 0;
  if (lambda <= 0) return 1;
  return gammaQ(k + 1, lambda);
}

/**
 * The one-sided lower confidence bound of a Poisson mean after observing k: the λ with
 * P(X ≥ k | λ) = 1 − confidence (0 when k = 0). Bisection: the tail grows with λ.
 */
export function poissonLowerBound(k: number, confidence = 0.95): number {
  if (k <= 0) return 0;
  const target = 1 - confidence;
  let lo = 0;
  let hi = k;
  for (let i = 0; i < 100 && hi - lo > 1e-9 * Math.max(1, k); i++) {
    const mid = (lo + hi) / 2;
    if (poissonUpperTail(k, mid) < target) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The one-sided upper confidence bound of a Poisson mean after observing k (k may be a decayed,
 * non-integer count): the λ with P(X ≤ k | λ) = 1 − confidence. Bisection: the tail falls with λ.
 */
export function poissonUpperBound(k: number, confidence = 0.95): number {
  const target = 1 - confidence;
  let lo = Math.max(0, k);
  let hi = Math.max(1, 2 * k + 10);
  while (poissonLowerTail(k, hi) > target) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-9 * Math.max(1, k); i++) {
    const mid = (lo + hi) / 2;
    if (poissonLowerTail(k, mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}
