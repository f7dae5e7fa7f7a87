/** Every Kafka topic, table and view name, in one place. */

export const TOPICS = {
  /** Raw sale events, keyed by product_id; partitions are product shards. */
  salesEvents: 'sales.events',
  /** Events that failed validation, with the reason in a header and the original bytes. */
  salesEventsDlq: 'sales.events.dlq',
  /** Pre-summed (minute, product) records from the aggregator, keyed by product_id. */
  productSums: 'sales.product-sums',
} as const;

export const TABLES = {
  products: 'products',
  /** Ledger: per topic partition, the next offset to consume and the event-time watermark. */
  ingestOffsets: 'ingest_offsets',
  /** Ledger: one row per flush, written as `intended` before publishing, then `committed`. */
  ingestFlushes: 'ingest_flushes',
  /** Ledger: the Parquet files each committed flush wrote. Nothing outside it is ever read. */
  ingestFiles: 'ingest_files',
  speedTable: 'speed_table',
  /** Speed pipeline state (sketches, candidates) checkpointed with its consumed offsets. */
  speedCheckpoints: 'speed_checkpoints',
  batchTable: 'batch_table',
  rollupRuns: 'rollup_runs',
  /** Windows whose rollup is stale because late data arrived for them; cleared by the rebuild. */
  rollupDirty: 'rollup_dirty',
  /** Per window: units, revenue cents, orders, distinct products; batch (shard -1) or per speed shard. */
  windowTotals: 'window_totals',
  /** Files brought in by `import`, by content SHA-256: a repeat is skipped unless forced, a crash resumes. */
  imports: 'imports',
  /** Per speed shard, the products rising or falling now (issue 17), replaced with the shard's checkpoint. */
  movers: 'movers',
  /** Per speed shard and product, the mover tracker's state: its checkpoint, upserted when changed. */
  moversState: 'movers_state',
} as const;

export const VIEWS = {
  top1000: 'top_1000',
  /** One totals row per window: batch where the window has a succeeded run, else the speed shards summed. */
  topTotals: 'top_totals',
} as const;

/** The role the dashboard connects as: it may read `top_1000`, `top_totals` and `products`, nothing else. */
export const READ_ONLY_ROLE = 'hitboard_reader';

/** How many ranked rows per window and metric the batch layer keeps and the view serves. */
export const TOP_N_STORED = 1000;

export const METRICS = ['units', 'revenue'] as const;
export type Metric = (typeof METRICS)[number];
