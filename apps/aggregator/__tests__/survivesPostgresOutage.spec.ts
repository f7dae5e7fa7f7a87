import { Client } from 'pg';
import { testServerUrl } from '@hitboard/testkit';
import { describeKafka, expectLakeMatches, goodEvents, produce, waitFor, waitForLedgerCaughtUp, withScenario, type Produced } from './support/harness';

const lagOf = (metrics: string): number =>
  [...metrics.matchAll(/^hitboard_aggregator_consumer_lag\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);

/**
 * Postgres goes away for a while: the aggregator retries with backoff, does not crash, does not
 * lose anything; its lag grows, then recovers, and the totals are exact.
 */
describeKafka('Postgres outage', () => {
  it('retries, lets lag grow, then catches up exactly', async () => {
    await withScenario('pg-outage', 2, async (s, aggregators) => {
      const admin = new Client({ connectionString: testServerUrl() });
      await admin.connect();
      const all: Produced[] = [];
      const setAvailable = async (available: boolean) => {
        await admin.query(`ALTER DATABASE "${s.db.name}" ALLOW_CONNECTIONS ${available}`);
        if (!available) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [s.db.name]);
      };
      try {
        const child = aggregators.start(s.env({ HEALTH_STALL_AFTER_MS: '3000' }));
        const port = await child.opsPort();
        const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const first = goodEvents(300);
        all.push(...first);
        await produce(s.kafka, s.topics.events, first);
        await waitForLedgerCaughtUp(s);

        await setAvailable(false);
        try {
          const during = goodEvents(600);
          all.push(...during);
          await produce(s.kafka, s.topics.events, during);
          await waitFor('lag to grow while Postgres is away', async () => lagOf(await metrics()) > 0, 30_000);
          await waitFor('a retried ledger step', async () => /hitboard_aggregator_retries_total\{step="ledger-[a-z]+",app="aggregator"\} [1-9]/.test(await metrics()), 30_000);
          // A partition with lag whose ledger does not advance is stalled: /healthz says so, naming it.
          await waitFor(
            '/healthz to fail with a stalled partition',
            async () => {
              const res = await fetch(`http://127.0.0.1:${port}/healthz`);
              const body = (await res.json()) as { stalled?: Array<{ partition: number; lag: number }> };
              return res.status === 503 && (body.stalled ?? []).some((p) => p.lag > 0 && [0, 1].includes(p.partition));
            },
            30_000,
          );
          expect(child.running()).toBe(true); // still running
        } finally {
          await setAvailable(true);
        }
        const after = goodEvents(300);
        all.push(...after);
        await produce(s.kafka, s.topics.events, after);
        await waitForLedgerCaughtUp(s);
        await waitFor('lag to recover', async () => lagOf(await metrics()) === 0, 30_000);
        await waitFor('/healthz to pass again', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 30_000);
        await expectLakeMatches(s, all);
        expect((await child.stop()).code).toBe(0);
      } finally {
        await admin.query(`ALTER DATABASE "${s.db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
        await admin.end();
      }
    });
  });
});
