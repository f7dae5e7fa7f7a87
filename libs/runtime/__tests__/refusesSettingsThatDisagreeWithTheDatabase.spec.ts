/**
 * The deployment settings against a real Postgres: the first app records its topic names, zone and
 * lateness; a second app with the same settings works; one with another zone or topic refuses to work
 * (no service built), says so in its log, a metric and a 503 /healthz that names the setting.
 */
import { z } from 'zod';
import { TABLES } from '@hitboard/schema';
import { freshDatabase, type FreshDatabase } from '@hitboard/testkit';
import { appConfigSchema, env, ServiceRunner, type Service } from '../src';

const schema = appConfigSchema(['DATABASE_URL', 'TOPIC_EVENTS', 'TOPIC_PRODUCT_SUMS', 'REPORTING_TIME_ZONE', 'ALLOWED_LATENESS_MS'], {
  OPS_PORT: env.port().default(0),
  LOG_LEVEL: env.logLevel(),
});

describe('an app whose deployment settings disagree with the database', () => {
  let db: FreshDatabase;
  const runners: ServiceRunner<typeof schema>[] = [];
  beforeAll(async () => (db = await freshDatabase()));
  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await db?.drop();
  });

  const run = async (name: string, settings: Record<string, string>) => {
    const started: string[] = [];
    const runner = new ServiceRunner(
      {
        name,
        summary: 'test app',
        env: schema,
        create: async ({ config }): Promise<Service> => ({
          start: async () => void started.push(config.TOPIC_EVENTS),
          stop: async () => undefined,
          health: () => ({ ok: true }),
        }),
      },
      { env: { DATABASE_URL: db.url, LOG_LEVEL: 'silent', ...settings } },
    );
    runners.push(runner);
    await runner.start();
    const get = (path: string) => fetch(`http://127.0.0.1:${runner.opsPort}${path}`);
    const healthz = await get('/healthz');
    return { started, status: healthz.status, health: (await healthz.json()) as Record<string, unknown>, metrics: await (await get('/metrics')).text() };
  };

  const prod = { TOPIC_EVENTS: 'prod.sales.events', TOPIC_PRODUCT_SUMS: 'prod.sales.product-sums', REPORTING_TIME_ZONE: 'Asia/Kolkata' };

  it('the first app records its settings and works', async () => {
    const first = await run('first-app', prod);
    expect([first.started, first.status]).toEqual([['prod.sales.events'], 200]);
    const rows = await db.knex(TABLES.deploymentSettings).orderBy('name').select('name', 'value', 'recorded_by');
    expect(rows).toEqual([
      { name: 'ALLOWED_LATENESS_MS', value: '300000', recorded_by: 'first-app' },
      { name: 'REPORTING_TIME_ZONE', value: 'Asia/Kolkata', recorded_by: 'first-app' },
      { name: 'TOPIC_EVENTS', value: 'prod.sales.events', recorded_by: 'first-app' },
      { name: 'TOPIC_PRODUCT_SUMS', value: 'prod.sales.product-sums', recorded_by: 'first-app' },
    ]);
  });

  it('an app that agrees works', async () => {
    const second = await run('second-app', prod);
    expect([second.started, second.status]).toEqual([['prod.sales.events'], 200]);
    expect(second.metrics).not.toMatch(/^hitboard_deployment_setting_mismatch\{/m);
  });

  it('an app with another zone and the default topic refuses: no work, 503 naming both, a metric', async () => {
    const wrong = await run('wrong-app', { TOPIC_PRODUCT_SUMS: prod.TOPIC_PRODUCT_SUMS, REPORTING_TIME_ZONE: 'UTC' });
    expect(wrong.started).toEqual([]);
    expect(wrong.status).toBe(503);
    expect(wrong.health).toMatchObject({
      ok: false,
      error: 'deployment settings disagree with the database: REPORTING_TIME_ZONE, TOPIC_EVENTS',
      settingsMismatch: [
        { setting: 'REPORTING_TIME_ZONE', ours: 'UTC', recorded: 'Asia/Kolkata', recordedBy: 'first-app' },
        { setting: 'TOPIC_EVENTS', ours: 'sales.events', recorded: 'prod.sales.events', recordedBy: 'first-app' },
      ],
    });
    expect(wrong.metrics).toMatch(/^hitboard_deployment_setting_mismatch\{setting="REPORTING_TIME_ZONE",app="wrong-app"\} 1$/m);
    expect(wrong.metrics).toMatch(/^hitboard_deployment_setting_mismatch\{setting="TOPIC_EVENTS",app="wrong-app"\} 1$/m);
    // Nothing it thinks was overwritten.
    expect(await db.knex(TABLES.deploymentSettings).where({ name: 'REPORTING_TIME_ZONE' }).first('value')).toEqual({ value: 'Asia/Kolkata' });
  });

  it('a wrong variable is named before anything starts', () => {
    expect(() => new ServiceRunner({ name: 'x', summary: '', env: schema, create: async () => ({}) as Service }, { env: { DATABASE_URL: db.url, REPORTING_TIME_ZONE: 'Mars/Olympus' } })).toThrow(
      /REPORTING_TIME_ZONE: not an IANA time zone.*\(got "Mars\/Olympus"\)/,
    );
    expect(() => new ServiceRunner({ name: 'x', summary: '', env: z.object({ ...schema.shape }), create: async () => ({}) as Service }, { env: { DATABASE_URL: db.url, TOPIC_EVENTS: 'a topic' } })).toThrow(
      /TOPIC_EVENTS: a Kafka topic name/,
    );
  });
});
