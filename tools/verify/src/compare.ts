import type { Metric, ServedTop } from './api';
import type { TrueSums, WindowTruth } from './ground-truth';

/** The verdict on one served window and metric. */
export interface WindowReport {
  interval: string;
  windowStart: Date;
  metric: Metric;
  source: ServedTop['source'];
  /** Served rows compared with the ground truth. */
  productsChecked: number;
  /** Largest |served − true| of the metric over the served rows (and totals, when served). */
  maxDeviation: bigint;
  /** The largest error bound the served rows state (0 for exact windows). */
  maxBound: bigint;
  ok: boolean;
  problems: string[];
  /**
   * Set when a live system's window could not be compared exactly: it holds sales too recent for
   * the pipeline to have shown them all (see verify's `inFlightMs`). It passed a bounded check
   * instead — nothing served beyond what the ground truth holds — and says how far behind it is.
   */
  inFlight?: string;
}

/** Byte order of the UTF-8 encodings: the tie-break the batch layer (and Postgres COLLATE "C") uses. */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const valueOf = (s: { units: bigint; revenue: bigint }, metric: Metric): bigint => (metric === 'units' ? s.units : s.revenue);

/** The true top `n` products of a window by a metric: value descending, ties by product id bytes. */
export function trueTop(truth: WindowTruth, metric: Metric, n: number): string[] {
  return [...truth.byProduct]
    .sort(([pa, a], [pb, b]) => {
      const d = valueOf(b, metric) - valueOf(a, metric);
      return d > 0n ? 1 : d < 0n ? -1 : byteOrder(pa, pb);
    })
    .slice(0, n)
    .map(([p]) => p);
}

/**
 * Compares one served window with the exact ground truth.
 * - batch: every served row's units and revenue exact, the totals exact, and the served list is
 *   exactly the true top (min(k, products) rows, ranks 1…n, ties by product id bytes);
 * - speed: each row's metric within its stated error bound (count-min overestimates, never more
 *   than the bound); the totals, when served, exact (the speed layer sums exactly; only ranking is sketched);
 * - none: fine only if the ground truth has no sales in the window.
 */
export function compareWindow(served: ServedTop, truth: WindowTruth, k: number): WindowReport {
  const problems: string[] = [];
  const metric = served.metric;
  let maxDeviation = 0n;
  let maxBound = 0n;
  const note = (deviation: bigint) => {
    if (deviation > maxDeviation) maxDeviation = deviation;
  };
  const zero: TrueSums = { units: 0n, revenue: 0n, orders: 0n };

  if (served.source === 'none') {
    if (truth.byProduct.size > 0) problems.push(`nothing served, but the ground truth has ${truth.byProduct.size} products selling ${truth.totals.units} units`);
  } else {
    const exact = served.source === 'batch';
    if (served.exact !== exact) problems.push(`source ${served.source} but exact=${served.exact}`);
    served.rows.forEach((row, i) => {
      if (row.rank !== i + 1) problems.push(`row ${i + 1} has rank ${row.rank}`);
      const t = truth.byProduct.get(row.productId) ?? zero;
      const deviation = abs(valueOf(row, metric) - valueOf(t, metric));
      note(deviation);
      if (row.errorBound > maxBound) maxBound = row.errorBound;
      if (exact) {
        if (row.units !== t.units || row.revenue !== t.revenue) {
          problems.push(`${row.productId}: served ${row.units} units / ${row.revenue} cents, true ${t.units} / ${t.revenue}`);
        }
        if (row.errorBound !== 0n) problems.push(`${row.productId}: exact row states an error bound of ${row.errorBound}`);
      } else if (deviation > row.errorBound) {
        problems.push(`${row.productId}: served ${metric} ${valueOf(row, metric)}, true ${valueOf(t, metric)}: off by ${deviation}, beyond its bound ${row.errorBound}`);
      }
    });
    if (exact) {
      const expected = trueTop(truth, metric, Math.min(k, truth.byProduct.size));
      const got = served.rows.map((r) => r.productId);
      if (got.length !== expected.length) problems.push(`served ${got.length} rows, the true top has ${expected.length}`);
      const first = expected.findIndex((p, i) => got[i] !== p);
      if (first >= 0 && got.length === expected.length) problems.push(`rank ${first + 1}: served ${got[first]}, true ${expected[first]}`);
    }
    if (served.totals) {
      const t = truth.totals;
      const totalsDeviation = abs(valueOf(served.totals, metric) - valueOf(t, metric));
      note(totalsDeviation);
      const s = served.totals;
      // Orders and distinct products are served only where known exactly (batch); a null is no claim, except on a batch window.
      const ordersOff = s.orders === null ? exact : s.orders !== t.orders;
      const productsOff = s.products === null ? exact : s.products !== t.products;
      if (s.units !== t.units || s.revenue !== t.revenue || ordersOff || productsOff) {
        problems.push(`totals: served ${s.units} units / ${s.revenue} cents / ${s.orders} orders / ${s.products} products, true ${t.units} / ${t.revenue} / ${t.orders} / ${t.products}`);
      }
    } else if (exact && truth.byProduct.size > 0) {
      // The batch layer writes every rolled-up window's totals; the speed layer's are optional in the API contract.
      problems.push('no totals served for a batch window');
    }
  }
  return {
    interval: served.interval,
    windowStart: new Date(served.windowStart),
    metric,
    source: served.source,
    productsChecked: served.rows.length,
    maxDeviation,
    maxBound,
    ok: problems.length === 0,
    problems,
  };
}

