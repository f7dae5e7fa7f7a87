import { clock } from '@hitboard/runtime';
import { ledgerTopics, type WatermarkReading } from '@hitboard/lake';
import { NotRetriableError, retry } from '@hitboard/runtime';
import { ChildNotReadyError } from './errors';
import { keyOf, lateDataMarks, planPass, scheduledCandidates, reasonFor, taskIntervals, withSources, type PassPlan, type PlanContext, type RunReason, type Task } from './planner';
import { runWindow, describeWindow, type TaskDeps, type TaskOutcome } from './rollup-task';
import { loadCatalog, loadPlanContext, markLateData } from './run-store';

export interface RunnerOptions {
  /** Windows rolled up at once. */
  concurrency: number;
  /** Attempts per window in this call (backoff between them). */
  attempts?: number;
  retryBaseMs?: number;
  /** Abort: no new window starts; running ones finish (their runs are recorded). */
  signal?: AbortSignal;
  onTaskStart?: (task: PlannedTask) => void;
  onTaskDone?: (task: PlannedTask, outcome: TaskOutcome) => void;
}

export interface PlannedTask extends Task {
  reason: RunReason;
  force?: boolean;
}

export interface RunSummary {
  succeeded: number;
  failed: number;
  skipped: number;
  /** Rows of the full rollups built (distinct products, summed over windows). */
  rows: number;
  durationMs: number;
  interrupted: boolean;
  outcomes: Array<{ task: PlannedTask; outcome: TaskOutcome }>;
}

/**
 * Runs waves until nothing is left: each wave re-reads the database, asks `select` for the windows
 * ready now (a parent becomes ready once the previous wave built its children), and runs them with
 * at most `concurrency` at once. Each window is tried once per call (with retries and backoff); a
 * failure does not stop unrelated windows.
 */
export async function runWaves(deps: TaskDeps, select: (ctx: PlanContext) => PlannedTask[], options: RunnerOptions): Promise<RunSummary> {
  const started = performance.now();
  const summary: RunSummary = { succeeded: 0, failed: 0, skipped: 0, rows: 0, durationMs: 0, interrupted: false, outcomes: [] };
  const attempted = new Set<string>();
  while (!options.signal?.aborted) {
    const ctx = await loadPlanContext(deps);
    const tasks = select(ctx).filter((t) => !attempted.has(keyOf(t.window)));
    if (tasks.length === 0) break;
    await deps.engine.setCatalog(await loadCatalog(deps.knex));
    let next = 0;
    const worker = async () => {
      while (next < tasks.length && !options.signal?.aborted) {
        const task = tasks[next++]!;
        attempted.add(keyOf(task.window));
        options.onTaskStart?.(task);
        let outcome: TaskOutcome;
        try {
          outcome = await retry(() => runWindow(deps, task.window, task.reason, { force: task.force }), {
            attempts: options.attempts ?? 3,
            baseDelayMs: options.retryBaseMs ?? 1000,
            signal: options.signal,
            retriable: (err) => !(err instanceof ChildNotReadyError),
            onRetry: (err, attempt, delayMs) => deps.log.warn({ window: describeWindow(task.window), attempt, delayMs, err: (err as Error).message }, 'retrying window'),
          });
        } catch (err) {
          const error = (err instanceof NotRetriableError ? err.cause : err) as Error;
          outcome = { status: 'failed', runId: (error as Error & { runId?: bigint | null }).runId ?? null, error };
        }
        if (outcome.status === 'succeeded') {
          summary.succeeded++;
          summary.rows += outcome.rows;
        } else if (outcome.status === 'failed') summary.failed++;
        else summary.skipped++;
        summary.outcomes.push({ task, outcome });
        options.onTaskDone?.(task, outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, tasks.length)) }, worker));
  }
  summary.interrupted = options.signal?.aborted ?? false;
  summary.durationMs = performance.now() - started;
  return summary;
}

export interface PassOptions extends RunnerOptions {
  /** Intervals to build (with everything they are rolled up from); default every task interval. */
  intervals?: readonly string[];
}

export interface PassResult extends RunSummary {
  /** The plan after the pass: what is still behind, overdue, dirty. */
  after: PassPlan;
  dirtyMarked: number;
  /** The events topic's ledger contradicts the settings (it holds other topics, not this one): /healthz fails with this. */
  ledgerProblem: string | null;
}

