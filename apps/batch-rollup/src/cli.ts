/**
 * Ops commands: `backfill` (build a range of windows, children first) and `runs` (history and
 * dirty windows). `npx tsx apps/batch-rollup/src/cli.ts <command> --help`.
 */
import { SingleBar, Presets } from 'cli-progress';
import { z } from 'zod';
import { createDb } from '@hitboard/db-client';
import { globalWatermark, LAKE_SETTINGS, openLakeStore } from '@hitboard/lake';
import { createLogger, env, formatTable, handleHelp, loadConfig, parseArgs, parseInstant, runCommands, UsageError } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES } from '@hitboard/schema';
import { planBackfillNow, runBackfill } from './backfill';
import { configSchema } from './config';
import { WHYS, type Why } from './planner';
import { RollupEngine } from './rollup-engine';
import { whyNoHourCloses } from './runner';
import { describeWindow, type TaskDeps } from './rollup-task';

const cliEnv = configSchema.pick({ DATABASE_URL: true, TOPIC_EVENTS: true, REPORTING_TIME_ZONE: true, ALLOWED_LATENESS_MS: true, DUCKDB_THREADS: true, LOG_LEVEL: true }).extend({
  ...LAKE_SETTINGS,
  LOG_LEVEL: env.logLevel().default('warn'),
});

const fmtMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);

