import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES } from '@hitboard/schema';
import { freshDatabase, waitFor, type FreshDatabase } from '@hitboard/testkit';
import { notifierUrl, pollsDone, publishMovers, startNotifier, startReceiver, writeRules, type NotifierChild, type Receiver } from './support';

const T = Date.parse('2026-11-20T10:00:00Z');
const MIN = 60_000;

describe('a spike alerts exactly once', () => {
  let db: FreshDatabase;
  let receiver: Receiver;
  const running: NotifierChild[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await freshDatabase();
    receiver = await startReceiver();
    await db.knex(TABLES.products).insert([
      { product_id: 's-1', name: 'Blue Mug', category: 'kitchen' },
      { product_id: 'b-1', name: 'Slow Book', category: 'books' },
      ...Array.from({ length: 12 }, (_, i) => ({ product_id: `k-${i}`, name: `Kettle ${i}`, category: 'kitchen' })),
    ]);
    const rules = writeRules({
      webhooks: { slack: { format: 'slack', url: `${receiver.url}/slack`, allowPrivateAddress: true }, audit: { format: 'json', url: `${receiver.url}/audit`, allowPrivateAddress: true } },
      rules: [{ name: 'kitchen-spikes', minFactor: 5, minCount: 10, categories: ['kitchen'], cooldownMinutes: 60, webhooks: ['slack', 'audit'] }],
      reports: [],
    });
    env = { DATABASE_URL: await notifierUrl(db.knex, db.url), NOTIFIER_RULES_FILE: rules, LAKE_DIR: mkdtempSync(join(tmpdir(), 'hitboard-notifier-lake-')) };
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.stop()));
  });
  afterAll(async () => {
    await receiver.close();
    await db.drop();
  });

  const requestsFor = (productId: string) =>
    receiver.received.filter((r) => (r.path === '/audit' ? (r.body['product'] as { id: string }).id === productId : String(r.body['text']).includes(`, ${productId})`)));

  it('once per webhook for a matching mover, none for the others; not again after a restart; a new episode within the cooldown is suppressed', async () => {
    await publishMovers(db.knex, 0, [
      { productId: 's-1', since: new Date(T), factor: 20, orders: 30 },
      { productId: 'b-1', since: new Date(T), factor: 50, orders: 40 }, // books: not this rule's category
      { productId: 'k-0', since: new Date(T), factor: 4, orders: 40 }, // below the factor
      { productId: 'k-1', since: new Date(T), factor: 30, orders: 5 }, // too few orders
    ]);
    running.push(startNotifier(env));
    await waitFor('both webhooks to receive the alert', async () => receiver.received.length >= 2);
    await pollsDone(db.knex, 's-1');

    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/audit', '/slack']);
    expect(requestsFor('s-1')).toHaveLength(2);
    const slack = receiver.received.find((r) => r.path === '/slack')!;
    expect(slack.body['text']).toMatch(/^Rising: Blue Mug \(kitchen, s-1\).*20\.0× its usual.*\[rule kitchen-spikes\]$/);
    const audit = receiver.received.find((r) => r.path === '/audit')!;
    expect(audit.body).toMatchObject({ type: 'hitboard.mover', rule: 'kitchen-spikes', product: { id: 's-1', name: 'Blue Mug', category: 'kitchen' }, factor: 20, orders: '30', since: new Date(T).toISOString() });
    expect(audit.headers['idempotency-key']).toMatch(/^hitboard-alert-\d+$/);
    const rows = await db.knex(TABLES.alerts).orderBy('webhook').select('webhook', 'product_id', 'status', 'attempts', 'http_status');
    expect(rows).toEqual([
      { webhook: 'audit', product_id: 's-1', status: 'sent', attempts: 1, http_status: 200 },
      { webhook: 'slack', product_id: 's-1', status: 'sent', attempts: 1, http_status: 200 },
    ]);

    // A restart sees the same episode in `movers` and sends nothing.
    expect(await running.pop()!.stop()).toEqual({ code: 0, signal: null });
    running.push(startNotifier(env));
    await pollsDone(db.knex, 's-1', 3);
    expect(receiver.received).toHaveLength(2);

    // The spike ends and starts again 20 minutes later: a new episode, within the 60-minute cooldown.
    await publishMovers(db.knex, 0, [{ productId: 's-1', since: new Date(T + 20 * MIN), factor: 25, orders: 35 }]);
    await waitFor('the new episode to be suppressed', async () => (await db.knex(TABLES.alerts).where({ status: 'suppressed' })).length === 2);
    await pollsDone(db.knex, 's-1');
    expect(receiver.received).toHaveLength(2);
    const suppressed = await db.knex(TABLES.alerts).where({ status: 'suppressed' }).select('reason');
    expect(suppressed[0]!.reason).toMatch(/^cooldown: rule kitchen-spikes alerted on s-1 at .* cooldown 60 min$/);
  }, 180_000);

  it('two instances running at once send each new mover once per webhook', async () => {
    running.push(startNotifier({ ...env, NOTIFIER_INSTANCE_ID: 'a' }), startNotifier({ ...env, NOTIFIER_INSTANCE_ID: 'b' }));
    const before = receiver.received.length;
    // Twelve movers at once, across two shards: both instances see every one in the same polls.
    const kettles = Array.from({ length: 12 }, (_, i) => ({ productId: `k-${i}`, since: new Date(T + 40 * MIN), factor: 10 + i, orders: 20 }));
    await publishMovers(db.knex, 1, kettles.slice(0, 6));
    await publishMovers(db.knex, 2, kettles.slice(6));
    await waitFor('every kettle alerted on both webhooks', async () => receiver.received.length - before >= 24);
    await pollsDone(db.knex, 'k-11', 4);
    for (const k of kettles) expect([k.productId, requestsFor(k.productId).map((r) => r.path).sort()]).toEqual([k.productId, ['/audit', '/slack']]);
    expect(receiver.received.length - before).toBe(24);
    const byInstance = await db.knex(TABLES.alerts).where('product_id', 'like', 'k-%').groupBy('instance').select('instance', db.knex.raw('count(*)::int as n'));
    expect(byInstance.reduce((n, r) => n + (r.n as number), 0)).toBe(24);
  }, 180_000);
});
