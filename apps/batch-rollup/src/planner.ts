/**
 * The DAG planner: pure functions over what the database says (runs, dirty marks, the ledger's
 * listing, the watermark). No I/O here: the runner loads a `PlanContext`, asks what to run, runs it,
 * and asks again. Tasks are (interval, window) pairs derived from the interval registry.
 */
import { listingOf, type HourListing } from '@hitboard/lake';
import type { IntervalRegistry, Window } from '@hitboard/time';

export type RunStatus = 'running' | 'succeeded' | 'failed';
/** Why a window would run: what an operator sees in `backfill --dry-run`. */
export type Why = 'missing' | 'failed' | 'dirty' | 'forced' | 'abandoned';
/** `rollup_runs.reason`. */
export type RunReason = 'scheduled' | 'late-data' | 'backfill' | 'forced';

export const WHYS: readonly Why[] = ['missing', 'failed', 'dirty', 'forced', 'abandoned'];

/** What the database says about one window. */
export interface WindowState {
  /** Status of the window's latest run (null: never run). */
  lastStatus: RunStatus | null;
  /** The latest succeeded run, whose rows and rollup file are the window's answer. */
  succeededRunId: bigint | null;
  /** Raw files and rows that run read (raw intervals only; null for rollups of rollups). */
  inputFiles: number | null;
  inputRows: number | null;
  dirty: { lateFiles: number; lateRows: number } | null;
}

export interface PlanContext {
  registry: IntervalRegistry;
  /** Keyed by `windowKey`. A window absent from the map has never run. */
  states: ReadonlyMap<string, WindowState>;
  /** Ledger-listed files and rows per UTC hour (ms). */
  listing: ReadonlyMap<number, HourListing>;
  /** The global event-time watermark (ms); null before any data. */
  watermarkMs: number | null;
  allowedLatenessMs: number;
}

export interface Task {
  window: Window;
  why: Why;
}

export const windowKey = (interval: string, startMs: number | Date): string => `${interval}|${+startMs}`;
export const keyOf = (w: Window): string => windowKey(w.interval, w.start);

const NEVER_RUN: WindowState = { lastStatus: null, succeededRunId: null, inputFiles: null, inputRows: null, dirty: null };

export function stateOf(ctx: PlanContext, w: Window): WindowState {
  return ctx.states.get(keyOf(w)) ?? NEVER_RUN;
}

/** Intervals the batch layer builds: every registered interval that is rolled up from another. */
export function taskIntervals(registry: IntervalRegistry): string[] {
  return registry.all().filter((s) => s.rolledUpFrom !== null).map((s) => s.name);
}

/** An interval built from the raw lake (its source is the base minute buckets), e.g. hour. */
export function readsRaw(registry: IntervalRegistry, interval: string): boolean {
  const source = registry.get(interval).rolledUpFrom;
  return source !== null && registry.get(source).rolledUpFrom === null;
}

/** `interval` and every interval it is (transitively) rolled up from, finer first. */
export function withSources(registry: IntervalRegistry, interval: string): string[] {
  const out: string[] = [];
  for (let name: string | null = interval; name !== null && registry.get(name).rolledUpFrom !== null; name = registry.get(name).rolledUpFrom) out.unshift(name);
  return out;
}

/** `interval` and every interval rolled up (directly or not) from it, in registry order. */
export function withDependents(registry: IntervalRegistry, interval: string): string[] {
  const out = new Set<string>([interval]);
  for (const name of registry.names()) if (registry.get(name).rolledUpFrom !== null && out.has(registry.get(name).rolledUpFrom!)) out.add(name);
  return registry.names().filter((n) => out.has(n));
}

/** The watermark has passed the window's end plus the allowed lateness: no more on-time data can arrive. */
export function isClosed(ctx: PlanContext, w: Window): boolean {
  return ctx.watermarkMs !== null && ctx.watermarkMs >= w.end.getTime() + ctx.allowedLatenessMs;
}

/** No ledger-listed file covers any UTC hour of the window. */
export function isEmpty(ctx: PlanContext, w: Window): boolean {
  return listingOf(ctx.listing, w.start.getTime(), w.end.getTime()).files === 0;
}

export function isDoneClean(s: WindowState): boolean {
  return s.succeededRunId !== null && s.lastStatus === 'succeeded' && s.dirty === null;
}

/**
 * A child a parent may be built from: done and clean, or — never built — closed with no listed
 * file at all (its answer is the empty rollup; building thousands of empty hours to make a year
 * would be work with no information). If a file is later listed for such a child, `lateDataMarks`
 * marks the parents built without it dirty.
 */
export function childSatisfied(ctx: PlanContext, child: Window): boolean {
  const s = stateOf(ctx, child);
  if (isDoneClean(s)) return true;
  return s.succeededRunId === null && s.lastStatus !== 'running' && isEmpty(ctx, child) && isClosed(ctx, child);
}

