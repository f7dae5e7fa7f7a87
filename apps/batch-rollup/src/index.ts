/** The batch layer's in-process API (for the whole-system launcher and tests). The scheduler is `main.ts`; ops commands are `cli.ts`. */
export { configSchema, loadRollupConfig, type RollupConfig } from './config';
export { RollupEngine, type RollupInput, type RollupResult, type TopRow } from './rollup-engine';
export { RollupScheduler, type SchedulerOptions } from './scheduler';
export { runReadyWindows, runWaves, type PassOptions, type PassResult, type RunSummary, type PlannedTask } from './runner';
export { planBackfillNow, runBackfill, type BackfillRequest } from './backfill';
export { runWindow, describeWindow, type TaskDeps, type TaskOutcome } from './rollup-task';
export { createRollupMetrics, type RollupMetrics } from './metrics';
export * from './planner';
export { LakeReadError, ChildNotReadyError } from './errors';
