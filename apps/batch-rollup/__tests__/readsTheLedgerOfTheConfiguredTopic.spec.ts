import { Writable } from 'node:stream';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';
import { createRollupMetrics } from '../src/metrics';
import { RollupScheduler } from '../src/scheduler';
import { batchRows, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * A deployment whose events topic is not `sales.events` (per-environment prefixes) rolls up from
 * its own topic's ledger: its watermark, its files, and no other topic's. Pointed at a topic the
 * ledger does not hold, the scheduler builds nothing and says why (a warning naming the topic it
 * looked for and the topics the ledger holds, a gauge, /healthz) instead of staying silently not ready.
 */
const gauge = async (registry: Registry, name: string) => (await registry.getSingleMetric(name)?.get())?.values.map((v) => v.value);

describe('the ledger of the configured events topic', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC', { topic: 'staging.sales.events' })));
  afterEach(() => s.close());

  const t0 = Date.parse('2026-03-03T10:00:00Z');

  async function schedulerFor(topic: string) {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    const registry = createMetricsRegistry('batch-rollup-test');
    const scheduler = new RollupScheduler(
      { ...s.deps, topic, log: pino({ level: 'warn' }, sink), metrics: createRollupMetrics(registry) },
      { concurrency: 1, attempts: 1, retryBaseMs: 1, overdueAfterMs: 3_600_000, stallAfterMs: 3_600_000, now: () => t0 + 3 * H },
    );
    return { scheduler, lines, registry };
  }

  it('rolls up that topic and only that topic', async () => {
    const ours = randomCells(201, t0, t0 + H, 300, 20);
    await writeFlush(s, ours);
    await writeFlush(s, randomCells(202, t0, t0 + H, 300, 20), 0, 'other.sales.events'); // another environment's ledger in the same database
    await setWatermark(s, t0 + 2 * H);
    await setWatermark(s, t0 + 2 * H, 0, 'other.sales.events');
    const { scheduler, registry } = await schedulerFor(s.topic);
    await scheduler.start({ cron: false });
    await scheduler.stop();
    const hour = s.registry.windowAt('hour', t0);
    expect((await runsOf(s, hour)).map((r) => [r.status, r.input_files])).toEqual([['succeeded', 1]]);
    expect(await batchRows(s, hour)).toEqual(expectedWindow(ours, hour, new Map()).rows);
    expect(await gauge(registry, 'hitboard_rollup_watermark_missing')).toEqual([0]);
    expect(scheduler.health().ok).toBe(true);
  });

  it('pointed at a topic the ledger does not hold, builds nothing and says so', async () => {
    await writeFlush(s, randomCells(203, t0, t0 + H, 300, 20));
    await setWatermark(s, t0 + 2 * H);
    const { scheduler, lines, registry } = await schedulerFor('sales.events');
    await scheduler.start({ cron: false });
    await scheduler.stop();
    expect(await s.knex(TABLES.rollupRuns).count('* as n').first()).toEqual({ n: 0n });
    expect(await gauge(registry, 'hitboard_rollup_watermark_missing')).toEqual([1]);
    const warning = lines.find((l) => l['topic'] === 'sales.events');
    expect(warning).toMatchObject({ level: 40, ledgerTopics: ['staging.sales.events'] });
    expect(String(warning!['msg'])).toMatch(/no hour can close/);
    const health = scheduler.health();
    expect(health.ok).toBe(false);
    expect(health['problems']).toEqual([expect.stringMatching(/ledger has no partition of topic sales\.events \(it holds staging\.sales\.events\)/)]);
  });
});