/** Ready: a raw interval's window once closed; any other once every child is satisfied. */
export function isReady(ctx: PlanContext, w: Window): boolean {
  if (readsRaw(ctx.registry, w.interval)) return isClosed(ctx, w);
  const children = ctx.registry.children(w);
  return children.length > 0 && children.every((c) => childSatisfied(ctx, c));
}

/** Why a window would run now, or null when it is done and clean. */
export function whyRun(s: WindowState, force = false): Why | null {
  if (force) return 'forced';
  if (s.dirty !== null) return 'dirty';
  if (s.lastStatus === null) return 'missing';
  if (s.lastStatus === 'failed') return 'failed';
  // Running: maybe elsewhere (its lock will say so), maybe its process died (then it is abandoned).
  if (s.lastStatus === 'running') return 'abandoned';
  return null;
}

/** The reason recorded in `rollup_runs`: late data wins, then the caller's (scheduled/backfill/forced). */
export function reasonFor(why: Why, base: 'scheduled' | 'backfill'): RunReason {
  if (why === 'forced') return 'forced';
  if (why === 'dirty') return 'late-data';
  return base;
}

/** Intervals in DAG order (registry order), then oldest window first. */
export function compareTasks(registry: IntervalRegistry): (a: Task, b: Task) => number {
  const order = new Map(registry.names().map((n, i) => [n, i]));
  return (a, b) => (order.get(a.window.interval)! - order.get(b.window.interval)!) || a.window.start.getTime() - b.window.start.getTime();
}

/**
 * The windows of `intervals` the scheduler looks at: every window over a UTC hour the ledger lists
 * files for, plus every window with a run or dirty mark (failed, running, dirty ones).
 */
export function scheduledCandidates(ctx: PlanContext, intervals: readonly string[]): Window[] {
  const wanted = new Set(intervals);
  const byKey = new Map<string, Window>();
  for (const hourMs of ctx.listing.keys()) {
    for (const interval of intervals) {
      for (const w of ctx.registry.windowsBetween(interval, hourMs, hourMs + 3_600_000)) byKey.set(keyOf(w), w);
    }
  }
  for (const [key, s] of ctx.states) {
    if (isDoneClean(s)) continue;
    const [interval, start] = splitKey(key);
    if (wanted.has(interval) && !byKey.has(key)) byKey.set(key, ctx.registry.windowStartingAt(interval, start));
  }
  return [...byKey.values()];
}

export function splitKey(key: string): [string, number] {
  const bar = key.lastIndexOf('|');
  return [key.slice(0, bar), Number(key.slice(bar + 1))];
}

export interface PassPlan {
  /** Ready to run now, in DAG order. */
  ready: Task[];
  /** Needing a run but waiting (children not done, or the hour not closed yet). */
  waiting: Task[];
  /** Per interval: windows that need a run although closed (the DAG is behind by this many). */
  behind: Map<string, number>;
  /** The oldest closed window needing a run and how long past its end + lateness (ms), or null. */
  overdue: { window: Window; byMs: number } | null;
}

/** What one scheduler pass would do over `candidates`. */
export function planPass(ctx: PlanContext, candidates: readonly Window[]): PassPlan {
  const ready: Task[] = [];
  const waiting: Task[] = [];
  const behind = new Map<string, number>();
  let overdue: PassPlan['overdue'] = null;
  for (const w of candidates) {
    const why = whyRun(stateOf(ctx, w));
    if (why === null) continue;
    const task = { window: w, why };
    if (isReady(ctx, w)) ready.push(task);
    else waiting.push(task);
    if (isClosed(ctx, w)) {
      behind.set(w.interval, (behind.get(w.interval) ?? 0) + 1);
      const byMs = ctx.watermarkMs! - (w.end.getTime() + ctx.allowedLatenessMs);
      if (overdue === null || byMs > overdue.byMs) overdue = { window: w, byMs };
    }
  }
  const order = compareTasks(ctx.registry);
  return { ready: ready.sort(order), waiting: waiting.sort(order), behind, overdue };
}

/** The windows rolled up (directly or not) from `w`, one per dependent interval level. */
export function ancestorsOf(registry: IntervalRegistry, w: Window): Window[] {
  const out: Window[] = [];
  const seen = new Set<string>();
  const visit = (x: Window) => {
    for (const spec of registry.dependents(x.interval)) {
      const a = registry.windowAt(spec.name, x.start);
      if (seen.has(keyOf(a))) continue;
      seen.add(keyOf(a));
      out.push(a);
      visit(a);
    }
  };
  visit(w);
  return out;
}

export interface DirtyMark {
  window: Window;
  lateFiles: number;
  lateRows: number;
  /**
   * The raw windows whose late files this mark stands for, with the succeeded run the plan saw for each
   * (null: never built). A mark from a plan read before another scheduler rebuilt all of them is stale.
   */
  sources?: LateSource[];
}

export interface LateSource {
  window: Window;
  seenRunId: bigint | null;
}

