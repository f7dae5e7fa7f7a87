import type { Admin, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import { ACKS_ALL } from '@hitboard/kafka';
import type { Random } from '@hitboard/generator';
import { TABLES } from '@hitboard/schema';
import type { Cluster, PostgresHost } from './infra';
import type { Check, Topics } from './invariants';
import type { Layout } from './layout';
import { sleep, type App } from './processes';

export interface ScenarioContext {
  layout: Layout;
  cluster: Cluster;
  postgres: PostgresHost;
  admin: Admin;
  producer: Producer;
  db: () => Knex;
  topics: Topics;
  random: Random;
  sessionTimeoutMs: number;
  say(msg: string): void;
  /** Recreates a topic with the cluster's settings (replication 3, min.insync.replicas 2). */
  recreateTopic(topic: string): Promise<void>;
}

export interface FaultResult {
  /** When the fault ended (the process back up, the broker back, Postgres back): recovery is timed from here. */
  endedAtMs: number;
  notes: string[];
  /** Checks of this scenario beyond the common invariants. */
  checks?: Check[];
  /** The common invariants that do not apply after this fault (the recreated topic is refused, so never caught up). */
  skip?: Array<'tiling' | 'dlq' | 'lag' | 'open'>;
}

export interface Scenario {
  name: string;
  inject(ctx: ScenarioContext): Promise<FaultResult>;
}

const between = (r: Random, lo: number, hi: number) => Math.round(lo + r() * (hi - lo));
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

async function restart(app: App): Promise<number> {
  app.start();
  await app.waitUp();
  return Date.now();
}

/** kill -9 of an aggregator at a random moment of ingest, restarted after a random pause: `times` kills. */
export function aggregatorKill(times: number): Scenario {
  return {
    name: `aggregator kill -9 ×${times}`,
    async inject(ctx) {
      const notes: string[] = [];
      let endedAtMs = Date.now();
      for (let i = 0; i < times; i++) {
        const target = pick(ctx.random, ctx.layout.aggregators.slice(0, 2));
        const waitMs = between(ctx.random, 500, 6000);
        const downMs = between(ctx.random, 0, 3000);
        await sleep(waitMs);
        await target.kill();
        notes.push(`kill #${i + 1}: ${target.name} after ${waitMs} ms, down ${downMs} ms`);
        await sleep(downMs);
        endedAtMs = await restart(target);
      }
      return { endedAtMs, notes };
    },
  };
}

/** An aggregator frozen past its session timeout: the group moves its partitions; on SIGCONT it must not commit stale work. */
export const aggregatorFreeze: Scenario = {
  name: 'aggregator SIGSTOP past session timeout, SIGCONT',
  async inject(ctx) {
    const target = ctx.layout.aggregators[0]!;
    const frozenMs = ctx.sessionTimeoutMs + between(ctx.random, 3000, 6000);
    await sleep(between(ctx.random, 1000, 4000));
    const before = target.output.length;
    target.signal('SIGSTOP');
    await sleep(frozenMs);
    target.signal('SIGCONT');
    const endedAtMs = Date.now();
    await sleep(ctx.sessionTimeoutMs + 4000);
    const after = target.output.slice(before);
    const refused = (after.match(/the ledger refused the flush/g) ?? []).length;
    const health = await target.health();
    return {
      endedAtMs,
      notes: [`${target.name} frozen ${frozenMs} ms; after SIGCONT: ${refused} flush(es) refused by the ledger, /healthz ${health}`],
      checks: [{ name: 'frozen aggregator alive and rejoined', ok: target.running && health === 200, detail: `running=${target.running}, /healthz ${health}` }],
    };
  },
};

/** kill -9 of the broker leading partition 0 of the events topic while the generator sends; back after 10 s. */
export const brokerKill: Scenario = {
  name: 'partition leader broker kill -9, back after 10 s',
  async inject(ctx) {
    await sleep(between(ctx.random, 1000, 4000));
    const { topics } = await ctx.admin.fetchTopicMetadata({ topics: [ctx.topics.events] });
    const leader = topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
    ctx.cluster.kill(leader);
    await sleep(10_000);
    await ctx.cluster.startNode(leader);
    return { endedAtMs: Date.now(), notes: [`killed node ${leader} (leader of ${ctx.topics.events}[0]) for 10 s`] };
  },
};

export const speedKill: Scenario = {
  name: 'speed pipeline kill -9',
  async inject(ctx) {
    const target = pick(ctx.random, ctx.layout.speeds);
    const waitMs = between(ctx.random, 500, 5000);
    await sleep(waitMs);
    await target.kill();
    const endedAtMs = await restart(target);
    return { endedAtMs, notes: [`${target.name} killed after ${waitMs} ms`] };
  },
};

/** A rollup scheduler killed while it has a window running (a restart runs its catch-up pass; the kill lands mid-window). */
export const rollupKill: Scenario = {
  name: 'rollup scheduler kill -9 mid-window',
  async inject(ctx) {
    const target = ctx.layout.rollups[0]!;
    // Work for its catch-up pass: late sales keep marking closed hours dirty; wait for one.
    const dirtyBy = Date.now() + 90_000;
    while (Date.now() < dirtyBy && !(await ctx.db()(TABLES.rollupDirty).first('window_start').catch(() => undefined))) await sleep(500);
    await target.stop();
    const since = new Date();
    target.start();
    const deadline = Date.now() + 60_000;
    let midWindow = false;
    while (Date.now() < deadline && target.running) {
      const running = await ctx.db()(TABLES.rollupRuns).where('status', 'running').andWhere('started_at', '>=', since).first('run_id').catch(() => undefined);
      if (running) {
        midWindow = true;
        break;
      }
      await sleep(25);
    }
    await target.kill();
    const endedAtMs = await restart(target);
    return { endedAtMs, notes: [midWindow ? `${target.name} killed with a window running` : `${target.name} killed (no window was running within 60 s)`] };
  },
};

export const postgresRestart: Scenario = {
  name: 'Postgres restarted mid-flush',
  async inject(ctx) {
    await sleep(between(ctx.random, 1000, 3000));
    await ctx.postgres.stop();
    const downMs = between(ctx.random, 3000, 8000);
    await sleep(downMs);
    await ctx.postgres.start();
    return { endedAtMs: Date.now(), notes: [`Postgres down ${downMs} ms`] };
  },
};

export const scaleAggregators: Scenario = {
  name: 'aggregators scaled 1 → 3 → 1 under load',
  async inject(ctx) {
    const [a, b, c, d] = ctx.layout.aggregators as [App, App, App, App];
    void a;
    await b.stop();
    await sleep(5000);
    c.start();
    d.start();
    await Promise.all([c.waitUp(), d.waitUp()]);
    await sleep(10_000);
    await Promise.all([c.stop(), d.stop()]);
    await sleep(5000);
    const endedAtMs = await restart(b);
    return { endedAtMs, notes: ['2 → 1 (b stopped) → 3 (c, d started) → 1 (c, d stopped) → 2 (b back)'] };
  },
};

/**
 * The events topic deleted and recreated under a kept ledger: the aggregators must refuse the new
 * log (its offsets restart below the ledger's) loudly — log, metric, /healthz — and count nothing of it.
 */
export const topicRecreated: Scenario = {
  name: 'events topic deleted and recreated under a kept ledger',
  async inject(ctx) {
    await ctx.recreateTopic(ctx.topics.events);
    // Sales into the new log: not in the ground truth, so counting any of them breaks exactness.
    const messages = Array.from({ length: 30 }, (_, i) => ({
      key: `recreated-${i}`,
      value: JSON.stringify({ event_id: `recreated-${i}`, product_id: `p-recreated`, quantity: 1, unit_price_cents: 100, currency: 'USD', occurred_at: new Date(Date.now() - 7_200_000).toISOString(), order_id: `o-r-${i}`, store_id: 's-1', user_id: 'u-1', channel: 'web', lat: 0, lon: 0 }),
    }));
    await ctx.producer.send({ topic: ctx.topics.events, acks: ACKS_ALL, messages });
    const endedAtMs = Date.now();
    const aggs = ctx.layout.aggregators.slice(0, 2);
    const deadline = Date.now() + 90_000;
    let loud = { log: false, metric: 0, health: [] as number[] };
    while (Date.now() < deadline) {
      loud = {
        log: aggs.some((a) => /ledger is ahead of the log/.test(a.output)),
        metric: (await Promise.all(aggs.map((a) => a.metric('hitboard_aggregator_ledger_ahead_of_log')))).reduce((x, y) => x + (Number.isNaN(y) ? 0 : y), 0),
        health: await Promise.all(aggs.map((a) => a.health())),
      };
      if (loud.log && loud.metric > 0 && loud.health.every((h) => h !== 200)) break;
      await sleep(1000);
    }
    return {
      endedAtMs,
      notes: [`refusal: log ${loud.log}, hitboard_aggregator_ledger_ahead_of_log ${loud.metric}, /healthz ${loud.health.join(',')}`],
      checks: [{ name: 'recreated topic refused loudly', ok: loud.log && loud.metric > 0 && loud.health.every((h) => h !== 200), detail: `log line ${loud.log}, metric ${loud.metric}, /healthz ${loud.health.join(',')}` }],
      skip: ['tiling', 'dlq', 'lag', 'open'],
    };
  },
};

export const ALL_SCENARIOS: Record<string, Scenario> = {
  'aggregator-kill': aggregatorKill(3),
  'aggregator-freeze': aggregatorFreeze,
  'broker-kill': brokerKill,
  'speed-kill': speedKill,
  'rollup-kill': rollupKill,
  'postgres-restart': postgresRestart,
  scale: scaleAggregators,
  'topic-recreate': topicRecreated,
};

/** The CI form: the priority faults, within 5 minutes on a 2-core machine. */
export const QUICK_SCENARIOS = ['aggregator-kill', 'broker-kill'];
