import { CHANNEL_ALL, type ChannelFilter } from '@hitboard/schema';
import type { Metric, ServedRange, ServedRow, ServedTop } from './api';
import type { TrueSums, WindowTruth } from './ground-truth';

/** What is compared of a served answer: a window's (`/api/top?interval&window`) or a range's (`?from&to`). */
export interface ServedAnswer {
  metric: Metric;
  /** mixed: a range with exact and estimated hours. */
  source: 'batch' | 'speed' | 'mixed' | 'none';
  exact: boolean;
  totals: ServedTop['totals'];
  rows: ServedRow[];
}

/** The interval name a range's report carries (a range is no window of the registry). */
export const RANGE = 'range';

/** The verdict on one served window (or range), channel and metric. */
export interface WindowReport {
  /** The window's interval, or `range` (then `windowEnd` is set). */
  interval: string;
  windowStart: Date;
  /** A range's end (exclusive); absent for a window, whose end the registry knows. */
  windowEnd?: Date;
  /** `all`: the overall figures; else the one channel asked for. */
  channel: ChannelFilter;
  metric: Metric;
  source: ServedAnswer['source'];
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

/** The figures of a comparison, before it is named (window or range). */
type Verdict = Pick<WindowReport, 'productsChecked' | 'maxDeviation' | 'maxBound' | 'problems'>;

/**
 * Compares one served window with the exact ground truth (of the channel it was asked for).
 * - batch: every served row's units and revenue exact, the totals exact, and the served list is
 *   exactly the true top (min(k, products) rows, ranks 1…n, ties by product id bytes);
 * - speed: each row's metric within its stated error bound (count-min overestimates, never more
 *   than the bound); the totals, when served, exact (the speed layer sums exactly; only ranking is sketched);
 * - none: fine only if the ground truth has no sales in the window.
 * A served `channel` other than the one asked is a problem of its own.
 */
export function compareWindow(served: ServedTop, truth: WindowTruth, k: number, channel: ChannelFilter = CHANNEL_ALL): WindowReport {
  const exact = served.source === 'batch';
  const verdict = compareAnswer(served, truth, k, exact);
  if (served.source !== 'none' && served.exact !== exact) verdict.problems.unshift(`source ${served.source} but exact=${served.exact}`);
  if (served.channel !== undefined && served.channel !== channel) verdict.problems.unshift(`asked for channel ${channel}, served ${served.channel}`);
  return { interval: served.interval, windowStart: new Date(served.windowStart), channel, metric: served.metric, source: served.source, ...verdict, ok: verdict.problems.length === 0 };
}

/**
 * Compares one served range [from, to) with the exact ground truth over it. Its hours must tile the
 * range (exact + estimate + missing, no gap, no overlap). `exact` is the range's own claim: every
 * hour built and none rebuilding; then it is held to the batch rules above, and its source must be
 * batch with no estimated or missing hour. Otherwise every row within the bound it states (0 for
 * the built hours' part, the estimated hours' summed bound else) and the totals' units and revenue
 * exact (orders too, when served; products only when exact).
 */
export function compareRange(served: ServedRange, truth: WindowTruth, k: number, asked: { fromMs: number; toMs: number; channel: ChannelFilter }): WindowReport {
  const verdict = compareAnswer(served, truth, k, served.exact);
  const claims: string[] = [];
  if (Date.parse(served.from) !== asked.fromMs || Date.parse(served.to) !== asked.toMs) {
    claims.push(`asked for ${new Date(asked.fromMs).toISOString()} … ${new Date(asked.toMs).toISOString()}, served ${served.from} … ${served.to}`);
  }
  if (served.channel !== undefined && served.channel !== asked.channel) claims.push(`asked for channel ${asked.channel}, served ${served.channel}`);
  claims.push(...spanProblems(asked.fromMs, asked.toMs, served.hours));
  const estimated = served.hours.estimate.length + served.hours.missing.length > 0;
  if (served.exact && (served.source !== 'batch' || estimated || served.rebuilding)) {
    claims.push(`asked for an exact range: exact=true but source ${served.source}, ${served.hours.estimate.length} estimated / ${served.hours.missing.length} missing hour spans${served.rebuilding ? ', rebuilding' : ''}`);
  }
  if (!served.exact && served.source === 'batch' && !estimated && !served.rebuilding) claims.push('asked for a range every hour of which is built and none rebuilding, served exact=false');
  verdict.problems.unshift(...claims);
  return {
    interval: RANGE,
    windowStart: new Date(asked.fromMs),
    windowEnd: new Date(asked.toMs),
    channel: asked.channel,
    metric: served.metric,
    source: served.source,
    ...verdict,
    ok: verdict.problems.length === 0,
  };
}

/** How the served hour spans fail to tile [fromMs, toMs) exactly (empty: they tile it). */
export function spanProblems(fromMs: number, toMs: number, hours: ServedRange['hours']): string[] {
  const spans = [...hours.exact, ...hours.estimate, ...hours.missing].map((s) => ({ from: Date.parse(s.from), to: Date.parse(s.to) })).sort((a, b) => a.from - b.from);
  const problems: string[] = [];
  let at = fromMs;
  for (const s of spans) {
    if (s.from !== at) problems.push(`hours: ${s.from > at ? 'nothing said of' : 'two answers for'} ${new Date(Math.min(at, s.from)).toISOString()} … ${new Date(Math.max(at, s.from)).toISOString()}`);
    at = Math.max(at, s.to);
  }
  if (at !== toMs) problems.push(`hours: the spans end at ${new Date(at).toISOString()}, the range at ${new Date(toMs).toISOString()}`);
  return problems;
}

/**
 * The comparison itself: `exact` answers are held to every figure and the order of the list; the
 * others to each row's stated bound and exact totals (orders and products only where served).
 */
function compareAnswer(served: ServedAnswer, truth: WindowTruth, k: number, exact: boolean): Verdict {
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
  return { productsChecked: served.rows.length, maxDeviation, maxBound, problems };
}

/**
 * The check for a window still receiving sales: what is served may trail the ground truth (the
 * pipeline has not shown the newest sales yet) but never exceed it — no product above its true
 * figure (plus its stated bound), no total above the true total. Returns the problems (empty =
 * consistent with a moment of the truth) and how far the served figure trails.
 */
export function compareInFlight(served: ServedAnswer, truth: WindowTruth): { problems: string[]; behind: string } {
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

/** Where a report is: a window's start, or a range's start and length (`2026-11-20T00:30:00.000Z+36h`). */
export function placeOf(r: Pick<WindowReport, 'windowStart' | 'windowEnd'>): string {
  const start = r.windowStart.toISOString();
  return r.windowEnd ? `${start}+${(r.windowEnd.getTime() - r.windowStart.getTime()) / 3_600_000}h` : start;
}

/** The per-window (and per-range) table verify prints, and a last line with the worst deviation. */
export function formatReport(reports: readonly WindowReport[], timeZone: string): string {
  const header = ['interval', 'window', 'channel', 'metric', 'source', 'checked', 'max dev', 'bound', 'ok'];
  const lines = reports.map((r) => [
    r.interval,
    placeOf(r),
    r.channel,
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
    out.push(`FAIL ${r.interval} ${placeOf(r)} ${r.channel} ${r.metric}:`);
    for (const p of r.problems.slice(0, 10)) out.push(`  - ${p}`);
    if (r.problems.length > 10) out.push(`  … and ${r.problems.length - 10} more`);
  }
  const worst = reports.filter((r) => !r.inFlight).reduce<WindowReport | null>((w, r) => (w === null || r.maxDeviation > w.maxDeviation ? r : w), null);
  const failed = reports.filter((r) => !r.ok).length;
  const inFlight = reports.filter((r) => r.ok && r.inFlight);
  if (inFlight.length > 0) {
    out.push(`${inFlight.length} in flight (still receiving sales; checked never to exceed the ground truth, not compared exactly):`);
    for (const r of inFlight.slice(0, 20)) out.push(`  ${r.interval} ${placeOf(r)} ${r.channel} ${r.metric}: ${r.inFlight}`);
    if (inFlight.length > 20) out.push(`  … and ${inFlight.length - 20} more`);
  }
  const ranges = reports.filter((r) => r.interval === RANGE).length;
  const channels = new Set(reports.map((r) => r.channel)).size;
  out.push(
    `${reports.length - ranges} windows and ${ranges} ranges checked (reporting zone ${timeZone}, ${channels} channel views): ${reports.length - failed - inFlight.length} compared exactly or within their bounds, ${inFlight.length} in flight, ${failed} failed; worst deviation ${worst ? `${worst.maxDeviation} (${worst.interval} ${placeOf(worst)} ${worst.channel} ${worst.metric}, ${worst.source}, bound ${worst.maxBound})` : '0'}`,
  );
  return out.join('\n');
}
