import { DateTime, type DurationLike } from 'luxon';

/**
 * The interval registry: every rollup interval, in one list. The rollup DAG, the speed
 * pipeline's open windows and the dashboard's selector all derive from it, so adding an
 * interval (15-minute, quarter, …) is one entry here plus its test.
 *
 * Windows are computed in the reporting time zone with luxon, so they follow DST: a local
 * day can be 23 or 25 hours, and in Asia/Kolkata an hour window starts at :30 UTC.
 */
export interface IntervalSpec {
  name: string;
  /** The finer interval whose windows this one is rolled up from (its children); null for the raw minute buckets. */
  rolledUpFrom: string | null;
  /** Start of the window that holds a local instant (the DateTime is already in the reporting zone). */
  floor(local: DateTime): DateTime;
  /** From one window start to the next. Hours and smaller are exact durations; days and up are calendar steps. */
  step: DurationLike;
  /** When the batch layer looks for windows of this interval that are ready to roll up (node-cron syntax, reporting zone). */
  cron: string;
  /** How long rollups of this interval are kept. */
  retentionDays: number;
  /** Whether the speed layer keeps live estimates for open windows of this interval. */
  speed: boolean;
}

/** A window: [start, end) of one interval. */
export interface Window {
  interval: string;
  start: Date;
  end: Date;
}

export const STANDARD_INTERVALS: readonly IntervalSpec[] = [
  { name: 'minute', rolledUpFrom: null, floor: (t) => t.startOf('minute'), step: { minutes: 1 }, cron: '', retentionDays: 7, speed: false },
  { name: 'hour', rolledUpFrom: 'minute', floor: (t) => t.startOf('hour'), step: { hours: 1 }, cron: '*/5 * * * *', retentionDays: 90, speed: true },
  { name: 'day', rolledUpFrom: 'hour', floor: (t) => t.startOf('day'), step: { days: 1 }, cron: '10 * * * *', retentionDays: 730, speed: true },
  // ISO weeks: luxon's startOf('week') is Monday 00:00 local.
  { name: 'week', rolledUpFrom: 'day', floor: (t) => t.startOf('week'), step: { weeks: 1 }, cron: '20 * * * *', retentionDays: 1830, speed: true },
  { name: 'month', rolledUpFrom: 'day', floor: (t) => t.startOf('month'), step: { months: 1 }, cron: '30 * * * *', retentionDays: 3650, speed: true },
  { name: 'year', rolledUpFrom: 'month', floor: (t) => t.startOf('year'), step: { years: 1 }, cron: '40 * * * *', retentionDays: 36500, speed: true },
];

export class UnknownIntervalError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(`unknown interval ${JSON.stringify(name)}; known: ${known.join(', ')}`);
    this.name = 'UnknownIntervalError';
  }
}

export class IntervalRegistry {
  private readonly byName = new Map<string, IntervalSpec>();
  /** Each interval after the one it is rolled up from: the order a DAG runs in. */
  private readonly ordered: IntervalSpec[];
  /** The last window `windowAt` computed, per interval (specs and zone never change). */
  private readonly lastWindow = new Map<string, { startMs: number; endMs: number }>();

