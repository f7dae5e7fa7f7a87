/**
 * One poll with 150 matching movers against one slow receiver that answers 429 with `Retry-After: 3600`:
 * the notifier keeps at most WEBHOOK_CONCURRENCY requests in flight to it, and once it has asked to wait
 * longer than the longest retry delay, sends nothing more (each alert is recorded failed, saying why)
 * instead of 150 requests at once and 450 in all.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { createDb } from '@hitboard/db-client';
import { createLogger, createMetricsRegistry } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';
import { freshDatabase, type FreshDatabase } from '@hitboard/testkit';
import { Alerter } from '../src/alerts/alerter';
import { AlertStore } from '../src/alerts/alert-store';
import { createNotifierMetrics } from '../src/metrics';
import { WebhookLimiter } from '../src/webhook';
import { notifierUrl, publishMovers } from './support';

const T = new Date('2026-11-20T10:00:00Z');
const MOVERS = 150;
const CONCURRENCY = 4;
/** How long the receiver takes to answer, ms: a slow receiver, so requests sent at once overlap there. */
const RECEIVER_LATENCY_MS = 100;

describe('a receiver that throttles', () => {
  let db: FreshDatabase;
  let knex: Knex;
  let server: Server;
  const seen = { requests: 0, inFlight: 0, maxInFlight: 0 };

  beforeAll(async () => {
    db = await freshDatabase();
    knex = createDb(await notifierUrl(db.knex, db.url), { pool: { min: 0, max: 4 } });
    const ids = Array.from({ length: MOVERS }, (_, i) => `k-${String(i).padStart(3, '0')}`);
    await db.knex(TABLES.products).insert(ids.map((id) => ({ product_id: id, name: `Kettle ${id}`, category: 'kitchen' })));
    await publishMovers(db.knex, 0, ids.map((productId) => ({ productId, since: T, factor: 20, orders: 30 })));
    server = createServer((req, res) => {
      seen.requests++;
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      req.resume();
      setTimeout(() => {
        seen.inFlight--;
        res.writeHead(429, { 'retry-after': '3600', 'content-type': 'text/plain' });
        res.end('slow down');
      }, RECEIVER_LATENCY_MS);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await knex.destroy();
    await db.drop();
  });

  it('gets at most WEBHOOK_CONCURRENCY requests at once, and none after it asked to wait an hour', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    // As main.ts builds it: one limiter for every delivery of the process.
    const alerter = new Alerter({
      store: new AlertStore(knex),
      rules: [{ name: 'spikes', direction: 'up', minFactor: 5, minCount: 10, cooldownMinutes: 60, webhooks: ['audit'] }],
      webhooks: new Map([['audit', { name: 'audit', format: 'json', url, headers: {}, allowPrivateAddress: true }]]),
      delivery: { timeoutMs: 5000, attempts: 3, baseDelayMs: 10, maxDelayMs: 1000, limiter: new WebhookLimiter(CONCURRENCY) },
      instance: 'test',
      leaseMs: 60_000,
      metrics: createNotifierMetrics(createMetricsRegistry('notifier-test')),
      log: createLogger('notifier-test', 'silent'),
    });
    await alerter.poll();
    await alerter.settled();

    expect(seen.maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
    expect(seen.requests).toBeLessThanOrEqual(CONCURRENCY);
    const rows = await db.knex(TABLES.alerts).select('status', 'http_status', 'reason');
    expect(rows).toHaveLength(MOVERS);
    expect(new Set(rows.map((r: { status: string }) => r.status))).toEqual(new Set(['failed']));
    for (const r of rows as Array<{ reason: string }>) expect(r.reason).toMatch(/Retry-After/);
  });
});
