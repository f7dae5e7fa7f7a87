import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';
import type { ImportFormat } from './read-rows';

export interface ImportRecord {
  content_sha256: string;
  file_name: string;
  format: ImportFormat;
  topic: string;
  status: 'running' | 'completed' | 'failed';
  next_row: bigint;
  rows_read: bigint;
  rows_sent: bigint;
  rows_rejected: bigint;
  units: bigint;
  revenue_cents: bigint;
  first_event_at: Date | null;
  last_event_at: Date | null;
  attempts: number;
  forced: number;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

/** What starting an import found: a new file, one to resume, or one already imported. */
export type Claim = { kind: 'new' } | { kind: 'resume'; nextRow: number; previous: ImportRecord } | { kind: 'done'; previous: ImportRecord } | { kind: 'forced'; previous: ImportRecord };

/** How far a running import got (its `imports` row): everything before `nextRow` is on Kafka. */
export interface ImportCheckpoint {
  nextRow: number;
  rowsRead: number;
  rowsSent: number;
  rowsRejected: number;
  units: bigint;
  revenueCents: bigint;
  firstEventMs: number | null;
  lastEventMs: number | null;
}

/** The `imports` table: what has been imported, by content hash, and how far a running import got. */
export class ImportLedger {
  constructor(private readonly knex: Knex) {}

  get(sha256: string): Promise<ImportRecord | undefined> {
    return this.knex(TABLES.imports).where({ content_sha256: sha256 }).first<ImportRecord | undefined>();
  }

  /** Starts (or resumes, or re-runs when forced) the import of a file; `done` when it was completed and not forced. */
  async claim(file: { sha256: string; name: string; format: ImportFormat; topic: string }, force: boolean): Promise<Claim> {
    return this.knex.transaction(async (trx) => {
      const previous = await trx(TABLES.imports).where({ content_sha256: file.sha256 }).forUpdate().first<ImportRecord | undefined>();
      if (!previous) {
        await trx(TABLES.imports).insert({ content_sha256: file.sha256, file_name: file.name, format: file.format, topic: file.topic, status: 'running' });
        return { kind: 'new' };
      }
      if (previous.status === 'completed' && !force) return { kind: 'done', previous };
      if (previous.status === 'completed') {
        await trx(TABLES.imports).where({ content_sha256: file.sha256 }).update({
          status: 'running', next_row: 0, rows_read: 0, rows_sent: 0, rows_rejected: 0, units: 0, revenue_cents: 0,
          first_event_at: null, last_event_at: null, attempts: previous.attempts + 1, forced: previous.forced + 1, finished_at: null, error: null, updated_at: trx.fn.now(),
        });
        return { kind: 'forced', previous };
      }
      await trx(TABLES.imports).where({ content_sha256: file.sha256 }).update({ status: 'running', attempts: previous.attempts + 1, error: null, updated_at: trx.fn.now() });
      return { kind: 'resume', nextRow: Number(previous.next_row), previous };
    });
  }

  /** Records the import's checkpoint: everything before `nextRow` is on Kafka. */
  async checkpoint(sha256: string, p: ImportCheckpoint): Promise<void> {
    await this.knex(TABLES.imports).where({ content_sha256: sha256 }).update(this.row(p));
  }

  async finish(sha256: string, p: ImportCheckpoint): Promise<void> {
    await this.knex(TABLES.imports).where({ content_sha256: sha256 }).update({ ...this.row(p), status: 'completed', finished_at: this.knex.fn.now() });
  }

  async fail(sha256: string, error: string): Promise<void> {
    await this.knex(TABLES.imports).where({ content_sha256: sha256 }).update({ status: 'failed', error: error.slice(0, 2000), updated_at: this.knex.fn.now() });
  }

  private row(p: ImportCheckpoint) {
    return {
      next_row: p.nextRow,
      rows_read: p.rowsRead,
      rows_sent: p.rowsSent,
      rows_rejected: p.rowsRejected,
      units: p.units.toString(),
      revenue_cents: p.revenueCents.toString(),
      first_event_at: p.firstEventMs === null ? null : new Date(p.firstEventMs),
      last_event_at: p.lastEventMs === null ? null : new Date(p.lastEventMs),
      updated_at: this.knex.fn.now(),
    };
  }
}
