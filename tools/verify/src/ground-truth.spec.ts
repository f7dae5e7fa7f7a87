import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ChannelFilter } from '@hitboard/schema';
import { GroundTruth } from './ground-truth';

const line = (id: string, quantity: number, channel?: string) =>
  `${JSON.stringify({ event_id: id, product_id: 'P1', quantity, unit_price_cents: 100, occurred_at: '2026-11-20T10:00:00.000Z', ...(channel ? { channel } : {}) })}\n`;

describe('GroundTruth.load', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'verify-truth-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const unitsOf = async (path: string) => {
    const truth = await GroundTruth.load(path);
    try {
      return { events: truth.events, units: (await truth.window(truth.fromMs, truth.toMs)).totals.units };
    } finally {
      truth.close();
    }
  };

  it('reads the file it names, not the one DuckDB would glob its name into', async () => {
    writeFileSync(join(dir, 'truth[1].ndjson'), line('a', 1) + line('b', 2));
    writeFileSync(join(dir, 'truth1.ndjson'), line('x', 10) + line('y', 20) + line('z', 30));
    expect(await unitsOf(join(dir, 'truth[1].ndjson'))).toEqual({ events: 2n, units: 3n });
  });

  it('reads a truth file the generator is still appending to up to its last whole line', async () => {
    const path = join(dir, 'live.ndjson');
    writeFileSync(path, line('a', 1) + line('b', 2) + line('c', 4).slice(0, 25));
    expect(await unitsOf(path)).toEqual({ events: 2n, units: 3n });
  });

  it('sums per channel: each channel alone, all of them together, an event without a channel as unknown', async () => {
    const path = join(dir, 'channels.ndjson');
    writeFileSync(path, line('a', 1, 'web') + line('b', 2, 'app') + line('c', 4, 'web') + line('d', 8) + line('a', 1, 'web'));
    const truth = await GroundTruth.load(path);
    try {
      const units = async (channel?: ChannelFilter) => (await truth.window(truth.fromMs, truth.toMs, channel)).totals.units;
      expect([await units(), await units('all'), await units('web'), await units('app'), await units('unknown'), await units('store')]).toEqual([15n, 15n, 5n, 2n, 8n, 0n]);
    } finally {
      truth.close();
    }
  });

  it('reads a Parquet truth written before events had a channel: every sale is unknown', async () => {
    const path = join(dir, 'old.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      await c.run(`COPY (SELECT * FROM (VALUES ('a', 'P1', 3::BIGINT, 100::BIGINT, '2026-11-20T10:00:00.000Z')) v(event_id, product_id, quantity, unit_price_cents, occurred_at)) TO '${path}' (FORMAT parquet)`);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    const truth = await GroundTruth.load(path);
    try {
      expect((await truth.window(truth.fromMs, truth.toMs, 'unknown')).totals.units).toBe(3n);
      expect((await truth.window(truth.fromMs, truth.toMs, 'web')).totals.units).toBe(0n);
    } finally {
      truth.close();
    }
  });
});