async function backfill(argv: string[]): Promise<void> {
  handleHelp(
    {
      name: 'cli.ts backfill --interval <name> --from <date> --to <date>',
      summary:
        'Builds every window of an interval that overlaps [from, to) and is missing, failed or dirty (or every one with --force), ' +
        'children first when they are missing. Windows whose hours are not closed yet (watermark + lateness) are skipped as not ready. ' +
        'Ctrl-C stops starting windows (running ones finish); the same command then resumes without redoing finished windows.',
      usage: [
        '--interval <name>        hour, day, week, month, year (any registered interval)',
        '--from <date>            YYYY-MM-DD (midnight in REPORTING_TIME_ZONE) or an ISO time',
        '--to <date>              end, exclusive',
        '--dry-run                list each window with why it would run (missing, failed, dirty, forced, abandoned); run nothing',
        '--force                  rebuild every window in range, even done ones (reason forced)',
        '--only <why,...>         only windows that are missing, failed and/or dirty',
        '--concurrency <n>        windows at once (default ROLLUP_CONCURRENCY or 2)',
      ],
      env: cliEnv,
    },
    argv,
  );
  const args = parseArgs(argv, ['interval', 'from', 'to', 'only', 'concurrency'], ['dry-run', 'force']);
  const config = loadConfig('batch-rollup backfill', cliEnv);
  const registry = IntervalRegistry.standard(config.REPORTING_TIME_ZONE);
  for (const required of ['interval', 'from', 'to']) if (typeof args[required] !== 'string') throw new UsageError(`--${required} is required`);
  const interval = String(args['interval']);
  if (!registry.has(interval) || registry.get(interval).rolledUpFrom === null) throw new UsageError(`--interval: ${interval} is not a rollup interval (${registry.names().slice(1).join(', ')})`);
  const fromMs = parseInstant(String(args['from']), config.REPORTING_TIME_ZONE, 'from');
  const toMs = parseInstant(String(args['to']), config.REPORTING_TIME_ZONE, 'to');
  if (toMs <= fromMs) throw new UsageError('--to must be after --from');
  let only: Why[] | undefined;
  if (typeof args['only'] === 'string') {
    only = args['only'].split(',').map((s) => s.trim()) as Why[];
    const bad = only.filter((w) => !['missing', 'failed', 'dirty'].includes(w));
    if (bad.length) throw new UsageError(`--only: ${bad.join(', ')} (use missing, failed, dirty)`);
  }
  const concurrency = z.coerce.number().int().min(1).safeParse(args['concurrency'] ?? process.env['ROLLUP_CONCURRENCY'] ?? 2);
  if (!concurrency.success) throw new UsageError('--concurrency must be a whole number ≥ 1');

  const knex = createDb(config.DATABASE_URL, { pool: { min: 0, max: concurrency.data + 2 }, applicationName: 'hitboard-backfill' });
  const lake = openLakeStore(config);
  const engine = await RollupEngine.create(lake, { threads: config.DUCKDB_THREADS });
  const deps: TaskDeps = { knex, engine, registry, topic: config.TOPIC_EVENTS, allowedLatenessMs: config.ALLOWED_LATENESS_MS, log: createLogger('batch-rollup-backfill', config.LOG_LEVEL) };
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const plan = await planBackfillNow(deps, { interval, fromMs, toMs, force: args['force'] === true, only });
    const range = `${interval} windows from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()} (${config.REPORTING_TIME_ZONE})`;
    // Windows skipped as not ready get their reason, not only a count: the hours they need are not closed.
    const notReady = plan.skipped.filter((w) => w.because === 'not-ready').length;
    const watermark = notReady > 0 ? await globalWatermark(knex, config.TOPIC_EVENTS) : null;
    const gap = watermark ? await whyNoHourCloses(knex, config.TOPIC_EVENTS, watermark) : null;
    if (notReady > 0) {
      out(
        gap
          ? `${notReady} windows are not ready: no hour can close: ${gap.reason}.`
          : `${notReady} windows are not ready: their hours are not closed: an hour closes once the watermark (now ${watermark!.at!.toISOString()}) is past its end plus ALLOWED_LATENESS_MS (${config.ALLOWED_LATENESS_MS} ms).`,
      );
    }
    if (args['dry-run']) {
      out(`Dry run: backfill of ${range}`);
      for (const t of plan.tasks) out(`  would run  ${describeWindow(t.window).padEnd(30)} ${t.why}${t.target ? '' : ' (child, built first)'}`);
      for (const s of plan.skipped) out(`  skip       ${describeWindow(s.window).padEnd(30)} ${s.because}`);
      const whys = WHYS.map((w) => [w, plan.tasks.filter((t) => t.why === w).length] as const).filter(([, n]) => n > 0);
      out(`${plan.tasks.length} windows would run (${whys.map(([w, n]) => `${n} ${w}`).join(', ') || 'none'}), ${plan.skipped.length} skipped. Nothing was run.`);
      return;
    }
    out(`Backfill of ${range}: ${plan.tasks.length} windows to build, ${plan.skipped.length} skipped (${countBy(plan.skipped.map((s) => s.because))})`);
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      controller.abort();
      process.stderr.write('\nInterrupted: finishing the windows in progress (Ctrl-C again to quit now); run the same command to resume.\n');
    };
    process.on('SIGINT', onSigint);
    const bar = new SingleBar(
      { format: 'backfill [{bar}] {value}/{total} windows | {failed} failed | {eta_formatted} left | {window}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
      Presets.shades_classic,
    );
    bar.start(plan.tasks.length, 0, { failed: 0, window: '' });
    let failed = 0;
    const summary = await runBackfill(deps, plan, {
      concurrency: concurrency.data,
      attempts: 2,
      retryBaseMs: 500,
      signal: controller.signal,
      onTaskStart: (t) => bar.update({ window: describeWindow(t.window) }),
      onTaskDone: (_t, o) => {
        if (o.status === 'failed') failed++;
        bar.increment(1, { failed });
      },
    });
    bar.stop();
    process.off('SIGINT', onSigint);
    out(
      `${summary.interrupted ? 'Interrupted' : 'Done'}: ${summary.succeeded} windows built, ${summary.failed} failed, ${summary.skipped} skipped (locked or already done), ` +
        `${summary.rows} rows, ${fmtMs(summary.durationMs)}.`,
    );
    for (const { task, outcome } of summary.outcomes) if (outcome.status === 'failed') out(`  failed  ${describeWindow(task.window)}: ${outcome.error.message}`);
    const notRun = plan.tasks.length - summary.outcomes.length;
    if (notRun > 0) out(`  ${notRun} windows not run${summary.interrupted ? ' (interrupted: run the same command to resume)' : ' (their children failed or are not ready)'}.`);
    if (summary.failed > 0 || summary.interrupted) process.exitCode = 1;
  } finally {
    engine.close();
    await lake.close();
    await knex.destroy();
  }
}

