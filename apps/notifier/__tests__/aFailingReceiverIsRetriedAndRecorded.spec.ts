import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createDb } from '@hitboard/db-client';
import { createLogger, createMetricsRegistry } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';
import { freshDatabase, type FreshDatabase } from '@hitboard/testkit';
import { Alerter } from '../src/alerts/alerter';
import { AlertStore } from '../src/alerts/alert-store';
import { createNotifierMetrics } from '../src/metrics';
import type { AlertRule, Webhook } from '../src/rules-file';
import { notifierUrl, publishMovers, startReceiver, type Receiver } from './support';

const T = new Date('2026-11-20T10:00:00Z');

describe('webhook delivery', () => {
  let db: FreshDatabase;
  let knex: Knex;
  let receiver: Receiver;

  beforeEach(async () => {
    db = await freshDatabase();
    knex = createDb(await notifierUrl(db.knex, db.url), { pool: { min: 0, max: 2 } });
    receiver = await startReceiver();
    await db.knex(TABLES.products).insert({ product_id: 's-1', name: 'Blue Mug', category: 'kitchen' });
    await publishMovers(db.knex, 0, [{ productId: 's-1', since: T, factor: 20, orders: 30 }]);
  });
  afterEach(async () => {
    await receiver.close();
    await knex.destroy();
    await db.drop();
  });

  /** The alerter in-process (as main.ts builds it) with one rule and one JSON webhook, and its metrics. */
  function alerter(attempts: number) {
    const registry = createMetricsRegistry('notifier-test');
    const metrics = createNotifierMetrics(registry);
    const webhook: Webhook = { name: 'audit', format: 'json', url: `${receiver.url}/audit`, headers: {}, allowPrivateAddress: true };
    const rule: AlertRule = { name: 'spikes', direction: 'up', minFactor: 5, minCount: 10, cooldownMinutes: 60, webhooks: ['audit'] };
    const a = new Alerter({
      store: new AlertStore(knex),
      rules: [rule],
      webhooks: new Map([['audit', webhook]]),
      delivery: { timeoutMs: 5000, attempts, baseDelayMs: 10, maxDelayMs: 50 },
      instance: 'test',
      leaseMs: 60_000,
      metrics,
      log: createLogger('notifier-test', 'silent'),
    });
    const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.reduce((n, v) => n + v.value, 0);
    return { a, metric };
  }

  const rows = () => db.knex(TABLES.alerts).select('status', 'attempts', 'http_status', 'reason');

  it('retries 500s with backoff, then records the 200: sent, with its attempts', async () => {
    receiver.answer(500, 503);
    const { a, metric } = alerter(5);
    await a.poll();
    await a.settled();
    expect(receiver.received.map((r) => r.status)).toEqual([500, 503, 200]);
    // The same alert each time (a receiver can drop repeats by its key).
    expect(new Set(receiver.received.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(await rows()).toEqual([{ status: 'sent', attempts: 3, http_status: 200, reason: null }]);
    expect(await metric('hitboard_notifier_webhook_retries_total')).toBe(2);
    expect(await metric('hitboard_notifier_alerts_sent_total')).toBe(1);
    expect(await metric('hitboard_notifier_alerts_failed_total')).toBe(0);
    // Recorded: the next poll sends nothing.
    await a.poll();
    await a.settled();
    expect(receiver.received).toHaveLength(3);
  });

  it('gives up after its attempts and records why: failed', async () => {
    receiver.answer(500, 500, 500, 500);
    const { a, metric } = alerter(3);
    await a.poll();
    await a.settled();
    expect(receiver.received).toHaveLength(3);
    expect(await rows()).toEqual([{ status: 'failed', attempts: 3, http_status: 500, reason: expect.stringMatching(/HTTP 500$/) }]);
    expect(await metric('hitboard_notifier_alerts_failed_total')).toBe(1);
    expect(await metric('hitboard_notifier_alerts_sent_total')).toBe(0);

    // The ops CLI lists it, with why.
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'alerts', '--status', 'failed'], { cwd: join(__dirname, '..'), env: { ...process.env, DATABASE_URL: db.url }, encoding: 'utf8' });
    expect(cli.status).toBe(0);
    const [header, line, ...rest] = cli.stdout.trimEnd().split('\n');
    expect(header!.split(/\s+/)).toEqual(['alert_id', 'rule', 'webhook', 'product_id', 'since', 'factor', 'status', 'attempts', 'http', 'claimed_at', 'finished_at', 'reason']);
    expect(line).toMatch(/^\d+\s+spikes\s+audit\s+s-1\s+2026-11-20T10:00:00Z\s+20\.0\s+failed\s+3\s+500\s+\S+\s+\S+\s+POST http:\/\/127\.0\.0\.1:\d+\/…: HTTP 500$/);
    expect(rest).toEqual([]);
  }, 120_000);

  it('does not retry a 4xx the receiver means (bad request): failed at once', async () => {
    receiver.answer(400);
    const { a } = alerter(5);
    await a.poll();
    await a.settled();
    expect(receiver.received).toHaveLength(1);
    expect(await rows()).toEqual([{ status: 'failed', attempts: 1, http_status: 400, reason: expect.stringMatching(/HTTP 400/) }]);
  });
});