/**
 * Late data, by counting the ledger (no clocks): a raw window whose latest succeeded run read fewer
 * files than the ledger lists now, or a never-built raw window that now has files under a built
 * parent (the parent took it as empty). Marks that window (if built) and every built ancestor, with
 * the late files and rows summed per window. Finer intervals first.
 */
export function lateDataMarks(ctx: PlanContext): DirtyMark[] {
  const marks = new Map<string, DirtyMark>();
  const add = (w: Window, files: number, rows: number, source: LateSource) => {
    const m = marks.get(keyOf(w));
    if (m) {
      m.lateFiles += files;
      m.lateRows += rows;
      m.sources!.push(source);
    } else marks.set(keyOf(w), { window: w, lateFiles: files, lateRows: rows, sources: [source] });
  };
  const built = (w: Window) => stateOf(ctx, w).succeededRunId !== null;
  const late = new Map<string, { window: Window; files: number; rows: number }>();
  for (const [key, s] of ctx.states) {
    const [interval, start] = splitKey(key);
    if (s.succeededRunId === null || s.inputFiles === null || !readsRaw(ctx.registry, interval)) continue;
    const w = ctx.registry.windowStartingAt(interval, start);
    const now = listingOf(ctx.listing, w.start.getTime(), w.end.getTime());
    if (now.files > s.inputFiles) late.set(key, { window: w, files: now.files - s.inputFiles, rows: Math.max(0, now.rows - (s.inputRows ?? 0)) });
  }
  const rawIntervals = taskIntervals(ctx.registry).filter((i) => readsRaw(ctx.registry, i));
  for (const hourMs of ctx.listing.keys()) {
    for (const interval of rawIntervals) {
      for (const w of ctx.registry.windowsBetween(interval, hourMs, hourMs + 3_600_000)) {
        if (built(w) || late.has(keyOf(w))) continue;
        if (!ancestorsOf(ctx.registry, w).some(built)) continue;
        const now = listingOf(ctx.listing, w.start.getTime(), w.end.getTime());
        late.set(keyOf(w), { window: w, files: now.files, rows: now.rows });
      }
    }
  }
  for (const { window, files, rows } of late.values()) {
    const source = { window, seenRunId: stateOf(ctx, window).succeededRunId };
    if (built(window)) add(window, files, rows, source);
    for (const a of ancestorsOf(ctx.registry, window)) if (built(a)) add(a, files, rows, source);
  }
  return [...marks.values()].sort((a, b) => compareTasks(ctx.registry)({ window: a.window, why: 'dirty' }, { window: b.window, why: 'dirty' }));
}

export interface BackfillPlan {
  /** What will run, children first, each with why. `target` false: a missing child built first. */
  tasks: Array<Task & { target: boolean }>;
  /** Target windows that will not run, and why not. */
  skipped: Array<{ window: Window; because: 'done' | 'filtered' | 'not-ready' }>;
}

/**
 * A backfill of `interval` over [fromMs, toMs): each window that is missing, failed, dirty (or
 * every one, forced), optionally only some of those, plus the children it needs that are not
 * satisfied (built first). A window whose raw hours are not closed yet is skipped as not ready.
 */
export function planBackfill(
  ctx: PlanContext,
  interval: string,
  fromMs: number,
  toMs: number,
  options: { force?: boolean; only?: readonly Why[] } = {},
): BackfillPlan {
  const tasks = new Map<string, Task & { target: boolean }>();
  const skipped: BackfillPlan['skipped'] = [];
  // Children a window needs built, or null if one of them can never be built yet (an open hour).
  const needs = (w: Window, acc: Map<string, Task & { target: boolean }>): boolean => {
    if (readsRaw(ctx.registry, w.interval)) return isClosed(ctx, w);
    for (const c of ctx.registry.children(w)) {
      if (childSatisfied(ctx, c)) continue;
      if (!needs(c, acc)) return false;
      if (!acc.has(keyOf(c)) && !tasks.has(keyOf(c))) acc.set(keyOf(c), { window: c, why: whyRun(stateOf(ctx, c)) ?? 'missing', target: false });
    }
    return true;
  };
  for (const w of ctx.registry.windowsBetween(interval, fromMs, toMs)) {
    const natural = whyRun(stateOf(ctx, w));
    // --only filters by the window's own state (an abandoned run counts as failed); --force then rebuilds what passes.
    const filterAs = natural === 'abandoned' ? 'failed' : natural;
    if (options.only && (filterAs === null || !options.only.includes(filterAs))) {
      skipped.push({ window: w, because: natural === null && !options.force ? 'done' : 'filtered' });
      continue;
    }
    const why = options.force ? 'forced' : natural;
    if (why === null) {
      skipped.push({ window: w, because: 'done' });
      continue;
    }
    const children = new Map<string, Task & { target: boolean }>();
    if (!needs(w, children)) {
      skipped.push({ window: w, because: 'not-ready' });
      continue;
    }
    for (const [k, t] of children) tasks.set(k, t);
    tasks.set(keyOf(w), { window: w, why, target: true });
  }
  return { tasks: [...tasks.values()].sort(compareTasks(ctx.registry)), skipped };
}
