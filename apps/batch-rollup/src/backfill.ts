import { isReady, keyOf, planBackfill, reasonFor, stateOf, whyRun, type BackfillPlan, type Why } from './planner';
import { runWaves, type PlannedTask, type RunSummary, type RunnerOptions } from './runner';
import type { TaskDeps } from './rollup-task';
import { loadPlanContext, markLateData } from './run-store';
import { lateDataMarks } from './planner';

export interface BackfillRequest {
  interval: string;
  fromMs: number;
  toMs: number;
  force?: boolean;
  only?: readonly Why[];
}

/** What a backfill would do, after marking any late data dirty (so `dirty` is current). */
export async function planBackfillNow(deps: TaskDeps, request: BackfillRequest): Promise<BackfillPlan> {
  const before = await loadPlanContext(deps);
  await markLateData(deps.knex, lateDataMarks(before));
  const ctx = await loadPlanContext(deps);
  return planBackfill(ctx, request.interval, request.fromMs, request.toMs, { force: request.force, only: request.only });
}

/**
 * Runs a backfill plan: children first (a wave at a time), `concurrency` windows at once. Interrupted
 * (signal), it stops starting windows; the same request later resumes: finished windows are done and
 * clean, so they are not planned again (with `force`, every target is rebuilt again).
 */
export async function runBackfill(deps: TaskDeps, plan: BackfillPlan, options: RunnerOptions & { force?: boolean }): Promise<RunSummary> {
  return runWaves(
    deps,
    (ctx) => {
      const ready: PlannedTask[] = [];
      for (const t of plan.tasks) {
        const why = t.why === 'forced' ? 'forced' : whyRun(stateOf(ctx, t.window));
        if (why === null || !isReady(ctx, t.window)) continue;
        ready.push({ window: t.window, why, reason: reasonFor(why, 'backfill'), force: why === 'forced' });
      }
      return ready;
    },
    options,
  );
}

export const planKeys = (plan: BackfillPlan): Set<string> => new Set(plan.tasks.map((t) => keyOf(t.window)));
