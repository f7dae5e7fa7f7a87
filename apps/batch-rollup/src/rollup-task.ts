import type { Logger } from 'pino';
import { listedFiles, rollupFilePath } from '@hitboard/lake';
import type { Window } from '@hitboard/time';
import { ChildNotReadyError } from './errors';
import type { RollupMetrics } from './metrics';
import { ancestorsOf, childSatisfied, compareTasks, isDoneClean, readsRaw, stateOf, type RunReason } from './planner';
import type { RollupEngine, RollupInput } from './rollup-engine';
import { failAbandoned, failRun, loadWindowContext, publish, startRun, type PlanSource, type RunInputs } from './run-store';
import { WindowLock } from './window-lock';

/** What a task needs: the planner's source (database, DAG, lateness, events topic) and the engine. */
export interface TaskDeps extends PlanSource {
  engine: RollupEngine;
  log: Logger;
  metrics?: RollupMetrics;
  /** Test hook: runs after the window's Parquet file is written, before the publish transaction. */
  afterParquetWrite?: (w: Window) => Promise<void> | void;
}

export type TaskOutcome =
  | { status: 'succeeded'; runId: bigint; rows: number; inputFiles: number; durationMs: number; phaseMs: PhaseMs; stillDirty: boolean }
  | { status: 'skipped'; because: 'locked' | 'done' }
  | { status: 'failed'; runId: bigint | null; error: Error };

/** Where a run's time went: lock, state check, run row and input listing; DuckDB (sum, Parquet, tops); the publish transaction. */
export interface PhaseMs {
  prepare: number;
  engine: number;
  publish: number;
}

export const describeWindow = (w: Window): string => `${w.interval} ${w.start.toISOString()}`;

/**
 * One (interval, window) task: take the window's lock, fail any abandoned run, check it still needs
 * to run, record the run, roll it up (DuckDB → Parquet), publish it (one Postgres transaction).
 * Throws (after recording the failure) so the caller's retry can back off; never leaves `running`.
 */
export async function runWindow(deps: TaskDeps, w: Window, reason: RunReason, options: { force?: boolean } = {}): Promise<TaskOutcome> {
  const lock = await WindowLock.tryAcquire(deps.knex, w);
  if (!lock) return { status: 'skipped', because: 'locked' };
  const log = deps.log.child({ interval: w.interval, windowStart: w.start.toISOString() });
  const started = performance.now();
  let runId: bigint | null = null;
  try {
    // Under the lock, read again: another scheduler may have built it since this one planned. Read side
    // by side with failing abandoned runs (round trips are what a window's fixed cost is made of): an
    // abandoned run reads as `running` or `failed`, and neither is done, so the decision is the same.
    const [abandoned, ctx] = await Promise.all([failAbandoned(lock, w), loadWindowContext(deps, w)]);
    if (abandoned.length > 0) {
      log.warn({ runIds: abandoned.map(String) }, 'marked abandoned runs failed');
      deps.metrics?.abandoned.inc({ interval: w.interval }, abandoned.length);
    }
    if (!options.force && isDoneClean(stateOf(ctx, w))) return { status: 'skipped', because: 'done' };
    const raw = readsRaw(deps.registry, w.interval);
    // The ledger's files of a raw window are listed while the run row is written.
    const [startedRunId, listed] = await Promise.all([startRun(lock, w, reason), raw ? listedFiles(deps.knex, deps.topic, w.start.getTime(), w.end.getTime()) : null]);
    runId = startedRunId;
    const target = rollupFilePath(w.interval, w.start.getTime());
    let input: RollupInput;
    let inputs: RunInputs;
    if (listed !== null) {
      const files = listed;
      input = { kind: 'raw', paths: files.map((f) => f.path), startMs: w.start.getTime(), endMs: w.end.getTime() };
      inputs = { inputFiles: files.length, inputRows: files.reduce((n, f) => n + f.rows, 0), children: null, childInterval: null };
    } else {
      const children = deps.registry.children(w);
      const read = new Map<number, bigint | null>();
      const paths: string[] = [];
      for (const c of children) {
        const s = stateOf(ctx, c);
        if (isDoneClean(s)) {
          read.set(c.start.getTime(), s.succeededRunId);
          paths.push(rollupFilePath(c.interval, c.start.getTime()));
        } else if (childSatisfied(ctx, c)) read.set(c.start.getTime(), null);
        else throw new ChildNotReadyError(describeWindow(w), describeWindow(c));
      }
      input = { kind: 'rollups', paths };
      inputs = { inputFiles: paths.length, inputRows: null, children: read, childInterval: children[0]?.interval ?? null };
    }
    const engineStarted = performance.now();
    const result = await deps.engine.rollup(describeWindow(w), input, target, deps.afterParquetWrite && (() => deps.afterParquetWrite!(w)));
    if (result.uncategorised > 0) {
      log.warn({ products: result.uncategorised }, "products missing from the catalog rolled up with category ''");
      deps.metrics?.uncategorised.inc({ interval: w.interval }, result.uncategorised);
    }
    const ancestors = ancestorsOf(deps.registry, w).sort((a, b) => compareTasks(deps.registry)({ window: a, why: 'dirty' }, { window: b, why: 'dirty' }));
    const publishStarted = performance.now();
    const { stillDirty, ancestorsMarked } = await publish(lock, w, runId, result, inputs, ancestors);
    const phaseMs = { prepare: engineStarted - started, engine: publishStarted - engineStarted, publish: performance.now() - publishStarted };
    if (ancestorsMarked > 0) {
      log.info({ ancestorsMarked, reason }, 'read inputs its built ancestors did not see: they are marked dirty');
    }
    const durationMs = performance.now() - started;
    log.info({ runId: String(runId), reason, rows: result.products, inputFiles: inputs.inputFiles, durationMs: Math.round(durationMs), publishMs: Math.round(phaseMs.publish), stillDirty }, 'window rolled up');
    deps.metrics?.observe(w.interval, 'succeeded', durationMs);
    return { status: 'succeeded', runId, rows: result.products, inputFiles: inputs.inputFiles, durationMs, phaseMs, stillDirty };
  } catch (err) {
    const error = err as Error;
    if (runId !== null) await failRun(lock, runId, error.message).catch((e: unknown) => log.error({ err: e }, 'could not record the failure'));
    deps.metrics?.observe(w.interval, 'failed', performance.now() - started);
    log.error({ err: error, runId: runId === null ? null : String(runId) }, 'window failed');
    throw Object.assign(error, { runId });
  } finally {
    await lock.release();
  }
}
