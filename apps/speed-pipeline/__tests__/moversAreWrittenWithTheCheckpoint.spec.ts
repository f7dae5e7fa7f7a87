import { TABLES, type ProductSum } from '@hitboard/schema';
import { BROKERS, describeWithKafka, flushOf, startChild, unique, useScenario, waitFor, waitForCheckpoints } from './support';

const START = Date.parse('2026-11-22T04:00:00Z');
const MIN = 60_000;

/**
 * Three hours of 40 steady products (one order a minute each, spread over 3 source partitions),
 * plus `s-1`, which sells once every 30 minutes until its last 20 minutes, when every source
 * sells it every minute with 5 units: ~90 × its usual. One flush per source per 15 minutes.
 */
function stream(): ProductSum[][] {
  const flushes: ProductSum[][] = [];
  for (let round = 0; round < 12; round++) {
    for (let source = 0; source < 3; source++) {
      const lines: Array<{ productId: string; minuteStartMs: number; units: number }> = [];
      for (let k = 0; k < 15; k++) {
        const minute = round * 15 + k;
        const minuteStartMs = START + minute * MIN;
        for (let p = 0; p < 40; p++) if ((minute + p) % 3 === source) lines.push({ productId: `p-${p}`, minuteStartMs, units: 1 + (p % 2) });
        if (minute >= 160 || (minute % 30 === 0 && source === 0)) lines.push({ productId: 's-1', minuteStartMs, units: minute >= 160 ? 5 : 1 });
      }
      flushes.push(flushOf(source, round * 1000, round * 1000 + 999, lines));
    }
  }
  return flushes;
}

describeWithKafka('movers', () => {
  const s = useScenario();

  it('are written with the checkpoint: the spike and nothing else, and its state survives kill -9', async () => {
    const topic = await s.topic(2);
    await s.publish(topic, ...stream());
    const group = unique('movers');
    const env = (extra: Record<string, string> = {}) => ({
      KAFKA_BROKERS: BROKERS.join(','),
      DATABASE_URL: s.db.url,
      TOPIC_PRODUCT_SUMS: topic,
      KAFKA_GROUP_ID: group,
      WRITE_INTERVAL_MS: '50',
      KAFKA_MAX_BYTES_PER_PARTITION: '4096',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...extra,
    });
    const crashy = startChild(env({ SPEED_TEST_KILL_AFTER_RECORDS: '3000' })); // of ~7300: the rest after the restart
    expect(await crashy.finished()).toEqual({ code: null, signal: 'SIGKILL' });
    const saved = await s.db.knex(TABLES.moversState).where({ topic }).count<Array<{ count: bigint }>>('* as count');
    expect(Number(saved[0]!.count)).toBeGreaterThan(0); // the state went with the checkpoint
    const before = await s.db.knex(TABLES.speedCheckpoints).where({ topic }).select('shard', 'next_offset');
    expect(before.length).toBeGreaterThan(0);

    const last = startChild(env());
    await last.ready(); // a SIGTERM before its handler would kill it outright
    await waitForCheckpoints(s.db.knex, s.kafka, topic, 90_000);
    const movers = await waitFor('the spike among the movers', async () => {
      const rows = await s.db.knex(TABLES.movers).select<Array<{ product_id: string; direction: string; factor: number; since: Date; is_new: boolean; orders: bigint; spark: number[] }>>('*');
      return rows.some((r) => r.product_id === 's-1') && rows;
    });
    last.signal('SIGTERM');
    expect(await last.finished()).toEqual({ code: 0, signal: null });

    expect(movers.map((m) => [m.product_id, m.direction, m.is_new])).toEqual([['s-1', 'up', false]]);
    const spike = movers[0]!;
    expect(spike.factor).toBeGreaterThan(20);
    // It began rising in the 160th minute (a source's first spike minute), not before.
    expect(spike.since.getTime()).toBeGreaterThanOrEqual(START + 160 * MIN);
    expect(spike.since.getTime()).toBeLessThan(START + 165 * MIN);
    expect(spike.spark.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Every product the shards saw has its state checkpointed, once.
    const states = await s.db.knex(TABLES.moversState).where({ topic }).select<Array<{ product_id: string }>>('product_id');
    expect(states.map((r) => r.product_id).sort()).toEqual([...Array.from({ length: 40 }, (_, p) => `p-${p}`), 's-1'].sort());
  }, 300_000);
});
