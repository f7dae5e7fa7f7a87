import { clock } from '@hitboard/runtime';
import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Client } from 'pg';
import { createDb } from '@hitboard/db-client';
import { snapshotFile } from '@hitboard/lake';
import { DEFAULT_VALIDATOR_OPTIONS, type ValidatorOptions } from '@hitboard/schema';
import { checkRow, type RowReason, type RowVerdict } from './check-row';
import { ImportLedger, type ImportCheckpoint } from './import-records';
import { countRows, formatOf, readRows, type ImportFormat } from './read-rows';

export interface KeyedMessage {
  key: string;
  value: string;
}

export interface ImportOptions {
  path: string;
  format?: ImportFormat;
  databaseUrl: string;
  topic: string;
  /** Produces one batch and resolves once Kafka acknowledged all of it (acks from every in-sync replica). */
  send(messages: KeyedMessage[]): Promise<void>;
  /** Where each refused row goes (NDJSON: line, reason, field, message, row). Rewritten by every run. */
  rejectsPath: string;
  /** Import again a file already imported (see the README: the aggregator still drops event ids it saw recently). */
  force?: boolean;
  /** Valid rows per producer send. Keep far below the aggregator's DEDUPE_WINDOW_OFFSETS: a crash re-sends at most one batch. */
  batchSize?: number; // default 1000
  validator?: ValidatorOptions;
  now?: () => number;
  onStart?(info: { totalRows: number; resumeFromRow: number }): void;
  onProgress?(rowsDone: number): void;
}

export interface ImportSummary {
  outcome: 'imported' | 'resumed' | 'forced' | 'skipped';
  sha256: string;
  format: ImportFormat;
  rowsRead: number;
  rowsSent: number;
  /** Valid rows this run produced (less than rowsSent when an earlier run had sent some). */
  rowsSentNow: number;
  rowsRejected: number;
  rejectsByReason: Partial<Record<RowReason, number>>;
  units: bigint;
  revenueCents: bigint;
  firstEventMs: number | null;
  lastEventMs: number | null;
  resumedFromRow: number;
  /** When it was imported before (for a skip). */
  previouslyFinishedAt?: Date | null;
}

/** Refuses a reject file that is the input itself (by name or by inode): writing it truncated the input, which was then recorded as imported. */
async function refuseRejectsOverInput(input: string, rejects: string): Promise<void> {
  const inode = (path: string) => stat(path).then((s) => `${s.dev}:${s.ino}`, () => null);
  const [a, b] = await Promise.all([inode(input), inode(rejects)]);
  const same = resolve(input) === resolve(rejects) || (a !== null && a === b);
  if (same) throw new Error(`--rejects ${rejects} is the file being imported: give the refused rows another file`);
}

export class ImportBusyError extends Error {
  constructor(sha256: string) {
    super(`another import of this file (sha256 ${sha256.slice(0, 12)}…) is running`);
    this.name = 'ImportBusyError';
  }
}

/**
 * Imports an export through the live path: each valid row is produced to the events topic keyed by
 * product_id (so the aggregator validates, dedupes and writes it to the lake exactly once, and the
 * batch layer's late-data handling rebuilds the windows it lands in). Every row is read and checked
 * on every run (so the reject file and the counts are always whole); only rows at or after the
 * recorded resume point are sent.
 */
export async function runImport(o: ImportOptions): Promise<ImportSummary> {
  const format = o.format ?? formatOf(o.path);
  const batchSize = o.batchSize ?? 1000;
  await refuseRejectsOverInput(o.path, o.rejectsPath);
  // Everything below reads this one copy: the hash names exactly the rows parsed (a file still
  // being written was hashed on one read and parsed on another), and DuckDB never sees the user's
  // path (it globbed `export[1].csv` into export1.csv).
  const snapshot = await snapshotFile(o.path, { name: `source.${format}` });
  try {
    return await importSnapshot(o, format, batchSize, snapshot.path, snapshot.sha256);
  } finally {
    await snapshot.release();
  }
}

