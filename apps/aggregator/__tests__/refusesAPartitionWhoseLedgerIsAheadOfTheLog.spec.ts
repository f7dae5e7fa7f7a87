import { holdsFor } from '@hitboard/testkit';
import { TABLES } from '@hitboard/schema';
import { describeKafka, expectLakeMatches, goodEvents, produce, waitFor, waitForLedgerCaughtUp, withScenario, type Aggregators, type Child, type Produced, type Scenario } from './support/harness';

/**
 * The topic is deleted and recreated (or truncated) while Postgres keeps its ledger: the ledger's
 * next_offset is past the new log's end. Consuming would silently skip [log end, next_offset) of the
 * new data, so the aggregator refuses the partition: an error log, a metric, /healthz failing with the
 * partition named, nothing counted and the ledger untouched until an operator decides (README).
 */
type Health = { ok: boolean; blocked?: Array<{ partition: number; reason: string; detail: string }> };

const ledgerOf = async (s: Scenario) =>
  (await s.db.knex(TABLES.ingestOffsets).where({ topic: s.topics.events }).orderBy('partition').select<{ partition: number; next_offset: bigint }[]>('partition', 'next_offset')).map(
    (r) => `${r.partition}:${r.next_offset}`,
  );

/** 400 events produced and ingested by a running aggregator, the ledger caught up on both partitions. */
async function ingestWith(s: Scenario, aggregators: Aggregators, label: string): Promise<{ first: Produced[]; app: Child }> {
  const first = goodEvents(400);
  await produce(s.kafka, s.topics.events, first);
  const app = aggregators.start(s.env(), label);
  await waitForLedgerCaughtUp(s);
  return { first, app };
}

/** Deletes and recreates the events topic (2 partitions), then sends fewer events than either partition's ledger covers. */
async function recreateTopicWithFewerEvents(s: Scenario): Promise<void> {
  const admin = s.kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [s.topics.events] });
    await waitFor('the topic to be gone', async () => !(await admin.listTopics()).includes(s.topics.events), 60_000);
    await waitFor(
      'the topic to be recreated',
      async () =>
        admin
          .createTopics({ waitForLeaders: true, topics: [{ topic: s.topics.events, numPartitions: 2, replicationFactor: 1 }] })
          .then(() => true)
          .catch(() => false),
      60_000,
      1000,
    );
  } finally {
    await admin.disconnect();
  }
  await produce(s.kafka, s.topics.events, goodEvents(20));
}

/** /healthz fails naming both partitions, the metric and the error log say why, and nothing was consumed. */
async function expectRefusedLoudly(s: Scenario, app: Child, ledgerBefore: string[], first: Produced[]): Promise<void> {
  const port = await app.opsPort();
  let body: Health = { ok: true };
  await waitFor(
    '/healthz to fail naming both partitions',
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      body = (await res.json()) as Health;
      return res.status === 503 && (body.blocked?.length ?? 0) === 2;
    },
    120_000,
  );
  expect(body.blocked?.map((p) => [p.partition, p.reason]).sort()).toEqual([
    [0, 'ledger-ahead-of-log'],
    [1, 'ledger-ahead-of-log'],
  ]);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toMatch(/hitboard_aggregator_ledger_ahead_of_log\{partition="0",app="aggregator"\} [1-9]/);
  expect(app.lines().some((l) => l.includes('"level":50') && l.includes('the ledger is ahead of the log'))).toBe(true);
  // Nothing consumed meanwhile: the ledger and the lake are as before.
  await holdsFor('the ledger as it was while both partitions are refused', async () => JSON.stringify(await ledgerOf(s)) === JSON.stringify(ledgerBefore), 3000);
  expect(await ledgerOf(s)).toEqual(ledgerBefore);
  await expectLakeMatches(s, first);
}

describeKafka('ledger ahead of the log', () => {
  it('refuses to consume a partition whose ledger is past the log end, and says so', async () => {
    await withScenario('ledger-ahead', 2, async (s, aggregators) => {
      const { first, app: a } = await ingestWith(s, aggregators, 'aggregator before the recreate');
      expect((await a.stop()).code).toBe(0);
      const ledgerBefore = await ledgerOf(s);
      expect(ledgerBefore).toHaveLength(2);

      await recreateTopicWithFewerEvents(s);

      const b = aggregators.start(s.env(), 'aggregator after the recreate');
      await expectRefusedLoudly(s, b, ledgerBefore, first);
      expect((await b.stop()).code).toBe(0);
    });
  });

  it('refuses it too when the topic is recreated under a running aggregator (no restart, no rebalance)', async () => {
    // Found by the chaos suite (seed 3003): kafkajs answered the aggregator's seek past the new log's end
    // with "offset out of range", restarted the partition at offset 0, the aggregator sought back, and so
    // on, 28,000 times in 90 s, with /healthz green. A fetch whose log end is below where the partition
    // already is now sends the partition through the ledger check.
    await withScenario('ledger-ahead-live', 2, async (s, aggregators) => {
      const { first, app: a } = await ingestWith(s, aggregators, 'aggregator through the recreate');
      const ledgerBefore = await ledgerOf(s);
      expect(ledgerBefore).toHaveLength(2);

      await recreateTopicWithFewerEvents(s);

      await expectRefusedLoudly(s, a, ledgerBefore, first);
      expect((await a.stop()).code).toBe(0);
    });
  });
});
