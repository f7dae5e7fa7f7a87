/** Byte order of UTF-8 strings, as Postgres `COLLATE "C"` sorts: the tie-break of every ranking. */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * 1-based ranks of `rows` by `value` descending, ties by id in byte order: the batch layer's rule,
 * computed independently of it (for seeding a database and for the expected answer of a test).
 */
export function ranksBy<T>(rows: readonly T[], value: (row: T) => bigint, id: (row: T) => string): Map<string, number> {
  const sorted = [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    return va === vb ? byteOrder(id(a), id(b)) : va > vb ? -1 : 1;
  });
  return new Map(sorted.map((r, i) => [id(r), i + 1]));
}
