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
    lag: new Gauge({ name: 'hitboard_aggregator_consumer_lag', help: 'offsets in Kafka not yet committed to the ledger, per partition', labelNames: ['partition'], registers }),
    retries: new Counter({ name: 'hitboard_aggregator_retries_total', help: 'retried steps (Postgres, Kafka or disk errors), by step', labelNames: ['step'], registers }),
  };
}

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;
