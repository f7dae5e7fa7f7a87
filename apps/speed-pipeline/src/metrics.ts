import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The speed pipeline's Prometheus metrics (`hitboard_speed_*`). */
export function createSpeedMetrics(registry: Registry) {
  const registers = [registry];
  return {
    recordsApplied: new Counter({ name: 'hitboard_speed_records_applied_total', help: 'product-sum records applied to window state', labelNames: ['shard'], registers }),
    duplicatesDropped: new Counter({
      name: 'hitboard_speed_duplicates_dropped_total',
      help: 'product-sum records dropped as replays of an applied flush',
      labelNames: ['shard', 'reason'],
      registers,
    }),
    lateDropped: new Counter({
      name: 'hitboard_speed_late_records_dropped_total',
      help: 'records for windows already closed or covered by the batch layer',
      labelNames: ['shard', 'reason'],
      registers,
    }),
    badRecords: new Counter({ name: 'hitboard_speed_bad_records_total', help: 'records that failed to decode (skipped)', labelNames: ['shard'], registers }),
    windowsOpen: new Gauge({ name: 'hitboard_speed_windows_open', help: 'open windows held in memory', labelNames: ['shard'], registers }),
    windowsCovered: new Counter({ name: 'hitboard_speed_windows_covered_total', help: 'windows dropped because the batch layer covered them', registers }),
    writeSeconds: new Histogram({
      name: 'hitboard_speed_write_seconds',
      help: 'one shard write: speed_table rows + checkpoint in one transaction',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rowsWritten: new Counter({ name: 'hitboard_speed_rows_written_total', help: 'speed_table rows inserted', registers }),
    recordsRefused: new Counter({
      name: 'hitboard_speed_records_refused_total',
      help: 'records skipped unapplied: future (event time beyond wall clock + skew) or overflow (a window total would pass 2^53)',
      labelNames: ['shard', 'reason'],
      registers,
    }),
    shardBlocked: new Gauge({
      name: 'hitboard_speed_shard_blocked',
      help: '1 while this instance will not consume a shard (checkpoint-ahead-of-log, write-refused); see the README',
      labelNames: ['shard', 'reason'],
      registers,
    }),
    writeErrors: new Counter({ name: 'hitboard_speed_write_errors_total', help: 'failed shard writes, by whether the error may pass', labelNames: ['shard', 'retriable'], registers }),
    rowsSkipped: new Counter({ name: 'hitboard_speed_rows_skipped_total', help: 'speed_table rows left out because Postgres cannot store them', labelNames: ['shard', 'reason'], registers }),
    finalWriteFailed: new Counter({ name: 'hitboard_speed_final_write_failed_total', help: 'graceful stops whose last checkpoint was not written (the next owner re-reads)', registers }),
    moversFound: new Gauge({ name: 'hitboard_speed_movers', help: 'products scored as movers at the last write, per shard and direction', labelNames: ['shard', 'direction'], registers }),
    moverProducts: new Gauge({ name: 'hitboard_speed_mover_products', help: 'products the mover tracker holds (bounded by MOVERS_MAX_PRODUCTS)', labelNames: ['shard'], registers }),
    lag: new Gauge({ name: 'hitboard_speed_lag_records', help: 'records behind the partition end, per shard', labelNames: ['shard'], registers }),
  };
}

export type SpeedMetrics = ReturnType<typeof createSpeedMetrics>;
