import { clock, finishedWithin } from '@hitboard/runtime';
import { ClockCron } from './clock-cron';
import type { Health } from '@hitboard/runtime';
import type { PassPlan } from './planner';
import { taskIntervals, withDependents } from './planner';
import { runReadyWindows, type PassResult } from './runner';
import { describeWindow, type TaskDeps } from './rollup-task';

export interface SchedulerOptions {
  concurrency: number;
  attempts: number;
  retryBaseMs: number;
  /** /healthz fails when a closed window has waited this long for its run. */
  overdueAfterMs: number;
  /** /healthz fails when no pass has finished for this long, or one has been running this long. */
  stallAfterMs: number;
  now?: () => number;
}

/**
 * The batch layer's scheduler: one cron job per interval at its registry `cron` (in the
 * reporting zone); a tick runs a pass over that interval, everything it is rolled up from (so
 * children come first) and everything rolled up from it: a parent is built in the pass that finishes
 * its last child (a day turns exact right after its last hour), its own tick is the safety net.
 * Passes never overlap: a tick during a pass queues one more pass with the union of the intervals.
 * `start()` runs a catch-up pass first (unless told not to).
 */
export class RollupScheduler {
  private jobs: ClockCron | null = null; // cron on the one clock (node-cron reads the system's)
  private readonly stopController = new AbortController();
  private running: Promise<void> | null = null;
  private pending = new Set<string>();
  /** The windows the running pass is building now: a stop that cannot wait for them names them. */
  private readonly building = new Set<string>();
  private passStartedAt: number | null = null;
  private lastPassAt: number | null = null;
  /** When the running pass last finished a window: a long catch-up that keeps finishing windows is not stuck. */
  private lastWindowDoneAt: number | null = null;
  private lastPlan: PassPlan | null = null;
  private ledgerProblem: string | null = null;
  private readonly startedAt: number;
  readonly passes: PassResult[] = [];

  constructor(
    private readonly deps: TaskDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.startedAt = this.now();
  }

  private now(): number {
    return this.options.now?.() ?? clock.now();
  }

  async start(options: { catchUp?: boolean; cron?: boolean } = {}): Promise<void> {
    if (options.cron !== false) {
      for (const name of taskIntervals(this.deps.registry)) {
        const spec = this.deps.registry.get(name);
        if (!spec.cron) continue;
        this.jobs ??= new ClockCron(this.deps.registry.timeZone, { now: () => this.now(), date: () => new Date(this.now()) });
        this.jobs.schedule(spec.cron, () => void this.trigger([name]));
      }
      this.jobs?.start();
    }
    if (options.catchUp !== false) await this.trigger(taskIntervals(this.deps.registry));
  }

  /** Runs a pass for these intervals (and their dependents) now, or after the running one. Resolves when the queue is drained. */
  trigger(intervals: readonly string[]): Promise<void> {
    for (const i of intervals) for (const d of withDependents(this.deps.registry, i)) this.pending.add(d);
    if (!this.running) {
      this.running = this.drain().finally(() => (this.running = null));
    }
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.stopController.signal.aborted) {
      const intervals = [...this.pending];
      this.pending.clear();
      this.passStartedAt = this.now();
      this.lastWindowDoneAt = this.passStartedAt;
      try {
        const result = await runReadyWindows(this.deps, {
          intervals,
          concurrency: this.options.concurrency,
          attempts: this.options.attempts,
          retryBaseMs: this.options.retryBaseMs,
          signal: this.stopController.signal,
          onTaskStart: (task) => this.building.add(describeWindow(task.window)),
          onTaskDone: (task) => {
            this.building.delete(describeWindow(task.window));
            this.lastWindowDoneAt = this.now();
          },
        });
        this.lastPlan = result.after;
        this.ledgerProblem = result.ledgerProblem;
        this.passes.push(result);
        if (this.passes.length > 20) this.passes.shift();
        this.deps.log.info(
          { intervals, succeeded: result.succeeded, failed: result.failed, skipped: result.skipped, dirtyMarked: result.dirtyMarked, behind: Object.fromEntries(result.after.behind) },
          'pass finished',
        );
      } catch (err) {
        // Postgres away, say: logged and counted as a pass that did not finish; the next tick tries again.
        this.deps.log.error({ err }, 'pass failed');
      } finally {
        this.lastPassAt = this.now();
        this.passStartedAt = null;
      }
    }
  }

  /** /healthz: fails when the loop is not ticking (no pass finished lately, or the running one finishes no window) or a window is overdue. */
  health(): Health {
    const now = this.now();
    const problems: string[] = [];
    const since = this.lastPassAt ?? this.startedAt;
    if (now - since > this.options.stallAfterMs && this.passStartedAt === null) problems.push(`no scheduler pass finished for ${Math.round((now - since) / 1000)} s`);
    if (this.passStartedAt !== null && now - (this.lastWindowDoneAt ?? this.passStartedAt) > this.options.stallAfterMs) {
      problems.push(`the running pass has finished no window for ${Math.round((now - (this.lastWindowDoneAt ?? this.passStartedAt)) / 1000)} s`);
    }
    if (this.ledgerProblem !== null) problems.push(this.ledgerProblem);
    const overdue = this.lastPlan?.overdue;
    if (overdue && overdue.byMs > this.options.overdueAfterMs) {
      problems.push(`${overdue.window.interval} ${overdue.window.start.toISOString()} is ${Math.round(overdue.byMs / 60_000)} min overdue`);
    }
    return {
      ok: problems.length === 0,
      problems,
      lastPassAt: this.lastPassAt === null ? null : new Date(this.lastPassAt).toISOString(),
      passRunning: this.passStartedAt !== null,
      behind: Object.fromEntries(this.lastPlan?.behind ?? []),
    };
  }

  /**
   * Stops the cron jobs; a running pass finishes its running windows and starts no more. It waits for
   * them at most `timeoutMs` (issue 29: a publish hanging on a Postgres that does not answer held the
   * stop until SIGKILL), then names the windows it left. Nothing is lost either way: a window left
   * `running` is found abandoned by the next planner (its lock is free) and rebuilt, and windows the
   * pass had not reached are still missing, failed or dirty in rollup_runs.
   */
  async stop(timeoutMs = MAX_TIMER_MS): Promise<void> {
    this.jobs?.stop();
    this.stopController.abort();
    const running = this.running;
    if (!running) return;
    const settled = await finishedWithin(running, Math.min(timeoutMs, MAX_TIMER_MS));
    const unfinished = { windows: [...this.building], pending: [...this.pending] };
    if (settled) this.deps.log.warn(unfinished, 'stop: the scheduler pass did not finish (stopped before its last window); what it did not build is built at the next start');
    else this.deps.log.error({ timeoutMs, ...unfinished }, 'stop: the scheduler pass did not finish in time (Postgres or the lake not answering?); leaving it: the windows it was building are found abandoned and rebuilt at the next start');
  }
}

/** setTimeout's longest delay (about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
