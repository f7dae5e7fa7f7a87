import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import { seededRandom } from '@hitboard/random';
import type { FreshDatabase } from '@hitboard/testkit';
import { TABLES, type ProductSum } from '@hitboard/schema';
import { BROKERS, describeWithKafka, flushOf, speedRows, startChild, unique, useScenario, waitForCheckpoints } from './support';

const H7 = Date.parse('2026-11-22T07:00:00Z');

/** A deterministic stream: 3 source partitions × 8 flushes × 25 (minute, product) cells over two hours. */
function stream(): ProductSum[][] {
  let seed = 42;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor(seed / 65536) % n); // high bits: an LCG's low bits cycle
  const flushes: ProductSum[][] = [];
  for (let round = 0; round < 8; round++) {
    for (let source = 0; source < 3; source++) {
      const cells = new Map<string, { productId: string; minuteStartMs: number; units: number }>();
      while (cells.size < 25) {
        const productId = `p-${rand(60)}`;
        const minuteStartMs = H7 + (round * 15 + rand(15)) * 60_000;
        cells.set(`${minuteStartMs}|${productId}`, { productId, minuteStartMs, units: 1 + rand(9) });
      }
      const flush = flushOf(source, round * 1000, round * 1000 + 999, [...cells.values()]);
      flushes.push(flush);
      if (round % 3 === 1) flushes.push(flush.slice(0, 12), flush); // a replay after a crash mid-publish
    }
  }
  return flushes;
}

describeWithKafka('kill -9 and restart', () => {
  const s = useScenario();

  it('gives the same speed_table as an uninterrupted run', async () => {
    const topic = await s.topic(3);
    await s.publish(topic, ...stream());
    const [a, b] = [s.db, await s.database()];
    const env = (db: FreshDatabase, group: string, extra: Record<string, string> = {}) => ({
      KAFKA_BROKERS: BROKERS.join(','),
      DATABASE_URL: db.url,
      TOPIC_PRODUCT_SUMS: topic,
      KAFKA_GROUP_ID: group,
      WRITE_INTERVAL_MS: '50',
      SKETCH_EPS: '0.001',
      CANDIDATES: '200',
      KAFKA_MAX_BYTES_PER_PARTITION: '2048', // small fetches: many batches and writes per run
      KAFKA_SESSION_TIMEOUT_MS: '6000', // a killed instance's shards come back after 6 s, not 30
      ...extra,
    });

    // The reference: one uninterrupted run, stopped gracefully.
    const reference = startChild(env(a, unique('ref')));
    await reference.ready();
    await waitForCheckpoints(a.knex, s.kafka, topic, 90_000);
    reference.signal('SIGTERM');
    expect(await reference.finished()).toEqual({ code: 0, signal: null });

    // The same input, crashed at named points and at a random moment, restarted each time.
    const group = unique('crashy');
    const offsets = async () =>
      (await b.knex(TABLES.speedCheckpoints).where({ topic }).select<Array<{ next_offset: bigint }>>('next_offset')).reduce((n, r) => n + r.next_offset, 0n);
    const mid = startChild(env(b, group, { SPEED_TEST_KILL_AFTER_RECORDS: '150' })); // mid-batch, state not written
    expect(await mid.finished()).toEqual({ code: null, signal: 'SIGKILL' });
    const afterFirstCrash = await offsets();
    const afterCommit = startChild(env(b, group, { SPEED_TEST_KILL_AFTER_WRITES: '4' })); // after the Postgres commit, before the Kafka commit
    expect(await afterCommit.finished()).toEqual({ code: null, signal: 'SIGKILL' });
    const afterSecondCrash = await offsets();
    expect(afterSecondCrash).toBeGreaterThan(afterFirstCrash); // the restarts resumed mid-stream
    const random = startChild(env(b, group));
    // A moment 2-5 s in, from a seed that is printed (SPEED_KILL_SEED repeats a run).
    const killSeed = Number(process.env['SPEED_KILL_SEED'] ?? randomInt(1_000_000));
    const killAfterMs = 2000 + Math.floor(seededRandom(killSeed)() * 3000);
    process.stdout.write(`killAndRestart: SPEED_KILL_SEED=${killSeed} kills after ${killAfterMs} ms\n`);
    await sleep(killAfterMs);
    random.signal('SIGKILL');
    await random.finished();
    const last = startChild(env(b, group));
    await last.ready(); // the checkpoints may be complete already: a SIGTERM before its handler would kill it
    await waitForCheckpoints(b.knex, s.kafka, topic, 90_000);
    last.signal('SIGTERM');
    expect(await last.finished()).toEqual({ code: 0, signal: null });

    const expected = await speedRows(a.knex);
    expect(expected.length).toBeGreaterThan(250); // 60 products in 5 windows, minus a few unsold per hour
    expect(await speedRows(b.knex)).toEqual(expected);
  }, 240_000);
});