/**
 * One scheduler pass: find late data (mark windows dirty), then build every ready window that is
 * missing, failed or dirty, children before parents, oldest first. The in-process API behind the
 * scheduler's cron ticks and its catch-up at start-up.
 */
export async function runReadyWindows(deps: TaskDeps, options: PassOptions): Promise<PassResult> {
  const intervals = [...new Set((options.intervals ?? taskIntervals(deps.registry)).flatMap((i) => withSources(deps.registry, i)))];
  const before = await loadPlanContext(deps);
  const marks = lateDataMarks(before);
  const dirtyMarked = await markLateData(deps.knex, marks);
  if (dirtyMarked > 0) {
    deps.log.warn({ windows: marks.map((m) => `${describeWindow(m.window)} (+${m.lateFiles} files, +${m.lateRows} rows)`) }, 'late data: windows marked dirty');
    for (const m of marks) deps.metrics?.dirtyMarked.inc({ interval: m.window.interval });
  }
  const summary = await runWaves(
    deps,
    (ctx) => planPass(ctx, scheduledCandidates(ctx, intervals)).ready.map((t) => ({ ...t, reason: reasonFor(t.why, 'scheduled') })),
    options,
  );
  const ctx = await loadPlanContext(deps);
  const after = planPass(ctx, scheduledCandidates(ctx, taskIntervals(deps.registry)));
  const ledgerProblem = await reportWatermark(deps, ctx.watermark);
  if (deps.metrics) {
    for (const name of intervals) deps.metrics.behind.set({ interval: name }, after.behind.get(name) ?? 0);
    const dirtyBy = new Map<string, number>();
    for (const [key, s] of ctx.states) if (s.dirty) dirtyBy.set(key.split('|')[0]!, (dirtyBy.get(key.split('|')[0]!) ?? 0) + 1);
    for (const name of intervals) deps.metrics.dirty.set({ interval: name }, dirtyBy.get(name) ?? 0);
    deps.metrics.overdueSeconds.set(after.overdue ? after.overdue.byMs / 1000 : 0);
    deps.metrics.lastPass.set(clock.now() / 1000);
  }
  return { ...summary, after, dirtyMarked, ledgerProblem };
}

/** Why no hour can close yet, in words for an operator; `settingsDisagree` when the ledger holds other topics only. */
export interface WatermarkGap {
  reason: string;
  settingsDisagree: boolean;
  /** With `settingsDisagree`: the topics the ledger does hold. */
  ledgerTopics?: string[];
}

/**
 * Why the watermark of `topic` is missing (null when it is not): partitions that have not committed
 * yet (normal for a while on a first run or a history fill), nothing ingested yet, or a ledger that
 * holds only other topics (then TOPIC_EVENTS disagrees with what the aggregator writes).
 */
export async function whyNoHourCloses(knex: TaskDeps['knex'], topic: string, reading: WatermarkReading): Promise<WatermarkGap | null> {
  if (reading.at !== null) return null;
  if (reading.silent.length > 0) {
    return { reason: `partitions ${reading.silent.join(', ')} of ${topic} have not committed a watermark yet (each holds every hour open until its aggregator commits)`, settingsDisagree: false };
  }
  const held = (await ledgerTopics(knex)).filter((t) => t !== topic);
  if (held.length === 0) return { reason: `nothing of ${topic} has been ingested yet`, settingsDisagree: false };
  return { reason: `the ledger has no partition of topic ${topic} (it holds ${held.join(', ')}): is TOPIC_EVENTS right?`, settingsDisagree: true, ledgerTopics: held };
}

/**
 * Says why no hour can close, instead of leaving every window silently not ready: a warning with
 * the reason; a ledger of other topics only is returned as a problem for /healthz. A partition that
 * has not committed yet (a first run, a history fill) is normal for a while: a warning and the gauge.
 */
async function reportWatermark(deps: TaskDeps, reading: WatermarkReading): Promise<string | null> {
  deps.metrics?.watermarkMissing.set(reading.at === null ? 1 : 0);
  const gap = await whyNoHourCloses(deps.knex, deps.topic, reading);
  if (gap === null || (!gap.settingsDisagree && reading.silent.length === 0)) return null; // nothing ingested yet: nothing to say
  const detail = gap.settingsDisagree ? { ledgerTopics: gap.ledgerTopics } : { partitions: reading.partitions, silent: reading.silent };
  deps.log.warn({ topic: deps.topic, ...detail }, `no hour can close: ${gap.reason}`);
  return gap.settingsDisagree ? gap.reason : null;
}
