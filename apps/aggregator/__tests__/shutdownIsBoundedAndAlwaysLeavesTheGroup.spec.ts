import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLakeStore, readLakeSums } from '@hitboard/lake';
import { TABLES } from '@hitboard/schema';
import { startTestS3, type TestS3 } from '@hitboard/testkit';
import { comparableSums } from '@hitboard/testkit/lake-sums';
import { databaseSwitch, expectedSums, describeKafka, expectLakeMatches, goodEvents, produce, waitFor, waitForLedgerCaughtUp, withScenario, type Child, type Scenario } from './support/harness';

/**
 * SIGTERM must end, and end with the group and the pool released, whatever Postgres or S3 does: a shutdown
 * flush that cannot finish (Postgres down) is given up after SHUTDOWN_TIMEOUT_MS, one that fails with
 * an error that cannot pass is given up at once; either way the instance leaves the group (its
 * partitions move on now, not after the session timeout) and the process exits 0 only after main's
 * shutdown has closed the pool. What was not committed is replayed exactly by the next owner.
 * The flushes get the stop bound (STOP_BOUND_MS) minus what leaving and closing need: the S3 case is red
 * with the flush budget taken from SHUTDOWN_TIMEOUT_MS alone (runService's bound ended the process
 * mid-flush: exit 1, the member still in the group).
 */
describeKafka('bounded shutdown', () => {
  // A member that never said goodbye stays listed this long: long enough to see it after the exit.
  const quiet = { FLUSH_INTERVAL_MS: '600000', KAFKA_SESSION_TIMEOUT_MS: '30000', SHUTDOWN_TIMEOUT_MS: '3000' };

  async function bufferEvents(s: Scenario, child: Child, count: number) {
    const port = await child.opsPort();
    const items = goodEvents(count);
    await produce(s.kafka, s.topics.events, items);
    await waitFor('the events to be buffered', async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return [...text.matchAll(/^hitboard_aggregator_events_in_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0) === count;
    });
    return items;
  }

  /** SIGTERM, then the exit (a hang fails the test instead of waiting for jest's timeout). */
  async function terminate(child: Child) {
    child.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        child.finished(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the aggregator did not exit within 60 s of SIGTERM')), 60_000))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function groupMembers(s: Scenario): Promise<number> {
    const admin = s.kafka.admin();
    await admin.connect();
    try {
      return (await admin.describeGroups([s.groupId])).groups[0]?.members.length ?? 0;
    } finally {
      await admin.disconnect();
    }
  }

  it('gives up a shutdown flush Postgres cannot take, leaves the group, and the next owner replays it exactly', async () => {
    await withScenario('shutdown-pg-down', 2, async (s, aggregators) => {
      const database = await databaseSwitch(s);
      try {
        const first = aggregators.start(s.env(quiet), 'stopped while Postgres is down');
        const items = await bufferEvents(s, first, 300);
        expect(await groupMembers(s)).toBe(1);

        await database.set(false);
        const exit = await terminate(first);
        expect(exit.code).toBe(0);
        expect(await groupMembers(s)).toBe(0);
        expect(first.lines().some((l) => l.includes('shutdown: not every partition flushed'))).toBe(true);

        await database.set(true);
        const next = aggregators.start(s.env({ FLUSH_INTERVAL_MS: '300' }), 'next owner');
        await waitForLedgerCaughtUp(s);
        await expectLakeMatches(s, items);
        expect((await next.stop()).code).toBe(0);
      } finally {
        await database.close();
      }
    });
  });

  describe('with the S3 lake unreachable', () => {
    let s3: TestS3;
    beforeAll(async () => (s3 = await startTestS3()), 600_000);
    afterAll(() => s3?.destroy());

    it('gives up the shutdown flush within the stop bound, leaves the group, and the next owner writes it exactly', async () => {
      await withScenario('shutdown-s3-down', 2, async (s, aggregators) => {
        const lake = (cache: string) => s3.env(`shutdown-${s.groupId}`, mkdtempSync(join(tmpdir(), `agg-s3-${cache}-`)));
        // The default flush budget, from the stop bound: STOP_BOUND_MS minus 4 s for leaving and closing.
        const bounded = { FLUSH_INTERVAL_MS: '600000', KAFKA_SESSION_TIMEOUT_MS: '30000', STOP_BOUND_MS: '6000' };
        const first = aggregators.start(s.env({ ...bounded, ...lake('first') }), 'stopped while S3 is down');
        const items = await bufferEvents(s, first, 300);
        expect(await groupMembers(s)).toBe(1);

        await s3.stop();
        try {
          const exit = await terminate(first);
          expect(exit.code).toBe(0);
          expect(await groupMembers(s)).toBe(0);
          // What it could not finish, and that it gave up within the bound's flush budget (6000 − 4000 ms).
          const gaveUp = first.lines().find((l) => l.includes('shutdown: not every partition flushed'));
          expect(gaveUp && JSON.parse(gaveUp)).toMatchObject({ timedOut: true, timeoutMs: 2000 });
        } finally {
          await s3.start();
        }
        const nextLake = lake('next');
        const next = aggregators.start(s.env({ FLUSH_INTERVAL_MS: '300', ...nextLake }), 'next owner');
        await waitForLedgerCaughtUp(s);
        const reader = openLakeStore(nextLake);
        try {
          expect(comparableSums(await readLakeSums(s.db.knex, reader))).toEqual(comparableSums(expectedSums(items)));
        } finally {
          await reader.close();
        }
        expect((await next.stop()).code).toBe(0);
      });
    });
  });

  it('leaves the group and closes the pool when a shutdown flush fails with an error that cannot pass', async () => {
    await withScenario('shutdown-not-retriable', 2, async (s, aggregators) => {
      const child = aggregators.start(s.env(quiet));
      await bufferEvents(s, child, 300);
      // The ledger now holds an offset beyond 2^53: its first flush step fails the same way every time.
      await s.db.knex(TABLES.ingestOffsets).where({ topic: s.topics.events }).update({ next_offset: 2n ** 60n });

      const exit = await terminate(child);
      expect(child.lines().some((l) => l.includes('step failed with an error that cannot pass'))).toBe(true);
      // 0: main's shutdown ran to its end, which closes the pool after `stop()`.
      expect(exit.code).toBe(0);
      expect(await groupMembers(s)).toBe(0);
    });
  });
});