const countBy = (items: string[]) =>
  [...items.reduce((m, i) => m.set(i, (m.get(i) ?? 0) + 1), new Map<string, number>())].map(([k, n]) => `${n} ${k}`).join(', ') || 'none';

async function runs(argv: string[]): Promise<void> {
  handleHelp(
    {
      name: 'cli.ts runs',
      summary: 'Lists rollup runs, newest first (interval, window, status, reason, timings, rows, input files, error), or with --dirty the windows marked dirty by late data.',
      usage: [
        '--interval <name>        only this interval',
        '--status <s>             running, succeeded or failed',
        '--from <date> --to <date>  windows starting in [from, to) (YYYY-MM-DD in REPORTING_TIME_ZONE, or ISO)',
        '--dirty                  list dirty windows (late files and rows) instead of runs',
        '--limit <n>              at most n rows (default 50)',
      ],
      env: cliEnv.pick({ DATABASE_URL: true, REPORTING_TIME_ZONE: true }),
    },
    argv,
  );
  const args = parseArgs(argv, ['interval', 'status', 'from', 'to', 'limit'], ['dirty']);
  const config = loadConfig('batch-rollup runs', cliEnv.pick({ DATABASE_URL: true, REPORTING_TIME_ZONE: true }));
  const limit = Number(args['limit'] ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number ≥ 1');
  if (args['status'] !== undefined && !['running', 'succeeded', 'failed'].includes(String(args['status']))) throw new UsageError('--status: running, succeeded or failed');
  const knex = createDb(config.DATABASE_URL, { pool: { min: 0, max: 1 }, applicationName: 'hitboard-runs' });
  try {
    const table = args['dirty'] ? TABLES.rollupDirty : TABLES.rollupRuns;
    let q = knex(table).select('*');
    if (typeof args['interval'] === 'string') q = q.where('interval', args['interval']);
    if (!args['dirty'] && typeof args['status'] === 'string') q = q.where('status', args['status']);
    if (typeof args['from'] === 'string') q = q.where('window_start', '>=', new Date(parseInstant(args['from'], config.REPORTING_TIME_ZONE, 'from')));
    if (typeof args['to'] === 'string') q = q.where('window_start', '<', new Date(parseInstant(args['to'], config.REPORTING_TIME_ZONE, 'to')));
    const rows = await (args['dirty'] ? q.orderBy([{ column: 'window_start' }, { column: 'interval' }]) : q.orderBy('run_id', 'desc')).limit(limit);
    const iso = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : '-');
    const lines: string[][] = args['dirty']
      ? [['interval', 'window_start', 'late_files', 'late_rows', 'marked_at'], ...rows.map((r) => [r.interval, iso(r.window_start), String(r.late_files), String(r.late_rows), iso(r.marked_at)])]
      : [
          ['run_id', 'interval', 'window_start', 'status', 'reason', 'started_at', 'took', 'rows', 'files', 'error'],
          ...rows.map((r) => [
            String(r.run_id),
            r.interval,
            iso(r.window_start),
            r.status,
            r.reason,
            iso(r.started_at),
            r.finished_at ? fmtMs(r.finished_at.getTime() - r.started_at.getTime()) : '-',
            r.rows === null ? '-' : String(r.rows),
            r.input_files === null ? '-' : String(r.input_files),
            r.error ? String(r.error).slice(0, 80) : '',
          ]),
        ];
    process.stdout.write(formatTable(lines));
    if (rows.length === 0) process.stdout.write(args['dirty'] ? 'No dirty windows.\n' : 'No runs match.\n');
  } finally {
    await knex.destroy();
  }
}

if (require.main === module) {
  runCommands(
    `Usage: npx tsx apps/batch-rollup/src/cli.ts <command> [options]\n\nCommands:\n  backfill   build a range of windows (children first), with --dry-run, --force, --only, --concurrency\n  runs       run history and dirty windows\n\n<command> --help for its options.\n`,
    { backfill, runs },
  );
}
