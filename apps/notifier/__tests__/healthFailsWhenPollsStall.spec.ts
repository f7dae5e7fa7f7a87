import type { Knex } from 'knex';
import { createDb } from '@hitboard/db-client';
import { openLakeStore } from '@hitboard/lake';
import { createLogger, createMetricsRegistry } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { freshDatabase, waitFor, type FreshDatabase } from '@hitboard/testkit';
import { Alerter } from '../src/alerts/alerter';
import { AlertStore } from '../src/alerts/alert-store';
import { createNotifierMetrics } from '../src/metrics';
import { Notifier } from '../src/notifier';
import { Reporter } from '../src/reports/reporter';
import { ReportStore } from '../src/reports/report-store';

describe('/healthz of the notifier', () => {
  let db: FreshDatabase;
  beforeAll(async () => (db = await freshDatabase()));
  afterAll(() => db.drop());

  /** The notifier as main.ts builds it, on `knex`, with a clock the test moves. */
  function notifier(knex: Knex, clock: { ms: number }) {
    const metrics = createNotifierMetrics(createMetricsRegistry('notifier-test'));
    const log = createLogger('notifier-test', 'silent');
    const common = { webhooks: new Map(), delivery: { timeoutMs: 1000, attempts: 1, baseDelayMs: 10, maxDelayMs: 10 }, instance: 't', leaseMs: 60_000, metrics, log };
    return new Notifier({
      alerter: new Alerter({ ...common, store: new AlertStore(knex), rules: [] }),
      reporter: new Reporter({ ...common, store: new ReportStore(knex), lake: openLakeStore({ LAKE_DIR: '/tmp/hitboard-notifier-health' }), registry: IntervalRegistry.standard('UTC'), reports: [] }),
      pollIntervalMs: 20,
      stallAfterMs: 60_000,
      metrics,
      log,
      now: () => clock.ms,
    });
  }

  it('stays healthy while polls succeed, and fails, naming the error, once none has succeeded for STALL_AFTER_MS', async () => {
    const clock = { ms: 1_000_000 };
    const good = notifier(db.knex, clock);
    await good.start();
    clock.ms += 120_000;
    await waitFor('a successful poll', async () => good.health().ok);
    await good.stop();

    // Postgres away (nothing listens on port 9): every poll fails.
    const away = createDb('postgres://127.0.0.1:9/none', { pool: { min: 0, max: 1 } });
    const stuck = notifier(away, clock);
    await stuck.start();
    expect(stuck.health().ok).toBe(true); // just started
    clock.ms += 60_001;
    const health = await waitFor('a failed poll to be named', async () => {
      const h = stuck.health();
      return !h.ok && /ECONNREFUSED|connect/.test(String(h.error)) && h;
    });
    expect(health.error).toMatch(/^no successful poll for 60 s: /);
    await stuck.stop();
    await away.destroy();
  });
});
