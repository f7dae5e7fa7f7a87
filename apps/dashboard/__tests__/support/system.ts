/**
 * The whole system for an end-to-end spec, one world per call: a fresh database, topics on the test
 * broker, a lake folder, and the apps and the generator's CLI as child processes (the test kit's),
 * all sharing one set of settings (the clock a spec chose among them). `stop()` undoes all of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, type SystemAppName } from '@hitboard/runtime';
import { createTestTopic, deleteTestTopics, freshDatabase, startApp, startAppProcess, uniqueTopic, type AppProcess, type FreshDatabase } from '@hitboard/testkit';

export interface TestSystem {
  readonly db: FreshDatabase;
  /** A scratch folder of this world (the lake is `<work>/lake`), removed by `stop`. */
  readonly work: string;
  readonly topics: { events: string; sums: string; dlq: string };
  /** What every process of this world is started with (besides its own settings). */
  readonly settings: Record<string, string>;
  /** Every process started, in order. */
  readonly apps: AppProcess[];
  /** One of the apps, with the world's settings and `env` (every line kept: specs read their logs back). */
  start(app: SystemAppName, label: string, env?: Record<string, string>): AppProcess;
  /** The generator's CLI on the events topic with `args`. */
  generate(label: string, args: string[]): AppProcess;
  /** The last `lines` lines of every process, for a failure message. */
  logs(lines?: number): string;
  /** Stops every process, drops the database, deletes the topics and the scratch folder. */
  stop(): Promise<void>;
}

export async function startTestSystem(brokers: string[], prefix: string, settings: Record<string, string>): Promise<TestSystem> {
  const work = mkdtempSync(path.join(tmpdir(), `hb-${prefix}-`));
  const db = await freshDatabase();
  const [events, sums] = await Promise.all([createTestTopic(brokers, { partitions: 2, prefix: `${prefix}-events` }), createTestTopic(brokers, { partitions: 2, prefix: `${prefix}-sums` })]);
  const topics = { events, sums, dlq: uniqueTopic(`${prefix}-dlq`) }; // the aggregator creates its DLQ as it wants it (compacted)
  const shared = {
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: db.url,
    TOPIC_EVENTS: topics.events,
    TOPIC_DLQ: topics.dlq,
    TOPIC_PRODUCT_SUMS: topics.sums,
    LAKE_DIR: path.join(work, 'lake'),
    REPORTING_TIME_ZONE: 'UTC',
    LOG_LEVEL: 'warn',
    OPS_PORT: '0',
    ...settings,
  };
  const apps: AppProcess[] = [];
  const track = (app: AppProcess) => (apps.push(app), app);
  return {
    db,
    work,
    topics,
    settings: shared,
    apps,
    start: (app, label, env = {}) => track(startApp(app, { ...process.env, ...shared, ...env }, { label, keepLines: 1_000_000 })),
    generate: (label, args) =>
      track(startAppProcess({ name: label, cwd: REPO_ROOT, args: ['tools/generator/src/cli.ts', '--topic', topics.events, ...args], env: { ...process.env, ...shared } })),
    logs: (lines = 40) => apps.map((a) => `--- ${a.name}\n${a.lines().slice(-lines).join('\n')}`).join('\n'),
    stop: async () => {
      await Promise.all(apps.map((a) => a.stop()));
      await db.drop();
      await deleteTestTopics(brokers, Object.values(topics)).catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    },
  };
}
