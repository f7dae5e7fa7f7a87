/**
 * Issue 29: a stop is bounded whatever is unreachable. The real main.ts (a child process) gets SIGTERM
 * while a webhook receiver holds its request without answering (a request timeout longer than the
 * stop bound), and while Postgres hangs (its process stopped: a frozen proxy). Either way it must exit
 * 0 within its stop bound, say what it left, and lose nothing: the claim it could not finish is given
 * back or expires, and the next start delivers the alert once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES } from '@hitboard/schema';
import { freshDatabase, startTcpProxy, waitFor, type FreshDatabase } from '@hitboard/testkit';
import { notifierUrl, publishMovers, startNotifier, startReceiver, writeRules, type NotifierChild, type Receiver } from './support';

const T = new Date('2026-11-20T10:00:00Z');

describe('a stop is bounded whatever is unreachable', () => {
  let db: FreshDatabase;
  let receiver: Receiver;
  let env: Record<string, string>;
  const running: NotifierChild[] = [];

  beforeEach(async () => {
    db = await freshDatabase();
    receiver = await startReceiver();
    await db.knex(TABLES.products).insert({ product_id: 's-1', name: 'Blue Mug', category: 'kitchen' });
    const rules = writeRules({
      webhooks: { audit: { format: 'json', url: `${receiver.url}/audit`, allowPrivateAddress: true } },
      rules: [{ name: 'spikes', minFactor: 5, minCount: 10, cooldownMinutes: 60, webhooks: ['audit'] }],
      reports: [],
    });
    env = {
      DATABASE_URL: await notifierUrl(db.knex, db.url),
      NOTIFIER_RULES_FILE: rules,
      LAKE_DIR: mkdtempSync(join(tmpdir(), 'hitboard-notifier-lake-')),
      LOG_LEVEL: 'info', // the test reads what the stop says, whatever NOTIFIER_TEST_LOG is
      STOP_BOUND_MS: '6000',
      WEBHOOK_TIMEOUT_MS: '60000', // a request the receiver holds outlives the stop bound
    };
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.stop()));
    await receiver.close();
    await db.drop();
  });

  const start = (extra: Record<string, string> = {}) => {
    const n = startNotifier({ ...env, ...extra });
    running.push(n);
    return n;
  };
  const alertRows = () => db.knex(TABLES.alerts).select('status', 'attempts');
  const answered = () => receiver.received.filter((r) => r.status === 200);

  it('a receiver that never answers: exits 0 within the bound, gives the claim back; the next start delivers it once', async () => {
    receiver.answer(0);
    await publishMovers(db.knex, 0, [{ productId: 's-1', since: T, factor: 20, orders: 30 }]);
    const first = start();
    await waitFor('the held request', async () => receiver.received.length === 1);
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(first.output()).not.toMatch(/stop bound reached/);
    expect(first.output()).toMatch(/delivery not finished at stop: claim given back/);

    start();
    await waitFor('the alert to be sent', async () => (await alertRows()).some((r) => r.status === 'sent'), 60_000);
    expect(answered()).toHaveLength(1);
    expect((await alertRows()).map((r) => r.status)).toEqual(['sent']);
  }, 120_000);

  it('Postgres hanging: exits 0 within the bound saying what it left; the next start alerts once', async () => {
    const direct = new URL(env.DATABASE_URL!);
    const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    try {
      const first = start({ DATABASE_URL: Object.assign(new URL(env.DATABASE_URL!), { port: String(proxy.port) }).toString() });
      // A mover no rule matches: its episode row says a poll went through the proxy.
      await publishMovers(db.knex, 1, [{ productId: 'quiet', since: T, factor: 2, orders: 30 }]);
      await waitFor('a poll through the proxy', async () => (await db.knex(TABLES.moverEpisodes).where({ product_id: 'quiet' })).length === 1);
      proxy.freeze();
      await publishMovers(db.knex, 0, [{ productId: 's-1', since: T, factor: 20, orders: 30 }]);
      const opsPort = await first.opsPort();
      await waitFor('a poll to hang', async () => ((await (await fetch(`http://127.0.0.1:${opsPort}/healthz`)).json()) as { lastPollAgoMs: number }).lastPollAgoMs > 1000);
      expect(await first.stop()).toEqual({ code: 0, signal: null });
      expect(first.output()).not.toMatch(/stop bound reached/);
      expect(first.output()).toMatch(/stop: the poll did not finish/);
    } finally {
      await proxy.close();
    }
    start();
    await waitFor('the alert to be sent', async () => (await alertRows()).some((r) => r.status === 'sent'), 60_000);
    expect(answered()).toHaveLength(1);
    expect((await alertRows()).map((r) => r.status)).toEqual(['sent']);
  }, 120_000);
});
