import { clock, pollUntil } from '@hitboard/runtime';
import type { Admin, Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { hourStartMs, readLakeSums, type LakeStore } from '@hitboard/lake';
import { CHANNEL_ALL, decodeProductSum, productSumCellKey, TABLES } from '@hitboard/schema';
import type { SalesDriver, Sums } from './driver';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Topics {
  events: string;
  dlq: string;
  sums: string;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const HOUR_MS = 3_600_000;

/**
 * A topic's offsets, asked again while the cluster moves leaders: just after a broker is killed or
 * comes back, the admin's cached metadata names an old leader and the answer is "not the leader"
 * (or "leader not available") until the metadata is refreshed. Anything else, or past a minute, throws.
 */
export async function topicOffsets(admin: Admin, topic: string): Promise<Array<{ partition: number; high: bigint; low: bigint }>> {
  const deadline = clock.now() + 60_000;
  for (;;) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map((o) => ({ partition: o.partition, high: BigInt(o.high), low: BigInt(o.low) }));
    } catch (err) {
      const e = err as { retriable?: boolean; type?: string; message?: string };
      const leaderMoved = e.retriable === true || /leader|LEADER|metadata/.test(`${e.type ?? ''} ${e.message ?? ''}`);
      if (!leaderMoved || clock.now() > deadline) throw err;
      await sleep(500);
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    }
  }
}
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/** Offsets and sums read from the cluster and the database: what the invariants compare to the ground truth. */
export class Observer {
  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly db: () => Knex,
    private readonly topics: Topics,
    private readonly speedGroup: string,
    private readonly allowedLatenessMs: number,
  ) {}

  /** Per partition of `topic`, its log end offset (the offset its next record will get). */
  async logEnds(topic: string): Promise<Map<number, bigint>> {
    return new Map((await topicOffsets(this.admin, topic)).map((o) => [o.partition, o.high]));
  }

  /** Per partition of the events topic, the ledger's next offset (0 where it has none yet). */
  async ledgerOffsets(): Promise<Map<number, bigint>> {
    const rows = await this.db()(TABLES.ingestOffsets).where({ topic: this.topics.events }).select<{ partition: number; next_offset: string }[]>('partition', 'next_offset');
    return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
  }

  async speedOffsets(): Promise<Map<number, bigint>> {
    const [t] = await this.admin.fetchOffsets({ groupId: this.speedGroup, topics: [this.topics.sums] });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, p.offset === '-1' ? 0n : BigInt(p.offset)]));
  }

  /**
   * Waits until the ledger holds every events offset below `events` and the speed group has committed
   * every product-sums record published by then: "lag back to zero" for what existed when the fault ended.
   * Returns when each was reached (epoch ms), or null at the timeout.
   */
  async waitCaughtUp(events: Map<number, bigint>, timeoutMs: number): Promise<{ ledgerAtMs: number; speedAtMs: number } | null> {
    const t0 = performance.now();
    const left = () => Math.max(0, timeoutMs - (performance.now() - t0));
    const reached = (have: Map<number, bigint> | null, want: Map<number, bigint>) => have !== null && [...want].every(([p, hw]) => (have.get(p) ?? 0n) >= hw);
    try {
      await pollUntil('the ledger to reach the events topic\'s ends', async () => reached(await this.ledgerOffsets().catch(() => null), events), { timeoutMs: left(), everyMs: 200 });
      const ledgerAtMs = clock.now();
      const sums = await this.logEnds(this.topics.sums);
      await pollUntil('the speed group to reach the product-sums ends', async () => reached(await this.speedOffsets().catch(() => null), sums), { timeoutMs: left(), everyMs: 200 });
      return { ledgerAtMs, speedAtMs: clock.now() };
    } catch {
      return null; // not within timeoutMs: the caller reports it
    }
  }

  /** Global watermark: the least of the partitions' (null until every partition has one). */
  async watermarkMs(): Promise<number | null> {
    const rows = await this.db()(TABLES.ingestOffsets).where({ topic: this.topics.events }).select<{ watermark: Date | null }[]>('watermark');
    const partitions = (await this.logEnds(this.topics.events)).size;
    if (rows.length < partitions || rows.some((r) => r.watermark === null)) return null;
    return Math.min(...rows.map((r) => r.watermark!.getTime()));
  }

  /** The hours of the ground truth the watermark has closed (end + lateness passed). */
  async closedHours(driver: SalesDriver): Promise<number[]> {
    const wm = await this.watermarkMs();
    if (wm === null) return [];
    return [...driver.truth.keys()].filter((h) => h + HOUR_MS + this.allowedLatenessMs <= wm).sort((a, b) => a - b);
  }

  /** Waits until every closed hour has a succeeded rollup and no dirty mark; returns those still missing. */
  async waitRolledUp(hours: number[], timeoutMs: number): Promise<number[]> {
    let missing = hours;
    await pollUntil('every closed hour rolled up', async () => (missing = await this.notRolledUp(hours)).length === 0, { timeoutMs, everyMs: 1000 }).catch(() => undefined);
    return missing;
  }

  private async notRolledUp(hours: number[]): Promise<number[]> {
    if (hours.length === 0) return [];
    const starts = hours.map((h) => new Date(h));
    const done = await this.db()(TABLES.rollupRuns).where({ interval: 'hour', status: 'succeeded' }).whereIn('window_start', starts).distinct<{ window_start: Date }[]>('window_start');
    const dirty = await this.db()(TABLES.rollupDirty).where({ interval: 'hour' }).whereIn('window_start', starts).select<{ window_start: Date }[]>('window_start');
    const ok = new Set(done.map((r) => r.window_start.getTime()));
    for (const r of dirty) ok.delete(r.window_start.getTime());
    return hours.filter((h) => !ok.has(h));
  }

  /** Every closed hour: batch_table's overall rows and the overall batch window_totals row equal the ground truth exactly. */
  async checkClosedExact(driver: SalesDriver, hours: number[]): Promise<Check> {
    const problems: string[] = [];
    for (const h of hours) {
      const truth = driver.truth.get(h) ?? new Map<string, Sums>();
      const rows = await this.db()(TABLES.batchTable)
        .where({ interval: 'hour', window_start: new Date(h), channel: CHANNEL_ALL })
        .select<{ product_id: string; units: string; revenue_cents: string; orders: string }[]>('product_id', 'units', 'revenue_cents', 'orders');
      const got = new Map(rows.map((r) => [r.product_id, `${r.units}/${r.revenue_cents}/${r.orders}`]));
      let wrong = 0;
      for (const [p, s] of truth) if (got.get(p) !== `${s.units}/${s.revenue}/${s.orders}`) wrong++;
      for (const p of got.keys()) if (!truth.has(p)) wrong++;
      if (wrong > 0) problems.push(`${iso(h)}: ${wrong} of ${truth.size} products differ in batch_table`);
      const total = [...truth.values()].reduce((a, s) => ({ units: a.units + s.units, revenue: a.revenue + s.revenue, orders: a.orders + s.orders }), { units: 0n, revenue: 0n, orders: 0n });
      const t = await this.db()(TABLES.windowTotals).where({ interval: 'hour', window_start: new Date(h), source: 'batch', channel: CHANNEL_ALL }).first<{ units: string; revenue_cents: string; orders: string; products: string } | undefined>('units', 'revenue_cents', 'orders', 'products');
      const want = `${total.units}/${total.revenue}/${total.orders}/${truth.size}`;
      const have = t ? `${t.units}/${t.revenue_cents}/${t.orders}/${t.products}` : 'none';
      if (have !== want) problems.push(`${iso(h)}: window_totals ${have}, truth ${want}`);
    }
    return { name: 'closed windows exact', ok: problems.length === 0, detail: problems.length ? problems.slice(0, 5).join('; ') : `${hours.length} closed hours, batch_table and window_totals equal the ground truth` };
  }

  /** The committed flushes of each partition tile [low, ledger next offset) with no gap or overlap, and reach the log's end. */
  async checkTiling(): Promise<Check> {
    const logEnds = await this.logEnds(this.topics.events);
    const low = new Map((await topicOffsets(this.admin, this.topics.events)).map((o) => [o.partition, o.low]));
    const ledger = await this.ledgerOffsets();
    const flushes = await this.db()(TABLES.ingestFlushes)
      .where({ topic: this.topics.events, status: 'committed' })
      .orderBy([{ column: 'partition' }, { column: 'first_offset' }])
      .select<{ partition: number; first_offset: string; last_offset: string }[]>('partition', 'first_offset', 'last_offset');
    const problems: string[] = [];
    let n = 0;
    for (const [p, end] of logEnds) {
      let next = low.get(p) ?? 0n;
      for (const f of flushes.filter((x) => x.partition === p)) {
        n++;
        const first = BigInt(f.first_offset);
        if (first !== next) problems.push(`p${p}: ${first > next ? 'gap' : 'overlap'} at ${next} (flush from ${first})`);
        next = BigInt(f.last_offset) + 1n;
      }
      if ((ledger.get(p) ?? 0n) !== next) problems.push(`p${p}: flushes end at ${next}, ledger next offset ${ledger.get(p) ?? 0n}`);
      if (next !== end) problems.push(`p${p}: ledger at ${next}, log end ${end}`);
    }
    return { name: 'ledger tiles every partition', ok: problems.length === 0, detail: problems.length ? problems.slice(0, 6).join('; ') : `${n} committed flushes over ${logEnds.size} partitions, no gap, no overlap, at the log end` };
  }

  /** The lake's ledger-listed files (read through the lake module, a folder or S3) hold exactly the ground truth, every hour (open ones too). */
  async checkLake(driver: SalesDriver, lake: LakeStore): Promise<Check> {
    return compareSums(`lake equals the ground truth (${lake.location})`, driver, await readLakeSums(this.db(), lake), 'lake');
  }

  /**
   * The product-sums topic carries every committed flush: its records of committed flush ids, one per
   * (flush, minute, product, channel), sum to the ground truth. Tells a publish that lost records from a speed
   * layer that dropped them.
   */
  async checkProductSums(driver: SalesDriver): Promise<Check> {
    const committed = new Set((await this.db()(TABLES.ingestFlushes).where({ topic: this.topics.events, status: 'committed' }).select<{ flush_id: string }[]>('flush_id')).map((r) => r.flush_id));
    const seen = new Set<string>();
    const sums = new Map<string, { units: bigint; revenueCents: bigint; orders: bigint }>();
    for (const m of await readAll(this.kafka, this.admin, this.topics.sums)) {
      if (m.value === null) continue;
      const r = decodeProductSum(m.value);
      const id = `${r.flushId}|${productSumCellKey(r)}`; // one record per (flush, minute, product, channel)
      if (!committed.has(r.flushId) || seen.has(id)) continue;
      seen.add(id);
      const key = `${hourStartMs(r.minuteStartMs)}|${r.productId}`;
      const s = sums.get(key) ?? { units: 0n, revenueCents: 0n, orders: 0n };
      s.units += BigInt(r.units);
      s.revenueCents += BigInt(r.revenueCents);
      s.orders += BigInt(r.orders);
      sums.set(key, s);
    }
    return compareSums('product-sums carry every committed flush', driver, sums, 'product-sums');
  }

  /** The DLQ's keys are exactly the (partition:offset) of the events-topic messages the generator made malformed. */
  async checkDlq(driver: SalesDriver): Promise<Check> {
    const events = await readAll(this.kafka, this.admin, this.topics.events);
    const expected = new Set(events.filter((m) => m.value !== null && driver.malformed.has(m.value)).map((m) => `${m.partition}:${m.offset}`));
    const dlq = new Set((await readAll(this.kafka, this.admin, this.topics.dlq)).map((m) => m.key ?? ''));
    const missing = [...expected].filter((k) => !dlq.has(k));
    const extra = [...dlq].filter((k) => !expected.has(k));
    return {
      name: 'DLQ holds exactly the bad messages',
      ok: missing.length === 0 && extra.length === 0,
      detail: `${expected.size} malformed messages in the log, ${dlq.size} DLQ keys${missing.length ? `; missing ${missing.slice(0, 5).join(',')}` : ''}${extra.length ? `; unexpected ${extra.slice(0, 5).join(',')}` : ''}`,
    };
  }

  /** Open hours: each speed row's units and revenue lie in [truth, truth + its stated bound] (count-min only over-counts). */
  async checkOpenBounds(driver: SalesDriver, closed: number[]): Promise<Check> {
    const closedSet = new Set(closed);
    const open = [...driver.truth.keys()].filter((h) => !closedSet.has(h));
    let rows = 0;
    const problems: string[] = [];
    for (const h of open) {
      const truth = driver.truth.get(h)!;
      const speed = await this.db()(TABLES.speedTable)
        .where({ interval: 'hour', window_start: new Date(h), channel: CHANNEL_ALL })
        .select<{ product_id: string; units: string; revenue_cents: string; error_bound: string; revenue_error_bound: string }[]>('product_id', 'units', 'revenue_cents', 'error_bound', 'revenue_error_bound');
      for (const r of speed) {
        rows++;
        const t = truth.get(r.product_id) ?? { units: 0n, revenue: 0n, orders: 0n };
        const u = BigInt(r.units);
        const v = BigInt(r.revenue_cents);
        if (u < t.units || u > t.units + BigInt(r.error_bound) || v < t.revenue || v > t.revenue + BigInt(r.revenue_error_bound)) {
          problems.push(`${iso(h)} ${r.product_id}: speed ${u}/${v} ±${r.error_bound}/${r.revenue_error_bound}, truth ${t.units}/${t.revenue}`);
        }
      }
    }
    return { name: 'open windows within bounds', ok: problems.length === 0, detail: problems.length ? problems.slice(0, 4).join('; ') : `${open.length} open hours, ${rows} speed rows within their bounds` };
  }
}

