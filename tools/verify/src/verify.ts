import { pollUntil } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { CHANNEL_ALL, STORED_CHANNELS, type ChannelFilter } from '@hitboard/schema';
import type { DashboardApi, Metric } from './api';
import { compareInFlight, compareRange, compareWindow, type ServedAnswer, type WindowReport } from './compare';
import type { GroundTruth } from './ground-truth';
import { DEFAULT_RANGES, pickRanges, type RangeChoice } from './ranges';

export interface VerifyOptions {
  /** Intervals to check (default: every interval the API serves). */
  intervals?: string[];
  /** Windows overlapping [fromMs, toMs) (default: the ground truth's range). */
  fromMs?: number;
  toMs?: number;
  metrics: Metric[];
  /** Rows asked per window (the API serves up to this many). */
  k: number;
  /**
   * The channel views of every window and range: `all` (the overall figures) and each channel asked
   * for (default: the overall and every stored channel — `unknown` holds only lake rows written before
   * the lake kept channels, so against a truth with channels it must be empty).
   */
  channels?: readonly ChannelFilter[];
  /** Which hour-aligned ranges to ask for besides the windows (`pickRanges`); null: none. Default `DEFAULT_RANGES`. */
  ranges?: RangeChoice | null;
  onWindow?(report: WindowReport, done: number, total: number): void;
  /**
   * Reads the ground truth again once every window was served. When it has grown meanwhile (the
   * generator still sells: a live system), a window that fails the exact check and ends less than
   * `inFlightMs` before the newest sale is judged in flight instead: it passes if nothing served
   * exceeds the truth as read at the end. Without it (or when the truth did not grow) every window
   * is compared exactly.
   */
  reloadTruth?: () => Promise<GroundTruth>;
  /** How long the system may take to show a sale exactly: the generator's lateness plus the rollup cadence (default 4 h 30 min). */
  inFlightMs?: number;
  /**
   * How long the reload waits for the truth to grow (read again every second) before judging the
   * system stopped (default 10 s): a quiet hour's generator may append nothing during a short run.
   */
  truthGrowthWaitMs?: number;
}

export const DEFAULT_IN_FLIGHT_MS = 270 * 60_000;

/** The overall figures and every stored channel's. */
export const EVERY_CHANNEL_VIEW: readonly ChannelFilter[] = [CHANNEL_ALL, ...STORED_CHANNELS];

/** A comparison that failed, kept for the in-flight judgement at the end. */
interface Failed {
  report: WindowReport;
  served: ServedAnswer;
  startMs: number;
  endMs: number;
  channel: ChannelFilter;
}

/**
 * Every window of the chosen intervals over the range, in the API's reporting zone (the same
 * registry the system uses), and a few hour-aligned ranges over it, each overall and per channel:
 * served top list vs exact ground truth.
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
  const ranges = options.ranges === null ? [] : pickRanges(registry, fromMs, toMs, options.ranges ?? DEFAULT_RANGES);
  const channels = options.channels ?? EVERY_CHANNEL_VIEW;
  const total = (windows.length + ranges.length) * channels.length * options.metrics.length;
  const reports: WindowReport[] = [];
  const failed: Failed[] = [];
  const done = (report: WindowReport, f: Omit<Failed, 'report'>) => {
    if (!report.ok) failed.push({ report, ...f });
    reports.push(report);
    options.onWindow?.(report, reports.length, total);
  };
  for (const w of windows) {
    const [startMs, endMs] = [w.start.getTime(), w.end.getTime()];
    for (const channel of channels) {
      const exact = await truth.window(startMs, endMs, channel);
      for (const metric of options.metrics) {
        const top = await api.top(w.interval, w.start, metric, options.k, channel);
        const report = compareWindow(top, exact, options.k, channel);
        if (top.windowStart && Date.parse(top.windowStart) !== startMs) {
          report.ok = false;
          report.problems.push(`asked for the window at ${w.start.toISOString()}, served ${top.windowStart}`);
        }
        done(report, { served: top, startMs, endMs, channel });
      }
    }
  }
  for (const r of ranges) {
    for (const channel of channels) {
      const exact = await truth.window(r.fromMs, r.toMs, channel);
      for (const metric of options.metrics) {
        const served = await api.range(new Date(r.fromMs), new Date(r.toMs), metric, options.k, channel);
        done(compareRange(served, exact, options.k, { fromMs: r.fromMs, toMs: r.toMs, channel }), { served, startMs: r.fromMs, endMs: r.toMs, channel });
      }
    }
  }
  if (options.reloadTruth && failed.length > 0) await judgeInFlight(truth, options.reloadTruth, options.inFlightMs ?? DEFAULT_IN_FLIGHT_MS, options.truthGrowthWaitMs ?? 10_000, failed);
  return { reports, timeZone: served.timeZone };
}

/**
 * A live system is never at the truth's instant: the newest sales are still in Kafka, in a flush
 * or waiting for a rollup. A window that failed exactly is in flight when the truth grew while
 * verify ran, the window ends within `inFlightMs` of the newest sale, and nothing it serves exceeds
 * the truth as read now (a later read holds everything the pipeline can have consumed: the
 * generator appends each batch once Kafka acknowledged it). Older windows stay failed.
 */
async function judgeInFlight(
  before: GroundTruth,
  reload: () => Promise<GroundTruth>,
  inFlightMs: number,
  growthWaitMs: number,
  failed: Failed[],
): Promise<void> {
  let after = await reload();
  // At a quiet hour the generator sells a few sales a second or fewer: a run of 2 s can see none.
  await pollUntil(
    'the ground truth to grow',
    async () => {
      if (after.events > before.events) return true;
      after.close();
      after = await reload();
      return after.events > before.events;
    },
    { timeoutMs: growthWaitMs, everyMs: 1000 },
  ).catch(() => undefined); // it did not grow: the failures stand
  try {
    if (after.events <= before.events) return;
    for (const { report, served, startMs, endMs, channel } of failed) {
      // A wrong window, channel or range answered, or hours that do not tile it, is wrong however late it is.
      if (endMs <= after.toMs - inFlightMs || report.problems.some((p) => p.startsWith('asked for') || p.startsWith('hours:'))) continue;
      const { problems, behind } = compareInFlight(served, await after.window(startMs, endMs, channel));
      if (problems.length > 0) {
        report.problems.push(...problems);
        continue;
      }
      report.ok = true;
      report.inFlight = behind;
      report.problems = [];
    }
  } finally {
    after.close();
  }
}