  constructor(
    specs: readonly IntervalSpec[],
    readonly timeZone: string = 'UTC',
  ) {
    if (!DateTime.now().setZone(timeZone).isValid) throw new Error(`invalid reporting time zone ${JSON.stringify(timeZone)}`);
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`interval ${spec.name} is registered twice`);
      this.byName.set(spec.name, spec);
    }
    this.ordered = [];
    const placed = new Set<string>();
    const place = (spec: IntervalSpec, path: string[]): void => {
      if (placed.has(spec.name)) return;
      if (path.includes(spec.name)) throw new Error(`interval cycle: ${[...path, spec.name].join(' → ')}`);
      if (spec.rolledUpFrom !== null) {
        const source = this.byName.get(spec.rolledUpFrom);
        if (!source) throw new Error(`interval ${spec.name} is rolled up from unknown interval ${spec.rolledUpFrom}`);
        place(source, [...path, spec.name]);
      }
      placed.add(spec.name);
      this.ordered.push(spec);
    };
    for (const spec of specs) place(spec, []);
  }

  /** The standard registry (minute → hour → day → week, day → month → year) in a reporting zone. */
  static standard(timeZone = 'UTC'): IntervalRegistry {
    return new IntervalRegistry(STANDARD_INTERVALS, timeZone);
  }

  /** A registry with one more interval. */
  with(spec: IntervalSpec): IntervalRegistry {
    return new IntervalRegistry([...this.ordered, spec], this.timeZone);
  }

  /** Names, finer intervals first (each after the one it is rolled up from). */
  names(): string[] {
    return this.ordered.map((s) => s.name);
  }

  all(): readonly IntervalSpec[] {
    return this.ordered;
  }

  get(name: string): IntervalSpec {
    const spec = this.byName.get(name);
    if (!spec) throw new UnknownIntervalError(name, this.names());
    return spec;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Intervals rolled up directly from `name`. */
  dependents(name: string): IntervalSpec[] {
    return this.ordered.filter((s) => s.rolledUpFrom === name);
  }

  /**
   * The window of `interval` that holds instant `at`: always `start <= at < end`.
   *
   * A window start is an instant the interval's floor maps to itself (a fixed point), and a
   * window ends at the next one. `floor` and `step` alone are not enough around DST: in
   * Australia/Lord_Howe (30-minute shift) `startOf('hour')` of the repeated half hour lands on
   * an hour already passed, which gave the zero-length hour [14:00Z, 14:00Z) and an endless
   * `windowsBetween`; a nonexistent local time can floor to an instant that is not a start.
   * So the start is searched backwards and the end forwards over fixed points only, which
   * makes every window non-empty and `next(w).start = w.end` (intervals.spec.ts holds every
   * zone in the time-zone database to it). The last window per interval is cached: the speed
   * pipeline asks for the same few windows millions of times.
   */
  windowAt(interval: string, at: Date | number): Window {
    const atMs = +at;
    const cached = this.lastWindow.get(interval);
    if (cached !== undefined && cached.startMs <= atMs && atMs < cached.endMs) {
      return { interval, start: new Date(cached.startMs), end: new Date(cached.endMs) };
    }
    const spec = this.get(interval);
    let startMs = this.startAtOrBefore(spec, atMs);
    let endMs = this.endAfter(spec, startMs);
    // A fixed point the floor of `at` skipped: walk forward to the window that holds `at`.
    for (let guard = 0; endMs <= atMs; guard++) {
      if (guard > 1000) throw new Error(`no ${interval} window holds ${new Date(atMs).toISOString()} in ${this.timeZone}`);
      startMs = endMs;
      endMs = this.endAfter(spec, startMs);
    }
    this.lastWindow.set(interval, { startMs, endMs });
    return { interval, start: new Date(startMs), end: new Date(endMs) };
  }

  private floorMs(spec: IntervalSpec, ms: number): number {
    return spec.floor(DateTime.fromMillis(ms, { zone: this.timeZone })).toMillis();
  }

  private isStart(spec: IntervalSpec, ms: number): boolean {
    return this.floorMs(spec, ms) === ms;
  }

  /** A window start at or before `atMs` (the latest one the floor finds). */
  private startAtOrBefore(spec: IntervalSpec, atMs: number): number {
    let candidate = this.floorMs(spec, atMs);
    // A floor into a DST gap can land after `at`, or on an instant that is no start: probe ever
    // further back (1 min, 2 min, 4 min, …); windowAt walks forward again from what is found.
    for (let guard = 0, probeMs = atMs; !(candidate <= atMs && this.isStart(spec, candidate)); guard++) {
      if (guard > 40) throw new Error(`no ${spec.name} window starts before ${new Date(atMs).toISOString()} in ${this.timeZone}`);
      probeMs = Math.min(candidate, probeMs) - 60_000 * 2 ** guard;
      candidate = this.floorMs(spec, probeMs);
    }
    return candidate;
  }

  /** The first window start after `startMs`. */
  private endAfter(spec: IntervalSpec, startMs: number): number {
    let local = DateTime.fromMillis(startMs, { zone: this.timeZone });
    let endMs = Number.NaN;
    // One step, or more when a DST jump makes one step floor back onto (or before) the start.
    for (let steps = 1; ; steps++) {
      local = local.plus(spec.step);
      endMs = this.floorMs(spec, local.toMillis());
      if (endMs > startMs && this.isStart(spec, endMs)) break;
      if (steps > 1000) throw new Error(`no ${spec.name} window starts after ${new Date(startMs).toISOString()} in ${this.timeZone}`);
    }
    // Never jump over a start: the window ends at the first one after its start.
    for (let guard = 0; ; guard++) {
      const before = this.startAtOrBefore(spec, endMs - 1);
      if (before <= startMs || guard > 1000) return endMs;
      endMs = before;
    }
  }

  /** The window that starts at `start` (which must be a window start of `interval`). */
  windowStartingAt(interval: string, start: Date | number): Window {
    const window = this.windowAt(interval, start);
    if (window.start.getTime() !== +start) {
      throw new Error(`${new Date(+start).toISOString()} is not the start of a ${interval} window in ${this.timeZone}`);
    }
    return window;
  }

  next(window: Window): Window {
    return this.windowAt(window.interval, window.end);
  }

  previous(window: Window): Window {
    return this.windowAt(window.interval, window.start.getTime() - 1);
  }

  /** Windows of `interval` that overlap [fromMs, toMs), in order. */
  windowsBetween(interval: string, from: Date | number, to: Date | number): Window[] {
    const windows: Window[] = [];
    for (let w = this.windowAt(interval, from); w.start.getTime() < +to; w = this.next(w)) windows.push(w);
    return windows;
  }

  /** The windows of the finer interval a window is rolled up from (empty for the base interval). */
  children(window: Window): Window[] {
    const source = this.get(window.interval).rolledUpFrom;
    return source === null ? [] : this.windowsBetween(source, window.start, window.end);
  }
}