async function importSnapshot(o: ImportOptions, format: ImportFormat, batchSize: number, source: string, sha256: string): Promise<ImportSummary> {
  const knex = createDb(o.databaseUrl);
  // One session holds the per-file advisory lock for the whole import.
  const lock = new Client({ connectionString: o.databaseUrl });
  await lock.connect();
  const ledger = new ImportLedger(knex);
  try {
    const locked = await lock.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('hitboard-import:' || $1, 0)) AS ok", [sha256]);
    if (!locked.rows[0]?.ok) throw new ImportBusyError(sha256);
    const claim = await ledger.claim({ sha256, name: basename(o.path), format, topic: o.topic }, o.force ?? false);
    const empty = { rowsRead: 0, rowsSent: 0, rowsSentNow: 0, rowsRejected: 0, rejectsByReason: {}, units: 0n, revenueCents: 0n, firstEventMs: null, lastEventMs: null, resumedFromRow: 0 };
    if (claim.kind === 'done') {
      const p = claim.previous;
      return {
        ...empty,
        outcome: 'skipped',
        sha256,
        format,
        rowsRead: Number(p.rows_read),
        rowsSent: Number(p.rows_sent),
        rowsRejected: Number(p.rows_rejected),
        units: p.units,
        revenueCents: p.revenue_cents,
        previouslyFinishedAt: p.finished_at,
      };
    }
    const resumeFrom = claim.kind === 'resume' ? claim.nextRow : 0;
    try {
      const summary = await importRows(o, source, format, sha256, ledger, resumeFrom, batchSize);
      return { ...summary, outcome: claim.kind === 'resume' ? 'resumed' : claim.kind === 'forced' ? 'forced' : 'imported' };
    } catch (err) {
      await ledger.fail(sha256, (err as Error).message).catch(() => undefined);
      throw err;
    }
  } finally {
    await lock.end().catch(() => undefined);
    await knex.destroy();
  }
}

async function importRows(
  o: ImportOptions,
  source: string,
  format: ImportFormat,
  sha256: string,
  ledger: ImportLedger,
  resumeFrom: number,
  batchSize: number,
): Promise<Omit<ImportSummary, 'outcome'>> {
  const read = { maxLineBytes: o.validator?.maxBytes ?? DEFAULT_VALIDATOR_OPTIONS.maxBytes };
  const total = await countRows(source, format, read);
  o.onStart?.({ totalRows: total, resumeFromRow: resumeFrom });
  const rejects = createWriteStream(o.rejectsPath, { flags: 'w' });
  const seen = new Set<string>();
  const nowMs = (o.now ?? clock.now)();
  const byReason: Partial<Record<RowReason, number>> = {};
  const p: ImportCheckpoint = { nextRow: resumeFrom, rowsRead: 0, rowsSent: 0, rowsRejected: 0, units: 0n, revenueCents: 0n, firstEventMs: null, lastEventMs: null };
  let sentNow = 0;
  let batch: KeyedMessage[] = [];
  let ordinal = 0;
  const flush = async (nextRow: number) => {
    if (batch.length > 0) await o.send(batch);
    sentNow += batch.length;
    batch = [];
    p.nextRow = Math.max(p.nextRow, nextRow);
    await ledger.checkpoint(sha256, p);
  };
  try {
    for await (const row of readRows(source, format, read)) {
      const index = ordinal++;
      p.rowsRead++;
      const verdict: RowVerdict = row.malformed
        ? { ok: false, reason: 'malformed_row', message: row.malformed }
        : row.oversizedBytes !== undefined
          ? { ok: false, reason: 'oversized', message: `line is ${row.oversizedBytes} bytes; the limit is ${read.maxLineBytes}` }
          : checkRow(row.json, { format, seen, nowMs, ...(o.validator ? { validator: o.validator } : {}) });
      if (!verdict.ok) {
        p.rowsRejected++;
        byReason[verdict.reason] = (byReason[verdict.reason] ?? 0) + 1;
        await write(rejects, `${JSON.stringify({ line: row.line, reason: verdict.reason, ...(verdict.field ? { field: verdict.field } : {}), message: verdict.message, row: row.json })}\n`);
      } else {
        const e = verdict.event;
        p.rowsSent++;
        p.units += BigInt(e.quantity);
        p.revenueCents += BigInt(e.quantity) * BigInt(e.unit_price_cents);
        p.firstEventMs = p.firstEventMs === null ? verdict.occurredAtMs : Math.min(p.firstEventMs, verdict.occurredAtMs);
        p.lastEventMs = p.lastEventMs === null ? verdict.occurredAtMs : Math.max(p.lastEventMs, verdict.occurredAtMs);
        // Rows before the resume point were acknowledged by an earlier run: checked and counted, not sent again.
        if (index >= resumeFrom) batch.push({ key: e.product_id, value: JSON.stringify(e) });
      }
      if (batch.length >= batchSize) await flush(index + 1);
      if (p.rowsRead % 1000 === 0) o.onProgress?.(p.rowsRead);
    }
    await flush(ordinal);
    o.onProgress?.(p.rowsRead);
    await ledger.finish(sha256, p);
  } finally {
    await new Promise<void>((resolve) => rejects.end(resolve));
  }
  return {
    sha256,
    format,
    rowsRead: p.rowsRead,
    rowsSent: p.rowsSent,
    rowsSentNow: sentNow,
    rowsRejected: p.rowsRejected,
    rejectsByReason: byReason,
    units: p.units,
    revenueCents: p.revenueCents,
    firstEventMs: p.firstEventMs,
    lastEventMs: p.lastEventMs,
    resumedFromRow: resumeFrom,
  };
}

function write(stream: WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => (stream.write(text) ? resolve() : stream.once('drain', resolve)));
}
