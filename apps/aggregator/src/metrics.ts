import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The aggregator's Prometheus metrics (`hitboard_aggregator_*`). */
export function createAggregatorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    eventsIn: new Counter({ name: 'hitboard_aggregator_events_in_total', help: 'messages consumed (first time, below-ledger re-reads excluded)', labelNames: ['partition'], registers }),
    eventsFlushed: new Counter({ name: 'hitboard_aggregator_events_flushed_total', help: 'valid, distinct events in committed flushes', registers }),
    flushes: new Counter({ name: 'hitboard_aggregator_flushes_total', help: 'flushes by outcome and trigger', labelNames: ['outcome', 'trigger'], registers }),
    dlq: new Counter({ name: 'hitboard_aggregator_dlq_total', help: 'refused events sent to the DLQ, by reason', labelNames: ['reason'], registers }),
    duplicates: new Counter({ name: 'hitboard_aggregator_duplicates_total', help: 'events dropped as duplicates of a recent event_id', registers }),
    flushDuration: new Histogram({
      name: 'hitboard_aggregator_flush_duration_seconds',
      help: 'time from intended to committed of a flush',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    bufferedKeys: new Gauge({ name: 'hitboard_aggregator_buffered_keys', help: '(minute, product) keys buffered, all partitions', registers }),
    bufferedBytes: new Gauge({
      name: 'hitboard_aggregator_buffered_bytes',
      help: "estimated bytes the partitions' buffers hold, filling and in flight, against MEMORY_BUDGET_MIB's buffers share",
      registers,
    }),
    lag: new Gauge({ name: 'hitboard_aggregator_consumer_lag', help: 'offsets in Kafka not yet committed to the ledger, per partition', labelNames: ['partition'], registers }),
    failures: new Counter({
      name: 'hitboard_aggregator_failures_total',
      help: 'steps that failed with an error that cannot pass (not retried; the partition stops and /healthz fails), by step',
      labelNames: ['step'],
      registers,
    }),
    ledgerAheadOfLog: new Gauge({
      name: 'hitboard_aggregator_ledger_ahead_of_log',
      help: 'offsets the ledger is ahead of the log end (topic recreated or truncated); > 0: the partition is not consumed',
      labelNames: ['partition'],
      registers,
    }),
    rejoins: new Counter({ name: 'hitboard_aggregator_kept_partition_rejoins_total', help: 'group joins that kept a partition (each re-seeks it)', registers }),
    refetched: new Counter({
      name: 'hitboard_aggregator_refetched_total',
      help: 'messages fetched again below where their partition already was (skipped, never counted)',
      labelNames: ['partition'],
      registers,
    }),
    dedupeEvictedEarly: new Counter({
      name: 'hitboard_aggregator_dedupe_evicted_early_total',
      help: 'event ids the duplicate window dropped before DEDUPE_WINDOW_MS because it held DEDUPE_MAX_IDS',
      registers,
    }),
    dedupeIds: new Gauge({ name: 'hitboard_aggregator_dedupe_ids', help: 'event ids held by the duplicate windows, all partitions', registers }),
    retries: new Counter({ name: 'hitboard_aggregator_retries_total', help: 'retried steps (Postgres, Kafka or disk errors), by step', labelNames: ['step'], registers }),
  };
}

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;
