import { TABLES } from '@hitboard/schema';
import { scratchDatabase, type ScratchDatabase } from './support/scratch-database';

describe('createDb', () => {
  let db: ScratchDatabase;
  beforeAll(async () => (db = await scratchDatabase({ migrated: true })));
  afterAll(() => db.drop());

  it('returns int8 columns as exact bigint, beyond 2^53 too', async () => {
    const big = 2n ** 62n + 1n; // not representable as a double
    await db.knex(TABLES.ingestOffsets).insert({ topic: 't', partition: 0, next_offset: big });
    const row = await db.knex(TABLES.ingestOffsets).first('next_offset', 'partition');
    expect(row).toEqual({ next_offset: big, partition: 0 });
  });

  it('returns count(*) and bigint arrays as bigint, and keeps numeric as an exact string', async () => {
    const { rows } = await db.knex.raw<{ rows: Record<string, unknown>[] }>(
      `SELECT count(*) AS n, ARRAY[1, 9007199254740993]::bigint[] AS arr, 12345678901234567890.01::numeric AS num,
              sum(x)::numeric AS total, 7::int AS small
         FROM (VALUES (9007199254740993::bigint)) v(x)`,
    );
    expect(rows[0]).toEqual({ n: 1n, arr: [1n, 9007199254740993n], num: '12345678901234567890.01', total: '9007199254740993', small: 7 });
  });

  it('accepts bigint bind parameters', async () => {
    // pg sends a bigint as its decimal text. knex's `Value` type omits bigint, hence the cast for raw
    // bindings; object forms (`insert({...})`, `where({...})`) on untyped tables need none.
    const big = 9007199254740993n as unknown as number;
    const { rows } = await db.knex.raw<{ rows: { v: bigint }[] }>('SELECT ?::bigint + 1 AS v', [big]);
    expect(rows[0]?.v).toBe(9007199254740994n);
  });
});
