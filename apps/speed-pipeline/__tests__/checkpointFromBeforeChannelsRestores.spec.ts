import { clock } from '@hitboard/runtime';
/**
 * A shard checkpointed by the build before channels (issue 27) resumes from that checkpoint: its
 * window blobs are bare overall sketches, its dedupe keys minute|product, and it wrote overall
 * rows only. The new build restores it with the overall figures intact, counts nothing twice (a
 * replay of the flush it was in drops, its keys read as channel 'unknown'), and starts each open
 * window's channels empty. The consumer is a fake; the pipeline, the store and Postgres are real.
 */
import { IntervalRegistry } from '@hitboard/time';
import { CHANNEL_ALL, TABLES, type ProductSum } from '@hitboard/schema';
import { ShardState } from '../src/shard-state';
import { SpeedStore } from '../src/speed-store';
import { flushOf, unitsByWindow, useScenario } from './support';

const TOPIC = 'speed-sums-fake';
const H7 = Date.parse('2026-11-22T07:00:00Z');
const HOUR = new Date(H7).toISOString();

/** A record as published before channels: no channel field. */
const withoutChannel = ({ channel: _, ...rest }: ProductSum): Buffer => Buffer.from(JSON.stringify(rest));

describe('a checkpoint from before channels', () => {
  const s = useScenario();

  it('restores: overall figures continue, nothing is counted twice, channels start empty', async () => {
    // Flush p0-0-9 (offsets 0, 1 of the shard) as the old aggregator published it; the old build applied both.
    const old = flushOf(0, 0, 9, [
      { productId: 'a', minuteStartMs: H7 + 60_000, units: 3, channel: 'unknown' },
      { productId: 'b', minuteStartMs: H7 + 60_000, units: 2, channel: 'unknown' },
    ]);
    const state = new ShardState({ registry: IntervalRegistry.standard('UTC'), topk: { eps: 1e-3, delta: 0.01, seed: 1, capacity: 200 }, horizonMs: 48 * 3_600_000 });
    old.forEach((r, i) => state.apply(r, BigInt(i), clock.now()));
    const write = state.takeWrite(1000);
    // What that build wrote: bare TopKSketch blobs, no channel lists, dedupe keys without a channel or key format.
    for (const w of write.replace) {
      w.blob = state.windows.get(w.key)!.topk.encode();
      w.channels = [];
    }
    write.header.dedupe = { sources: write.header.dedupe.sources.map(([src, high, keys]) => [src, high, keys.map((k) => k.replace('|unknown|', '|'))]) };
    await new SpeedStore(s.db.knex, TOPIC).write(0, write);
    expect(JSON.stringify(write.header.dedupe)).not.toMatch(/unknown/);

    const run = await s.startFake(TOPIC);
    run.fake.join([0]);
    const next = flushOf(0, 10, 19, [
      { productId: 'a', minuteStartMs: H7 + 120_000, units: 4, channel: 'web' },
      { productId: 'c', minuteStartMs: H7 + 120_000, units: 1, channel: 'app' },
    ]);
    // Offsets 0, 1 are below the checkpoint; offset 2 replays record b of the old flush (the aggregator crashed mid-publish).
    const resolved = await run.fake.deliver(0, 0, [...old.map(withoutChannel), withoutChannel(old[1]!), ...next]);
    expect(resolved).toEqual(['0', '1', '2', '3', '4']);
    await run.pipeline.writeAll();

    expect((await unitsByWindow(s.db.knex, 'hour'))[HOUR]).toEqual({ a: 7, b: 2, c: 1 });
    expect((await unitsByWindow(s.db.knex, 'hour', 'web'))[HOUR]).toEqual({ a: 4 });
    expect((await unitsByWindow(s.db.knex, 'hour', 'app'))[HOUR]).toEqual({ c: 1 });
    expect((await unitsByWindow(s.db.knex, 'hour', 'unknown'))[HOUR]).toBeUndefined();
    const totals = await s.db
      .knex(TABLES.windowTotals)
      .where({ interval: 'hour', window_start: new Date(H7), source: 'speed' })
      .orderBy('channel')
      .select('channel', 'units');
    expect(totals).toEqual([
      { channel: CHANNEL_ALL, units: 10n },
      { channel: 'app', units: 1n },
      { channel: 'web', units: 4n },
    ]);
  });
});