function compareSums(name: string, driver: SalesDriver, got: Map<string, { units: bigint; revenueCents: bigint; orders: bigint }>, what: string): Check {
  const want = new Map<string, string>();
  for (const [h, products] of driver.truth) for (const [p, s] of products) want.set(`${h}|${p}`, `${s.units}/${s.revenue}/${s.orders}`);
  const problems: string[] = [];
  for (const [k, v] of want) {
    const g = got.get(k);
    const have = g ? `${g.units}/${g.revenueCents}/${g.orders}` : 'none';
    if (have !== v) problems.push(`${iso(Number(k.split('|')[0]))} ${k.split('|')[1]}: ${what} ${have}, truth ${v}`);
  }
  for (const k of got.keys()) if (!want.has(k)) problems.push(`${k}: in ${what}, not in the truth`);
  return { name, ok: problems.length === 0, detail: problems.length ? `${problems.length} differ: ${problems.slice(0, 4).join('; ')}` : `${want.size} (hour, product) sums equal` };
}

export interface TopicMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

/** Every message of a topic up to its current end, with a throwaway consumer group. */
export async function readAll(kafka: Kafka, admin: Admin, topic: string, timeoutMs = 120_000): Promise<TopicMessage[]> {
  const ends = new Map((await topicOffsets(admin, topic)).map((o) => [o.partition, o.high]));
  const pending = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  const out: TopicMessage[] = [];
  if (pending.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `chaos-reader-${process.pid}-${clock.now()}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic}: ${pending.size} partitions not read to their end in ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) out.push({ partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? null });
            const last = batch.messages.length ? BigInt(batch.messages[batch.messages.length - 1]!.offset) + 1n : 0n;
            if (last >= (ends.get(batch.partition) ?? 0n)) pending.delete(batch.partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out.filter((m) => BigInt(m.offset) < (ends.get(m.partition) ?? 0n));
}
