import pg from 'pg';

/** Postgres type OIDs whose text parsing we override (see `SELECT oid, typname FROM pg_type`). */
const OID = { int8: 20, int8Array: 1016 } as const;

type TextParser = (value: string) => unknown;
const defaultParser = (oid: number, format: string): TextParser =>
  (pg.types.getTypeParser as (oid: number, format: string) => TextParser)(oid, format);
const parseInt8Array = defaultParser(OID.int8Array, 'text') as (text: string) => (string | null)[];

/**
 * How values come back from Postgres through `createDb`:
 *
 * - `bigint` / `int8` / `bigserial` (every amount in cents, every offset, `count(*)`) → JS `bigint`.
 *   Exact at any size, and the type system stops `a + b` from silently concatenating the
 *   strings pg would give by default. DuckDB's node API also returns BIGINT as `bigint`, so the
 *   batch and serving layers see one type. Note `JSON.stringify` throws on `bigint`: convert at
 *   the JSON edge (`String(x)`, or `Number(x)` where the value is known to be small).
 * - `numeric` → `string` (pg's default, kept on purpose): never parsed to a float. Cast sums of
 *   bigints back to `::bigint` in SQL (`sum(bigint)` is `numeric` in Postgres).
 * - `int4` / `int2` → `number`; `timestamptz` → `Date`; everything else is pg's default.
 *
 * Bind parameters may be `bigint`: pg sends `value.toString()`. (knex's TypeScript `Value` type omits
 * bigint: object forms such as `where({ next_offset: n })` type-check; for `raw(sql, [n])` or
 * `where('col', n)` pass `String(n)` or cast.)
 *
 * These parsers are per connection (passed as the client's `types`), so code that uses `pg`
 * directly keeps pg's global defaults untouched.
 */
export const hitboardTypes = {
  getTypeParser(oid: number, format: string = 'text'): TextParser {
    if (format === 'text') {
      if (oid === OID.int8) return (text: string) => BigInt(text);
      if (oid === OID.int8Array) {
        return (text: string) => parseInt8Array(text).map((v) => (v === null ? null : BigInt(v)));
      }
    }
    return defaultParser(oid, format);
  },
};
