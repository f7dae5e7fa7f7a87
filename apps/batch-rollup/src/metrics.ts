import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The batch layer's Prometheus metrics: a stuck DAG shows as windows behind and an overdue age. */
export function createRollupMetrics(registry: Registry) {
  const registers = [registry];
  const runs = new Counter({ name: 'hitboard_rollup_runs_total', help: 'window runs finished, by interval and outcome', labelNames: ['interval', 'outcome'], registers });
  const duration = new Histogram({
    name: 'hitboard_rollup_run_duration_seconds',
    help: 'time of one window run (lock to publish), by interval and outcome',
    labelNames: ['interval', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  return {
    runs,
    duration,
    observe(interval: string, outcome: 'succeeded' | 'failed', durationMs: number) {
      runs.inc({ interval, outcome });
      duration.observe({ interval, outcome }, durationMs / 1000);
    },
    abandoned: new Counter({ name: 'hitboard_rollup_abandoned_runs_total', help: 'running runs found with a free lock (their process died), marked failed', labelNames: ['interval'], registers }),
    uncategorised: new Counter({
      name: 'hitboard_rollup_uncategorised_products_total',
      help: "products rolled up with category '' because the catalog (products) does not know them, summed over runs",
      labelNames: ['interval'],
      registers,
    }),
    dirtyMarked: new Counter({ name: 'hitboard_rollup_dirty_marked_total', help: 'windows marked dirty by late data', labelNames: ['interval'], registers }),
    dirty: new Gauge({ name: 'hitboard_rollup_dirty_windows', help: 'windows marked dirty (late data) and not yet rebuilt', labelNames: ['interval'], registers }),
    behind: new Gauge({ name: 'hitboard_rollup_windows_behind', help: 'closed windows without a succeeded clean run, by interval', labelNames: ['interval'], registers }),
    overdueSeconds: new Gauge({ name: 'hitboard_rollup_oldest_overdue_seconds', help: 'how long the oldest closed window needing a run has waited past its end + lateness', registers }),
    watermarkMissing: new Gauge({
      name: 'hitboard_rollup_watermark_missing',
      help: '1 while the events topic has no global watermark (no ledger partition of TOPIC_EVENTS, or one has not committed): no hour can close',
      registers,
    }),
    lastPass: new Gauge({ name: 'hitboard_rollup_last_pass_timestamp_seconds', help: 'when the last scheduler pass finished (unix seconds)', registers }),
  };
}

export type RollupMetrics = ReturnType<typeof createRollupMetrics>;