/**
 * The check for a window still receiving sales: what is served may trail the ground truth (the
 * pipeline has not shown the newest sales yet) but never exceed it — no product above its true
 * figure (plus its stated bound), no total above the true total. Returns the problems (empty =
 * consistent with a moment of the truth) and how far the served figure trails.
 */
export function compareInFlight(served: ServedTop, truth: WindowTruth): { problems: string[]; behind: string } {
  const problems: string[] = [];
  const metric = served.metric;
  const zero: TrueSums = { units: 0n, revenue: 0n, orders: 0n };
  for (const row of served.rows) {
    const t = truth.byProduct.get(row.productId) ?? zero;
    const slack = served.source === 'batch' ? 0n : row.errorBound;
    if (row.units > t.units + (metric === 'units' ? slack : 0n) || row.revenue > t.revenue + (metric === 'revenue' ? slack : 0n)) {
      problems.push(`${row.productId}: served ${row.units} units / ${row.revenue} cents, more than the ground truth holds (${t.units} / ${t.revenue})`);
    }
  }
  const s = served.totals;
  const t = truth.totals;
  if (s && (s.units > t.units || s.revenue > t.revenue || (s.orders !== null && s.orders > t.orders) || (s.products !== null && s.products > t.products))) {
    problems.push(`totals: served ${s.units} units / ${s.revenue} cents / ${s.orders} orders / ${s.products} products, more than the ground truth holds (${t.units} / ${t.revenue} / ${t.orders} / ${t.products})`);
  }
  const shown = s ? valueOf(s, metric) : 0n;
  return { problems, behind: `${valueOf(t, metric) - shown} ${metric === 'units' ? 'units' : 'cents'} behind the ground truth` };
}

/** The per-window table verify prints, and a last line with the worst deviation. */
export function formatReport(reports: readonly WindowReport[], timeZone: string): string {
  const header = ['interval', 'window', 'metric', 'source', 'checked', 'max dev', 'bound', 'ok'];
  const lines = reports.map((r) => [
    r.interval,
    r.windowStart.toISOString(),
    r.metric,
    r.source,
    String(r.productsChecked),
    String(r.maxDeviation),
    String(r.maxBound),
    r.ok ? (r.inFlight ? 'in flight' : 'ok') : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)];
  for (const r of reports.filter((x) => !x.ok)) {
    out.push(`FAIL ${r.interval} ${r.windowStart.toISOString()} ${r.metric}:`);
    for (const p of r.problems.slice(0, 10)) out.push(`  - ${p}`);
    if (r.problems.length > 10) out.push(`  … and ${r.problems.length - 10} more`);
  }
  const worst = reports.filter((r) => !r.inFlight).reduce<WindowReport | null>((w, r) => (w === null || r.maxDeviation > w.maxDeviation ? r : w), null);
  const failed = reports.filter((r) => !r.ok).length;
  const inFlight = reports.filter((r) => r.ok && r.inFlight);
  if (inFlight.length > 0) {
    out.push(`${inFlight.length} in flight (still receiving sales; checked never to exceed the ground truth, not compared exactly):`);
    for (const r of inFlight.slice(0, 20)) out.push(`  ${r.interval} ${r.windowStart.toISOString()} ${r.metric}: ${r.inFlight}`);
    if (inFlight.length > 20) out.push(`  … and ${inFlight.length - 20} more`);
  }
  out.push(
    `${reports.length} windows checked (reporting zone ${timeZone}): ${reports.length - failed - inFlight.length} compared exactly or within their bounds, ${inFlight.length} in flight, ${failed} failed; worst deviation ${worst ? `${worst.maxDeviation} (${worst.interval} ${worst.windowStart.toISOString()} ${worst.metric}, ${worst.source}, bound ${worst.maxBound})` : '0'}`,
  );
  return out.join('\n');
}
