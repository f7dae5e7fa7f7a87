import { IntervalRegistry } from '@hitboard/schema';
import type { DashboardApi, Metric } from './api';
import { compareWindow, type WindowReport } from './compare';
import type { GroundTruth } from './ground-truth';

export interface VerifyOptions {
  /** Intervals to check (default: every interval the API serves). */
  intervals?: string[];
  /** Windows overlapping [fromMs, toMs) (default: the ground truth's range). */
  fromMs?: number;
  toMs?: number;
  metrics: Metric[];
  /** Rows asked per window (the API serves up to this many). */
  k: number;
  onWindow?(report: WindowReport, done: number, total: number): void;
}

/**
 * Every window of the chosen intervals over the range, in the API's reporting zone (the same
 * registry the system uses), served top list vs exact ground truth.
 */
export async function verify(api: DashboardApi, truth: GroundTruth, options: VerifyOptions): Promise<{ reports: WindowReport[]; timeZone: string }> {
  const served = await api.intervals();
  const registry = IntervalRegistry.standard(served.timeZone);
  const servedNames = served.intervals.map((i) => i.name);
  const names = options.intervals ?? servedNames.filter((n) => registry.has(n));
  for (const n of names) if (!servedNames.includes(n) || !registry.has(n)) throw new Error(`interval ${n} is not served (served: ${servedNames.join(', ')})`);
  const fromMs = options.fromMs ?? truth.fromMs;
  const toMs = options.toMs ?? truth.toMs;
  const windows = names.flatMap((n) => (toMs > fromMs ? registry.windowsBetween(n, fromMs, toMs) : []));
  const total = windows.length * options.metrics.length;
  const reports: WindowReport[] = [];
  for (const w of windows) {
    const exact = await truth.window(w.start.getTime(), w.end.getTime());
    for (const metric of options.metrics) {
      const top = await api.top(w.interval, w.start, metric, options.k);
      const report = compareWindow(top, exact, options.k);
      if (top.windowStart && Date.parse(top.windowStart) !== w.start.getTime()) {
        report.ok = false;
        report.problems.push(`asked for the window at ${w.start.toISOString()}, served ${top.windowStart}`);
      }
      reports.push(report);
      options.onWindow?.(report, reports.length, total);
    }
  }
  return { reports, timeZone: served.timeZone };
}
