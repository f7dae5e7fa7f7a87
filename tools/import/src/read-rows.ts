import { createReadStream } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '@hitboard/lake';
import { DEFAULT_VALIDATOR_OPTIONS } from '@hitboard/schema';

export type ImportFormat = 'csv' | 'ndjson' | 'parquet';

/** One record of the export: where it is (1-based line, or row for Parquet) and its content. */
export interface SourceRow {
  line: number;
  /** A JSON text (NDJSON lines as they are; CSV and Parquet rows as DuckDB's to_json of the row). */
  json: string;
  /** The row is malformed before any field can be read (a CSV line with the wrong number of columns). */
  malformed?: string;
  /** An NDJSON line longer than the limit: its length in bytes (`json` then holds only its start). */
  oversizedBytes?: number;
}

/** Longest NDJSON line kept whole (bytes); a longer one is counted, not held, and refused as oversized. */
export interface ReadOptions {
  maxLineBytes: number;
}

/** The validator's own limit: a line it would refuse as oversized is never held longer than that. */
const DEFAULT_READ: ReadOptions = { maxLineBytes: DEFAULT_VALIDATOR_OPTIONS.maxBytes };

export function formatOf(path: string, given?: string): ImportFormat {
  const format = (given ?? /\.(csv|ndjson|jsonl|json|parquet)(\.gz)?$/i.exec(path)?.[1]?.toLowerCase()) as string | undefined;
  if (format === 'csv' || format === 'parquet') return format;
  if (format === 'ndjson' || format === 'jsonl' || format === 'json') return 'ndjson';
  throw new Error(`cannot tell the format of ${path}: name it .csv, .ndjson or .parquet, or pass --format`);
}

/**
 * Reads an export row by row, in file order, with the line each row came from.
 * - NDJSON: read line by line here (exact line numbers; a line that is not JSON still becomes a
 *   row, which the validator refuses with its reason; blank lines are skipped).
 * - CSV: DuckDB (header row, every column as text, one thread so order is kept); lines with the
 *   wrong number of columns are reported by DuckDB's reject table. Line numbers assume one
 *   record per line (no newlines inside quoted fields).
 * - Parquet: DuckDB; `line` is the row number (1-based). A TIMESTAMP occurred_at becomes ISO UTC.
 * `path` must be a private snapshot (libs/lake `snapshotFile`), never the path a user typed: DuckDB
 * reads it as a glob.
 */
export async function* readRows(path: string, format: ImportFormat, options: ReadOptions = DEFAULT_READ): AsyncGenerator<SourceRow> {
  if (format === 'ndjson') {
    for await (const l of boundedLines(path, options.maxLineBytes)) {
      if (l.bytes > options.maxLineBytes) yield { line: l.line, json: l.text, oversizedBytes: l.bytes };
      else if (l.text.trim() !== '') yield { line: l.line, json: l.text };
    }
    return;
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    if (format === 'csv') yield* readCsv(connection, path);
    else yield* readParquet(connection, path);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function* readCsv(connection: DuckDBConnection, path: string): AsyncGenerator<SourceRow> {
  const source = `read_csv(${sqlString(path)}, header = true, all_varchar = true, parallel = false, store_rejects = true)`;
  // A first pass finds the malformed lines (DuckDB skips and records them), so the rows that are
  // read can be numbered by the lines they really sit on.
  await connection.run(`SELECT count(*) FROM ${source}`);
  const rejected = await connection.runAndReadAll('SELECT line::BIGINT AS line, error_message, csv_line FROM reject_errors ORDER BY line');
  const bad = new Map<number, string>();
  for (const r of rejected.getRowObjectsJS()) bad.set(Number(r['line']), `${String(r['error_message'])}: ${String(r['csv_line'])}`);
  let line = 1; // the header
  const nextLine = function* (): Generator<SourceRow> {
    for (line++; bad.has(line); line++) yield { line, json: '', malformed: bad.get(line)! };
  };
  const result = await connection.stream(`SELECT to_json(t)::VARCHAR AS row FROM ${source} t`);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const value of chunk.getColumnValues(0)) {
      yield* nextLine();
      yield { line, json: String(value) };
    }
  }
  // Malformed lines after the last good row.
  const last = Math.max(0, ...bad.keys());
  while (line < last) yield* nextLine();
}

