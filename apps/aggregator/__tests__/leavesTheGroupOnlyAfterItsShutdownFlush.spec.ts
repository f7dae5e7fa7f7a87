import { holdsFor } from '@hitboard/testkit';
import { Client } from 'pg';
import { testServerUrl } from '@hitboard/testkit';
import { describeKafka, expectLakeMatches, goodEvents, produce, waitFor, waitForLedgerCaughtUp, withScenario } from './support/harness';

/**
 * SIGTERM: flush, then leave the group. While the shutdown flush is still running (here: held up
 * by a Postgres outage) the instance must still be a member, so the group does not hand its
 * partitions to another instance that would start them over from the ledger meanwhile.
 */
describeKafka('graceful shutdown', () => {
  it('stays in the group until its shutdown flush is committed', async () => {
    await withScenario('shutdown-order', 2, async (s, aggregators) => {
      const pg = new Client({ connectionString: testServerUrl() });
      await pg.connect();
      const admin = s.kafka.admin();
      await admin.connect();
      const setAvailable = async (available: boolean) => {
        await pg.query(`ALTER DATABASE "${s.db.name}" ALLOW_CONNECTIONS ${available}`);
        if (!available) await pg.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [s.db.name]);
      };
      const members = async () => (await admin.describeGroups([s.groupId])).groups[0]?.members.length ?? 0;
      try {
        const child = aggregators.start(s.env({ FLUSH_INTERVAL_MS: '600000' })); // only the shutdown flushes
        const port = await child.opsPort();
        const items = goodEvents(300);
        await produce(s.kafka, s.topics.events, items);
        await waitFor('the events to be buffered', async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          const consumed = [...text.matchAll(/^hitboard_aggregator_events_in_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
          return consumed === items.length;
        });
        expect(await members()).toBe(1);

        await setAvailable(false);
        try {
          child.signal('SIGTERM');
          // The shutdown flush now retries its first ledger step; the instance must stay a member meanwhile.
          await holdsFor('the instance a member of its group while its shutdown flush retries', async () => (await members()) === 1, 3000, 500);
          expect(child.running()).toBe(true);
        } finally {
          await setAvailable(true);
        }
        expect((await child.finished()).code).toBe(0);
        expect(await members()).toBe(0);
        await waitForLedgerCaughtUp(s, 10_000);
        await expectLakeMatches(s, items);
      } finally {
        await pg.query(`ALTER DATABASE "${s.db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
        await pg.end();
        await admin.disconnect();
      }
    });
  });
});
