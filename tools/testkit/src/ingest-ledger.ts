import type { Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';
import { waitFor } from './wait-for';

/**
 * Waits until the aggregator's ledger (`ingest_offsets`) has consumed every offset Kafka holds for
 * `topic` now (and possibly more, when a producer still sells); returns the end offsets waited for, as `partition:high` joined by commas.
 */
export async function waitForIngestCaughtUp(knex: Knex, kafka: Kafka, topic: string, timeoutMs = 180_000): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets: Array<{ partition: number; high: string }>;
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  await waitFor(
    `the ledger to reach the end of ${topic}`,
    async () => {
      const rows = await knex(TABLES.ingestOffsets).where({ topic }).select<{ partition: number; next_offset: bigint }[]>('partition', 'next_offset');
      const next = new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
      // At or past: with a producer still selling, the ledger moves on beyond the ends read above.
      return offsets.every((o) => Number(o.high) === 0 || (next.get(o.partition) ?? -1) >= Number(o.high));
    },
    timeoutMs,
  );
  return offsets.map((o) => `${o.partition}:${o.high}`).join(',');
}