async function* readParquet(connection: DuckDBConnection, path: string): AsyncGenerator<SourceRow> {
  const source = `read_parquet(${sqlString(path)}, file_row_number = true)`;
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const types = new Map(described.getRowObjectsJS().map((r) => [String(r['column_name']), String(r['column_type'])]));
  const occurred = types.get('occurred_at') ?? '';
  // Exports often store the time as a Parquet timestamp: give the validator the ISO instant it expects.
  const replace = /^TIMESTAMP/.test(occurred)
    ? ` REPLACE (strftime(${occurred === 'TIMESTAMP WITH TIME ZONE' ? "occurred_at AT TIME ZONE 'UTC'" : 'occurred_at'}, '%Y-%m-%dT%H:%M:%S.%gZ') AS occurred_at)`
    : '';
  const result = await connection.stream(`SELECT file_row_number::BIGINT + 1 AS line, to_json(t)::VARCHAR AS row FROM (SELECT *${replace} FROM ${source}) t ORDER BY file_row_number`);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const lines = chunk.getColumnValues(0);
    const rows = chunk.getColumnValues(1);
    for (let i = 0; i < chunk.rowCount; i++) yield { line: Number(lines[i]), json: String(rows[i]) };
  }
}

/** How many records a file holds (for the progress bar): lines for NDJSON, rows for CSV and Parquet. */
export async function countRows(path: string, format: ImportFormat, options: ReadOptions = DEFAULT_READ): Promise<number> {
  if (format === 'ndjson') {
    let n = 0;
    for await (const l of boundedLines(path, options.maxLineBytes)) if (l.bytes > options.maxLineBytes || l.text.trim() !== '') n++;
    return n;
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const source = format === 'csv' ? `read_csv(${sqlString(path)}, header = true, all_varchar = true, store_rejects = true)` : `read_parquet(${sqlString(path)})`;
    const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${source}`);
    const rejected = format === 'csv' ? Number((await connection.runAndReadAll('SELECT count(DISTINCT line)::BIGINT AS n FROM reject_errors')).getRowObjectsJS()[0]!['n']) : 0;
    return Number(reader.getRowObjectsJS()[0]!['n']) + rejected;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * A file's lines (LF or CRLF), numbered from 1, each held only up to `maxBytes` + 1 bytes: a longer
 * line is counted to its end but not kept, so one endless line cannot take the process's memory
 * (readline held it whole before anything could measure it).
 */
export async function* boundedLines(path: string, maxBytes: number): AsyncGenerator<{ line: number; text: string; bytes: number }> {
  let line = 0;
  let parts: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  const take = (piece: Buffer) => {
    bytes += piece.length;
    const room = maxBytes + 1 - kept;
    if (room > 0) {
      const part = piece.length > room ? piece.subarray(0, room) : piece;
      parts.push(Buffer.from(part)); // a copy: a subarray would keep its whole 64 KiB chunk alive
      kept += part.length;
    }
  };
  const end = () => {
    let text = Buffer.concat(parts).toString('utf8');
    if (kept === bytes && text.endsWith('\r')) {
      text = text.slice(0, -1);
      bytes--;
    }
    const out = { line: ++line, text, bytes };
    parts = [];
    kept = 0;
    bytes = 0;
    return out;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl >= 0; nl = chunk.indexOf(10, from)) {
      take(chunk.subarray(from, nl));
      yield end();
      from = nl + 1;
    }
    if (from < chunk.length) take(chunk.subarray(from));
  }
  if (bytes > 0) yield end();
}
