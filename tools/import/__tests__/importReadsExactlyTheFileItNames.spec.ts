/**
 * The import reads the file it names, whole and once, against a fresh real Postgres and real DuckDB
 * (the producer is a collector here: what reaches Kafka is the live-path spec's business):
 * - a name DuckDB would glob (`export[1].csv`, `export?.csv`) beside the file the glob matches;
 * - a reject file that is the input itself;
 * - a file appended to after it was hashed (the hash must name exactly the rows parsed);
 * - an NDJSON line far past the size limit.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, linkSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES, type SaleEvent } from '@hitboard/schema';
import { freshDatabase, type FreshDatabase } from '@hitboard/testkit';
import { runImport, type ImportOptions, type KeyedMessage } from '../src';

const event = (id: string, productId = 'P1'): SaleEvent => ({
  event_id: id,
  order_id: `o-${id}`,
  product_id: productId,
  quantity: 2,
  unit_price_cents: 150,
  currency: 'USD',
  occurred_at: '2026-11-20T10:00:00.000Z',
  store_id: 's',
  user_id: 'u',
  channel: 'web',
});
const COLUMNS = ['event_id', 'order_id', 'product_id', 'quantity', 'unit_price_cents', 'currency', 'occurred_at', 'store_id', 'user_id', 'channel'] as const;
const csv = (events: SaleEvent[]) => [COLUMNS.join(','), ...events.map((e) => COLUMNS.map((c) => String(e[c])).join(','))].join('\n') + '\n';
const ndjson = (events: SaleEvent[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

describe('import reads exactly the file it names', () => {
  let db: FreshDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'import-names-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const importing = async (path: string, options: Partial<ImportOptions> = {}) => {
    const sent: KeyedMessage[] = [];
    const summary = await runImport({
      path,
      databaseUrl: db.url,
      topic: 'sales.events',
      rejectsPath: `${path}.rejects.ndjson`,
      send: async (messages) => void sent.push(...messages),
      now: () => Date.parse('2026-11-25T00:00:00Z'),
      ...options,
    });
    return { summary, ids: sent.map((m) => (JSON.parse(m.value) as SaleEvent).event_id) };
  };

  it.each([
    ['export[1].csv', 'export1.csv'],
    ['export?.csv', 'exportX.csv'],
  ])('imports %s, not %s beside it that DuckDB would glob it into', async (named, other) => {
    writeFileSync(join(dir, named), csv([event(`${named}-1`), event(`${named}-2`)]));
    writeFileSync(join(dir, other), csv([event(`${other}-1`), event(`${other}-2`), event(`${other}-3`)]));
    const { summary, ids } = await importing(join(dir, named));
    expect(ids).toEqual([`${named}-1`, `${named}-2`]);
    expect(summary).toMatchObject({ outcome: 'imported', rowsRead: 2, rowsSent: 2, sha256: sha256(readFileSync(join(dir, named))) });
    const record = await db.knex(TABLES.imports).where({ content_sha256: summary.sha256 }).first();
    expect(record).toMatchObject({ file_name: named, status: 'completed' });
  });

  it('refuses a reject file that is the input (by the same name, another spelling, or a hard link), and leaves the input as it was', async () => {
    const path = join(dir, 'sales.ndjson');
    const content = ndjson([event('a'), event('b')]);
    writeFileSync(path, content);
    linkSync(path, join(dir, 'link.ndjson'));
    for (const rejectsPath of [path, join(dir, '.', 'x', '..', 'sales.ndjson'), join(dir, 'link.ndjson')]) {
      await expect(importing(path, { rejectsPath })).rejects.toThrow(/--rejects .* is the file being imported/);
    }
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(await db.knex(TABLES.imports).where({ content_sha256: sha256(content) })).toEqual([]);
  });

  it('parses exactly the bytes it hashed, even when the file grows after the hash', async () => {
    const path = join(dir, 'growing.ndjson');
    const first = ndjson([event('g1'), event('g2')]);
    writeFileSync(path, first);
    // onStart runs after the hash and before the rows are read: the writer appends a row then.
    const { summary, ids } = await importing(path, { onStart: () => appendFileSync(path, ndjson([event('g3')])) });
    expect(ids).toEqual(['g1', 'g2']);
    expect(summary).toMatchObject({ rowsRead: 2, sha256: sha256(first) });
    // The grown file is another content: imported as such later, and its record names its own rows.
    const again = await importing(path);
    expect(again.summary).toMatchObject({ outcome: 'imported', rowsRead: 3, sha256: sha256(readFileSync(path)) });
  });

  it('refuses an NDJSON line far past the size limit as oversized without holding it, and goes on with the next line', async () => {
    const path = join(dir, 'huge.ndjson');
    const huge = JSON.stringify({ ...event('h0'), pad: 'x'.repeat(8 * 1024 * 1024) });
    writeFileSync(path, `${JSON.stringify(event('h1'))}\n${huge}\n${JSON.stringify(event('h2'))}\n`);
    const { summary, ids } = await importing(path);
    expect(ids).toEqual(['h1', 'h2']);
    expect(summary).toMatchObject({ rowsRead: 3, rowsRejected: 1, rejectsByReason: { oversized: 1 } });
    const rejects = readFileSync(`${path}.rejects.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string; message: string; row: string });
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ line: 2, reason: 'oversized', message: `line is ${Buffer.byteLength(huge)} bytes; the limit is 4096` });
    expect(rejects[0]!.row.length).toBeLessThanOrEqual(4097); // only the line's start was kept
  });
});
