import { clock, pollUntil } from '@hitboard/runtime';
import type { Admin, Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { ACKS_ALL, createProducer } from '@hitboard/kafka';
import type { Random } from '@hitboard/generator';
import { TABLES, type SaleEvent } from '@hitboard/schema';
import type { Cluster, PostgresHost, S3Server } from './infra';
import type { SalesDriver } from './driver';
import { coordinatorNode } from './coordinator';
import type { Check, Observer, Topics } from './invariants';
import type { Layout } from './layout';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from './processes';

export interface ScenarioContext {
  layout: Layout;
  cluster: Cluster;
  postgres: PostgresHost;
  /** The run's own S3 server when the lake is on it (`--lake s3`), else null. */
  s3: S3Server | null;
  kafka: Kafka;
  admin: Admin;
  /** The generator with its ground truth (a scenario may pause it, or send sales of its own making). */
  driver: SalesDriver;
  observer: Observer;
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
  /**
   * Checks that need time after the fault ended (a thawed member rejoining): run once recovery is
   * measured, so their waiting is not counted as recovery.
   */
  afterRecovery?: () => Promise<{ notes: string[]; checks: Check[] }>;
}

export interface Scenario {
  name: string;
  /** Applies only when the lake is the run's own S3 server. */
  needsS3?: boolean;
  /** Printed when its recovery misses the target: what the recovery waits on (measured in docs/CHAOS.md). */
  slowBecause?: string;
  inject(ctx: ScenarioContext): Promise<FaultResult>;
}

const between = (r: Random, lo: number, hi: number) => Math.round(lo + r() * (hi - lo));
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

async function restart(app: App): Promise<number> {
  app.start();
  await app.waitUp();
  return clock.now();
}

/** kill -9 of an aggregator at a random moment of ingest, restarted after a random pause: `times` kills. */
export function aggregatorKill(times: number): Scenario {
  return {
    name: `aggregator kill -9 ×${times}`,
    async inject(ctx) {
      const notes: string[] = [];
      let endedAtMs = clock.now();
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
  slowBecause: 'the thawed member learns it was removed, rejoins, and every partition it rejoins with is reset from the ledger before it consumes',
  async inject(ctx) {
    const target = ctx.layout.aggregators[0]!;
    const frozenMs = ctx.sessionTimeoutMs + between(ctx.random, 3000, 6000);
    await sleep(between(ctx.random, 1000, 4000));
    const before = target.output.length;
    target.signal('SIGSTOP');
    await sleep(frozenMs);
    target.signal('SIGCONT');
    const endedAtMs = clock.now();
    return {
      endedAtMs,
      notes: [`${target.name} frozen ${frozenMs} ms`],
      // Judged a session timeout and 4 s after SIGCONT: time for the thawed member to learn it was removed and rejoin.
      afterRecovery: async () => {
        await sleep(Math.max(0, endedAtMs + ctx.sessionTimeoutMs + 4000 - clock.now()));
        const after = target.output.slice(before);
        const refused = (after.match(/the ledger refused the flush/g) ?? []).length;
        const health = await target.health();
        return {
          notes: [`after SIGCONT: ${refused} flush(es) refused by the ledger, /healthz ${health}`],
          checks: [{ name: 'frozen aggregator alive and rejoined', ok: target.running && health === 200, detail: `running=${target.running}, /healthz ${health}` }],
        };
      },
    };
  },
};

/** kill -9 of the broker leading partition 0 of the events topic while the generator sends; back after 10 s. */
export const brokerKill: Scenario = {
  name: 'partition leader broker kill -9, back after 10 s',
  slowBecause: "kafkajs' consumers crash-restart with backoff while leaders move, then rejoin their groups",
  async inject(ctx) {
    await sleep(between(ctx.random, 1000, 4000));
    const { topics } = await ctx.admin.fetchTopicMetadata({ topics: [ctx.topics.events] });
    const leader = topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
    ctx.cluster.kill(leader);
    await sleep(10_000);
    await ctx.cluster.startNode(leader);
    return { endedAtMs: clock.now(), notes: [`killed node ${leader} (leader of ${ctx.topics.events}[0]) for 10 s`] };
  },
};

/** What a node is to the apps when it dies: coordinator of which groups, leader of how many partitions. */
async function rolesOf(ctx: ScenarioContext, node: number): Promise<string> {
  const groups = [`${ctx.layout.o.groupPrefix}-aggregator`, `${ctx.layout.o.groupPrefix}-speed`];
  const coordinates = [];
  for (const g of groups) if ((await coordinatorNode(ctx.kafka, g).catch(() => -1)) === node) coordinates.push(g.slice(ctx.layout.o.groupPrefix.length + 1));
  const { topics } = await ctx.admin.fetchTopicMetadata({ topics: [ctx.topics.events, ctx.topics.sums, ctx.topics.dlq] });
  const led = topics.map((t) => `${t.partitions.filter((p) => p.leader === node).length}/${t.partitions.length} of ${t.name}`);
  const mostLeader = mostPartitionsLeader(topics.flatMap((t) => t.partitions.map((p) => p.leader)));
  return `coordinator of ${coordinates.length > 0 ? coordinates.join(' and ') : 'no app group'}; leader of ${led.join(', ')}${mostLeader === node ? ' (the most partitions)' : ''}`;
}

function mostPartitionsLeader(leaders: number[]): number {
  const counts = new Map<number, number>();
  for (const l of leaders) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? -1;
}

/** Lines that say a kafkajs consumer crashed (our handler's, and kafkajs's own). */
const crashLines = (output: string) => (output.match(/consumer crashed|"msg":"Crash: /g) ?? []).length;

/** The issue's bound: every app caught up within this long of a broker's kill. */
export const CAUGHT_UP_AFTER_BROKER_KILL_MS = 15_000;

/**
 * Cluster node `node` killed -9 while sales flow; `back`: started again 10 s after the kill, else left
 * dead until the scenario's recovery is measured ("never back": two brokers of three carry on, RF 3,
 * min.insync.replicas 2). Times from the kill to caught up per app that reads Kafka: the aggregators
 * (the ledger holds every events offset written by the time the new leaders answered) and the speed
 * pipelines (their group has committed every product-sums record published by the time the ledger
 * caught up). The rollup schedulers and the notifier do not touch Kafka. Checks: both within
 * CAUGHT_UP_AFTER_BROKER_KILL_MS, and no consumer crash in any app's log since the kill.
 */
export function brokerLoss(node: number, back: boolean): Scenario {
  return {
    name: `broker ${node} kill -9, ${back ? 'back after 10 s' : 'never back'}`,
    async inject(ctx) {
      await sleep(between(ctx.random, 1000, 4000));
      const roles = await rolesOf(ctx, node);
      const apps = ctx.layout.base;
      const crashesBefore = apps.map((a) => crashLines(a.output));
      ctx.cluster.kill(node);
      const killedAtMs = clock.now();
      // Everything written by the time the new leaders answer (this read waits for them).
      const caught = ctx.observer.logEnds(ctx.topics.events).then((events) => ctx.observer.waitCaughtUp(events, 120_000));
      let endedAtMs = killedAtMs;
      if (back) {
        await sleep(Math.max(0, killedAtMs + 10_000 - clock.now()));
        await ctx.cluster.startNode(node);
        endedAtMs = clock.now();
      }
      const reached = await caught;
      const crashed = apps.map((a, i) => [a.name, crashLines(a.output) - crashesBefore[i]!] as const).filter(([, n]) => n > 0);
      const fmt = (ms: number | null) => (ms === null ? 'never (120 s)' : `${(ms / 1000).toFixed(1)} s`);
      const aggregatorMs = reached ? reached.ledgerAtMs - killedAtMs : null;
      const speedMs = reached ? reached.speedAtMs - killedAtMs : null;
      const within = (ms: number | null) => ms !== null && ms <= CAUGHT_UP_AFTER_BROKER_KILL_MS;
      const notes = [`node ${node} (${roles}) killed${back ? ', back after 10 s' : ', never back'}; kill → caught up: aggregators ${fmt(aggregatorMs)}, speed pipelines ${fmt(speedMs)}`];
      const checks: Check[] = [
        { name: 'aggregators caught up within 15 s of the kill', ok: within(aggregatorMs), detail: fmt(aggregatorMs) },
        { name: 'speed pipelines caught up within 15 s of the kill', ok: within(speedMs), detail: fmt(speedMs) },
        { name: 'no consumer crash in any log', ok: crashed.length === 0, detail: crashed.length === 0 ? 'none' : crashed.map(([n, c]) => `${n}: ${c}`).join(', ') },
      ];
      return {
        endedAtMs,
        notes,
        checks,
        // A node left dead comes back once recovery is measured, so the next scenario has three again.
        ...(back ? {} : { afterRecovery: async () => (await ctx.cluster.startNode(node), { notes: [`node ${node} started again after the measurement`], checks: [] }) }),
      };
    },
  };
}

export const speedKill: Scenario = {
  name: 'speed pipeline kill -9',
  slowBecause: "two rebalances (the dead member's 6 s session, then the restarted one joins) and a checkpoint restore of each moved shard, twice",
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
    await pollUntil('a dirty mark', async () => (await ctx.db()(TABLES.rollupDirty).first('window_start').catch(() => undefined)) !== undefined, { timeoutMs: 90_000, everyMs: 500 }).catch(() => undefined);
    await target.stop();
    const since = clock.date();
    target.start();
    const deadline = clock.now() + 60_000;
    let midWindow = false;
    while (clock.now() < deadline && target.running) {
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
    return { endedAtMs: clock.now(), notes: [`Postgres down ${downMs} ms`] };
  },
};

/**
 * The S3 server under the lake killed -9 while the aggregators flush (every second) and brought back:
 * a flush whose PUT fails resets from the ledger and is replayed under the same key; nothing is lost or
 * counted twice. Runs only when the lake is the suite's own S3 server.
 */
export const s3Restart: Scenario = {
  name: 'S3 server killed mid-flush, brought back',
  needsS3: true,
  async inject(ctx) {
    const s3 = ctx.s3;
    if (!s3) throw new Error('the lake is not the run\'s own S3 server (--lake s3)');
    const aggs = ctx.layout.aggregators.slice(0, 2);
    const before = aggs.map((a) => a.output.length);
    await sleep(between(ctx.random, 1000, 3000));
    await s3.kill();
    const downMs = between(ctx.random, 5000, 10_000);
    await sleep(downMs);
    await s3.start();
    const endedAtMs = clock.now();
    // A flush's PUT that fails is retried as a step (with backoff) or, past its attempts, the partition resets from the ledger.
    const failedPuts = aggs.reduce((n, a, i) => n + (a.output.slice(before[i]).match(/to the lake at [^"]* failed/g) ?? []).length, 0);
    return {
      endedAtMs,
      notes: [`S3 server down ${downMs} ms (kill -9, then s3.sh start); ${failedPuts} lake write(s) of flushes failed meanwhile and were retried`],
      checks: [{ name: 'the outage hit flushes in flight', ok: failedPuts > 0, detail: `${failedPuts} failed lake write(s) logged by the aggregators while S3 was down` }],
    };
  },
};

/** Hours with a succeeded hour rollup and no dirty mark, newest first. */
async function cleanRolledUpHours(db: Knex): Promise<number[]> {
  const rows = await db(TABLES.rollupRuns)
    .where({ interval: 'hour', status: 'succeeded' })
    .whereNotExists(db(TABLES.rollupDirty).whereRaw('?? = ??', [`${TABLES.rollupDirty}.interval`, `${TABLES.rollupRuns}.interval`]).whereRaw('?? = ??', [`${TABLES.rollupDirty}.window_start`, `${TABLES.rollupRuns}.window_start`]))
    .distinct<{ window_start: Date }[]>('window_start');
  return rows.map((r) => r.window_start.getTime()).sort((a, b) => b - a);
}

interface RunRow {
  run_id: string;
  interval: string;
  window_start: Date;
  status: string;
  reason: string;
  started_at: Date;
  finished_at: Date | null;
}

const LATE_SALES_PER_HOUR = 150;

/**
 * Late data after its hours were rolled up, while both schedulers run: sales whose event time lies in
 * two hours already rolled up (and clean) are sent and ingested; then both schedulers start a catch-up
 * pass at the same moment and race for the dirty windows. Each late hour must be re-rolled exactly once
 * (one succeeded run started after the sales were in the ledger; the other scheduler finds it locked or
 * done), no two runs of one window may overlap in time, and every batch row of the hour must carry that
 * one run's id. The common checks then find the hours exact against a truth that includes the late sales.
 */
export const lateData: Scenario = {
  name: 'late data into rolled-up hours, both schedulers racing',
  async inject(ctx) {
    const scenarioStart = clock.date();
    // Hours the batch layer has rolled up and holds clean (waits for the schedulers' passes if need be).
    const truthHours = new Set(ctx.driver.truth.keys());
    const rolled = await pollUntil(
      '2 rolled-up, clean hours',
      async () => {
        const hours = (await cleanRolledUpHours(ctx.db())).filter((h) => truthHours.has(h));
        return hours.length >= 2 && hours;
      },
      { timeoutMs: 300_000, everyMs: 2000 },
    );
    const targets = rolled.slice(0, 2).sort((a, b) => a - b);
    // Quiet first: no stream sales (their own late events would mark these hours too), everything sent so far in the ledger.
    await ctx.driver.pause();
    if ((await ctx.observer.waitCaughtUp(await ctx.observer.logEnds(ctx.topics.events), 180_000)) === null) throw new Error('the ledger did not catch up before the late sales');
    const events: SaleEvent[] = [];
    for (const h of targets) {
      const products = [...ctx.driver.truth.get(h)!.keys()];
      for (let i = 0; i < LATE_SALES_PER_HOUR; i++) {
        events.push({
          event_id: `late-${h}-${i}-${Math.floor(ctx.random() * 1e9)}`,
          order_id: `o-late-${h}-${i}`,
          product_id: pick(ctx.random, products),
          quantity: between(ctx.random, 1, 5),
          unit_price_cents: between(ctx.random, 100, 5000),
          currency: 'USD',
          occurred_at: new Date(h + between(ctx.random, 0, 3_599_999)).toISOString(),
          store_id: 's-1',
          user_id: `u-late-${i}`,
          channel: 'web',
        });
      }
    }
    // The schedulers stop while the late sales are ingested (else a cron tick could roll an hour with half of
    // them, and a second run would be right), then both start a catch-up pass at once: both find the late
    // files, both go for the same windows.
    const [a, b] = ctx.layout.rollups as [App, App];
    await Promise.all([a.stop(), b.stop()]);
    const before = [a.output.length, b.output.length];
    let racedFrom: Date;
    try {
      await ctx.driver.sendEvents(events);
      if ((await ctx.observer.waitCaughtUp(await ctx.observer.logEnds(ctx.topics.events), 180_000)) === null) throw new Error('the ledger did not take the late sales within 180 s');
    } finally {
      racedFrom = clock.date();
      a.start();
      b.start();
    }
    await Promise.all([a.waitUp(), b.waitUp()]);
    const passed = () => [a, b].every((app, i) => app.output.slice(before[i]).includes('"msg":"pass finished"'));
    await pollUntil('both schedulers to finish a pass', async () => passed(), { timeoutMs: 240_000, everyMs: 500 }).catch(() => undefined);
    const starts = targets.map((h) => new Date(h));
    const runs = await ctx.db()(TABLES.rollupRuns).where('started_at', '>=', scenarioStart).orderBy('run_id').select<RunRow[]>('run_id', 'interval', 'window_start', 'status', 'reason', 'started_at', 'finished_at');
    const checks: Check[] = [{ name: 'both schedulers ran a pass over the late data', ok: passed(), detail: passed() ? 'a and b each finished a pass after the restart' : 'a pass did not finish within 240 s' }];
    // Exactly once: one succeeded late-data run per late hour since the race began, and no run of it left running.
    const rerolls = starts.map((s) => runs.filter((r) => r.interval === 'hour' && r.window_start.getTime() === s.getTime() && r.started_at >= racedFrom));
    const once = rerolls.map((rs) => rs.filter((r) => r.status === 'succeeded'));
    checks.push({
      name: 'late hours re-rolled exactly once',
      ok: once.every((rs) => rs.length === 1 && rs[0]!.reason === 'late-data') && rerolls.every((rs) => rs.every((r) => r.status !== 'running')),
      detail: targets.map((h, i) => `${new Date(h).toISOString().slice(0, 13)}: ${rerolls[i]!.map((r) => `run ${r.run_id} ${r.status} (${r.reason})`).join(', ') || 'no run'}`).join('; '),
    });
    // The two schedulers never built one window at once (the window lock), for any interval.
    const overlaps: string[] = [];
    const byWindow = new Map<string, RunRow[]>();
    for (const r of runs) byWindow.set(`${r.interval} ${r.window_start.toISOString()}`, [...(byWindow.get(`${r.interval} ${r.window_start.toISOString()}`) ?? []), r]);
    for (const [w, rs] of byWindow) {
      for (let i = 1; i < rs.length; i++) {
        const prev = rs[i - 1]!;
        if (prev.finished_at === null || prev.finished_at > rs[i]!.started_at) overlaps.push(`${w}: run ${rs[i]!.run_id} started before run ${prev.run_id} finished`);
      }
    }
    checks.push({ name: 'no window built by both schedulers at once', ok: overlaps.length === 0, detail: overlaps.length ? overlaps.slice(0, 4).join('; ') : `${runs.length} runs over ${byWindow.size} windows since the scenario began, none overlapping` });
    // Published once and consistently: every batch row of a late hour carries the hour's newest succeeded run.
    const mixed: string[] = [];
    for (const s of starts) {
      const ids = (await ctx.db()(TABLES.batchTable).where({ interval: 'hour', window_start: s }).distinct<{ run_id: string }[]>('run_id')).map((r) => String(r.run_id));
      const newest = await ctx.db()(TABLES.rollupRuns).where({ interval: 'hour', window_start: s, status: 'succeeded' }).max<{ max: string }[]>('run_id as max');
      if (ids.length !== 1 || ids[0] !== String(newest[0]?.max)) mixed.push(`${s.toISOString().slice(0, 13)}: batch rows of run(s) ${ids.join(',') || 'none'}, newest succeeded run ${newest[0]?.max}`);
    }
    checks.push({ name: 'late hours published by one run', ok: mixed.length === 0, detail: mixed.length ? mixed.join('; ') : 'every batch row of each late hour carries its newest succeeded run' });
    const rerolledMs = Math.max(...once.flat().map((r) => (r.finished_at ?? clock.date()).getTime())) - racedFrom.getTime();
    return {
      // The sales were paused and in the ledger before the race: the lag is timed from the race's end (the re-roll time is a note).
      endedAtMs: clock.now(),
      notes: [
        `${events.length} late sales into ${targets.map((h) => new Date(h).toISOString().slice(0, 13)).join(', ')} (rolled up and clean); both schedulers restarted at once; the late hours re-rolled within ${(rerolledMs / 1000).toFixed(1)} s of their start`,
      ],
      checks,
    };
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
    // The generator stops first: its idempotent producer's sequence numbers belong to the old log, and every
    // send to the new one would be refused (OutOfOrderSequenceNumber) for as long as it retried.
    await ctx.driver.pause();
    await ctx.recreateTopic(ctx.topics.events);
    // Sales into the new log: not in the ground truth, so counting any of them breaks exactness.
    const messages = Array.from({ length: 30 }, (_, i) => ({
      key: `recreated-${i}`,
      value: JSON.stringify({ event_id: `recreated-${i}`, product_id: `p-recreated`, quantity: 1, unit_price_cents: 100, currency: 'USD', occurred_at: new Date(clock.now() - 7_200_000).toISOString(), order_id: `o-r-${i}`, store_id: 's-1', user_id: 'u-1', channel: 'web', lat: 0, lon: 0 }),
    }));
    const producer = createProducer(ctx.kafka, { allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: ctx.topics.events, acks: ACKS_ALL, messages });
    } finally {
      await producer.disconnect();
    }
    const endedAtMs = clock.now();
    const aggs = ctx.layout.aggregators.slice(0, 2);
    const deadline = clock.now() + 90_000;
    let loud = { log: false, metric: 0, health: [] as number[] };
    while (clock.now() < deadline) {
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
  'broker-1-back': brokerLoss(1, true),
  'broker-2-back': brokerLoss(2, true),
  'broker-3-back': brokerLoss(3, true),
  'broker-1-gone': brokerLoss(1, false),
  'broker-2-gone': brokerLoss(2, false),
  'broker-3-gone': brokerLoss(3, false),
  'speed-kill': speedKill,
  'rollup-kill': rollupKill,
  'postgres-restart': postgresRestart,
  's3-restart': s3Restart,
  scale: scaleAggregators,
  'late-data': lateData,
  'topic-recreate': topicRecreated,
};

/** The CI form: the priority faults, within 5 minutes on a 2-core machine. */
export const QUICK_SCENARIOS = ['aggregator-kill', 'broker-kill'];
