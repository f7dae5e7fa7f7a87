import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { makeCatalog } from './catalog';
import { GroundTruthWriter } from './ground-truth';
import { planResume, CheckpointFile, type GeneratorCheckpoint } from './resume-state';
import { runStream } from './send';
import { SalesStream, type Emission } from './stream';

const start = Date.parse('2026-11-20T10:00:00Z');
const catalog = makeCatalog(100, 2);
const segments = [{ fromMs: start, ratePerSec: 20 }];
const newStream = () => new SalesStream({ seed: 3, catalog, segments, duplicateShare: 0.05, malformedShare: 0.05 });
const fresh = (): GeneratorCheckpoint => ({ seed: 3, products: 100, segments, position: { chunkStartMs: start, emitted: 0 }, inflightUntil: null, sentEvents: 0 });

describe('runStream with a checkpoint file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gen-send-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes after a crash mid-send: every event reaches Kafka at least once, the ground truth gets each exactly once after dedupe', async () => {
    const untilMs = start + 120_000;
    const reference: Emission[] = [];
    await runStream({ stream: newStream(), from: fresh().position, untilMs, batchSize: 200, send: async (e) => void reference.push(...e), now: () => untilMs });

    const file = new CheckpointFile(join(dir, 'checkpoint.json'));
    const truthPath = join(dir, 'truth.ndjson');
    const delivered: Emission[] = [];
    let batchesSent = 0;
    // First run: the third batch reaches "Kafka" but the process dies before its ack is recorded.
    const crashing = async (e: Emission[]) => {
      if (++batchesSent === 3) {
        delivered.push(...e);
        throw new Error('crash after send');
      }
      delivered.push(...e);
    };
    const truth1 = new GroundTruthWriter(truthPath);
    await expect(runStream({ stream: newStream(), from: fresh().position, untilMs, batchSize: 200, send: crashing, truth: truth1, checkpoint: { file, state: fresh() }, now: () => untilMs })).rejects.toThrow('crash');
    await truth1.close();
    expect(file.read()?.inflightUntil).not.toBeNull();

    // Second run: replay the in-flight batch, then carry on.
    const plan = planResume(file.read(), fresh(), untilMs, { maxCatchUpMs: Infinity });
    expect(plan.resumed).toBe(true);
    const truth2 = new GroundTruthWriter(truthPath);
    const checkpoint = { file, state: plan.state };
    const send = async (e: Emission[]) => void delivered.push(...e);
    await runStream({ stream: newStream(), from: plan.state.position, untilMs: plan.replayUntilMs!, batchSize: 200, send, truth: truth2, checkpoint, now: () => untilMs });
    await runStream({ stream: newStream(), from: plan.continueFrom, untilMs, batchSize: 200, send, truth: truth2, checkpoint, now: () => untilMs });
    await truth2.close();

    const distinct = (list: Emission[]) => new Set(list.filter((e) => e.kind === 'event').map((e) => e.value));
    expect(distinct(delivered)).toEqual(distinct(reference));
    // The re-sent batch is the only repeat, and it repeats byte for byte (same event ids).
    expect(delivered.length).toBeGreaterThan(reference.length);
    const truthIds = readFileSync(truthPath, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { event_id: string }).event_id);
    expect(new Set(truthIds)).toEqual(new Set(reference.filter((e) => e.kind === 'event').map((e) => e.event.event_id)));
    expect(file.read()).toMatchObject({ position: { chunkStartMs: untilMs }, inflightUntil: null });
  });

  it('paces live chunks by the clock: nothing is sent for a second that has not passed', async () => {
    const sentChunks: number[] = [];
    const clock = start + 5_000;
    const abort = new AbortController();
    const run = runStream({
      stream: newStream(),
      from: { chunkStartMs: start, emitted: 0 },
      untilMs: Infinity,
      batchSize: 1,
      send: async (e) => {
        for (const x of e) if (x.kind === 'event') sentChunks.push(Date.parse(x.event.occurred_at));
        if (sentChunks.length > 0 && clock === start + 5_000) setTimeout(() => abort.abort(), 100);
      },
      signal: abort.signal,
      now: () => clock,
    });
    const result = await run;
    // The clock stands at start + 5 s: the five past seconds went out, the sixth waited for its time.
    expect(sentChunks.length).toBeGreaterThan(0);
    expect(Math.max(...sentChunks)).toBeLessThan(start + 5_000);
    expect(result.position).toEqual({ chunkStartMs: start + 5_000, emitted: 0 });
  });

  it('skips a long stop (the shop was closed) instead of generating hours at once, after replaying the in-flight batch', () => {
    const previous: GeneratorCheckpoint = { ...fresh(), position: { chunkStartMs: start + 10_000, emitted: 0 }, inflightUntil: { chunkStartMs: start + 12_000, emitted: 3 }, sentEvents: 10 };
    const now = start + 5 * 3_600_000 + 400;
    const plan = planResume(previous, fresh(), now, { maxCatchUpMs: 60_000, ratePerSec: 50 });
    expect(plan.replayUntilMs).toBe(start + 13_000);
    expect(plan.continueFrom).toEqual({ chunkStartMs: start + 5 * 3_600_000, emitted: 0 });
    expect(plan.state.segments).toEqual([...segments, { fromMs: start + 5 * 3_600_000, ratePerSec: 50 }]);
    expect(() => planResume(previous, { ...fresh(), seed: 4 }, now, { maxCatchUpMs: 60_000 })).toThrow(/seed 3/);
  });
});

describe('GroundTruthWriter', () => {
  it('writes Parquet that DuckDB reads back with every event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-truth-'));
    try {
      const stream = newStream();
      const events = stream.chunk(start + 3_600_000).flatMap((e) => (e.kind === 'event' ? [e.event] : []));
      const writer = new GroundTruthWriter(join(dir, 'truth.parquet'));
      writer.append(events);
      await writer.close();
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n, sum(quantity * unit_price_cents)::BIGINT AS revenue FROM read_parquet('${join(dir, 'truth.parquet')}')`);
      const [row] = reader.getRowObjectsJS();
      connection.closeSync();
      instance.closeSync();
      expect(row!['n']).toBe(events.length);
      expect(row!['revenue']).toBe(BigInt(events.reduce((s, e) => s + e.quantity * e.unit_price_cents, 0)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
