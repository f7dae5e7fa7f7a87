import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { checkRow } from './check-row';
import { countRows, formatOf, readRows, type ImportFormat, type SourceRow } from './read-rows';

const good = (i: number) => ({
  event_id: `e${i}`, order_id: `o${i}`, product_id: `P${i}`, quantity: 2, unit_price_cents: 150, currency: 'USD',
  occurred_at: '2026-11-20T10:00:00.000Z', store_id: 's', user_id: 'u', channel: 'web',
});

async function rows(path: string, format: ImportFormat): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of readRows(path, format)) out.push(r);
  return out;
}

const verdicts = (list: SourceRow[], format: ImportFormat) => {
  const seen = new Set<string>();
  const nowMs = Date.parse('2026-11-25T00:00:00Z');
  return list.map((r) => {
    const v = r.malformed ? { ok: false as const, reason: 'malformed_row' } : checkRow(r.json, { format, seen, nowMs });
    return { line: r.line, verdict: v.ok ? 'ok' : v.reason };
  });
};

describe('readRows + checkRow', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'import-read-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('NDJSON: exact line numbers, blank lines skipped, a line that is not JSON refused as invalid_json, a repeated id refused', async () => {
    const path = join(dir, 'a.ndjson');
    writeFileSync(path, [JSON.stringify(good(1)), '', '{"event_id": ', JSON.stringify({ ...good(2), quantity: 0 }), JSON.stringify(good(1)), JSON.stringify(good(3))].join('\n'));
    const list = await rows(path, 'ndjson');
    expect(verdicts(list, 'ndjson')).toEqual([
      { line: 1, verdict: 'ok' },
      { line: 3, verdict: 'invalid_json' },
      { line: 4, verdict: 'invalid_quantity' },
      { line: 5, verdict: 'duplicate_event_id' },
      { line: 6, verdict: 'ok' },
    ]);
    expect(await countRows(path, 'ndjson')).toBe(5);
  });

  it('CSV: numbers from text, empty cells as missing, wrong column counts as malformed rows on their own lines', async () => {
    const path = join(dir, 'a.csv');
    const header = 'event_id,order_id,product_id,quantity,unit_price_cents,currency,occurred_at,store_id,user_id,channel,lat,lon';
    const line = (o: Record<string, unknown>) => header.split(',').map((c) => (o[c] ?? '') as string).join(',');
    writeFileSync(path, [header, line(good(1)), line({ ...good(2), quantity: '1.5' }), 'x,y', line({ ...good(3), lat: '95' }), line({ ...good(4), store_id: '' })].join('\n') + '\n');
    expect(verdicts(await rows(path, 'csv'), 'csv')).toEqual([
      { line: 2, verdict: 'ok' },
      { line: 3, verdict: 'invalid_quantity' },
      { line: 4, verdict: 'malformed_row' },
      { line: 5, verdict: 'invalid_field' },
      { line: 6, verdict: 'missing_field' },
    ]);
    expect(await countRows(path, 'csv')).toBe(5);
  });

  it('Parquet: a TIMESTAMP occurred_at becomes the ISO instant, NULL coordinates are absent, rows numbered from 1', async () => {
    const path = join(dir, 'a.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (
      SELECT * FROM (VALUES
        ('e1', 'o1', 'P1', 2, 150, 'USD', TIMESTAMP '2026-11-20 10:00:00.250', 's', 'u', 'web', NULL::DOUBLE, NULL::DOUBLE),
        ('e2', 'o2', 'P2', -1, 150, 'USD', TIMESTAMP '2026-11-20 11:00:00', 's', 'u', 'web', 40.7, -74.0)
      ) t(event_id, order_id, product_id, quantity, unit_price_cents, currency, occurred_at, store_id, user_id, channel, lat, lon)
    ) TO '${path}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    const list = await rows(path, 'parquet');
    expect(verdicts(list, 'parquet')).toEqual([
      { line: 1, verdict: 'ok' },
      { line: 2, verdict: 'invalid_quantity' },
    ]);
    const first = checkRow(list[0]!.json, { format: 'parquet', seen: new Set(), nowMs: Date.parse('2026-11-25T00:00:00Z') });
    expect(first.ok && first.event.occurred_at).toBe('2026-11-20T10:00:00.250Z');
    expect(first.ok && 'lat' in first.event).toBe(false);
  });

  it('tells the format from the name', () => {
    expect(formatOf('x.CSV')).toBe('csv');
    expect(formatOf('x.jsonl')).toBe('ndjson');
    expect(() => formatOf('x.xlsx')).toThrow(/--format/);
  });
});
