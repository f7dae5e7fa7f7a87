import { join } from 'node:path';

const HOUR_MS = 3_600_000;

/** Start of the UTC hour holding `ms`. */
export function hourStartMs(ms: number): number {
  return ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

/**
 * A flush's file for one hour, relative to the lake root (the form stored in `ingest_files.path`):
 * `raw/date=YYYY-MM-DD/hour=HH/p{partition}-{first}-{last}.parquet`. Derived from the range only,
 * so a replay of the same flush writes the same names.
 */
export function rawFilePath(hourMs: number, partition: number, firstOffset: number, lastOffset: number): string {
  const iso = new Date(hourMs).toISOString();
  return `raw/date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/${flushFileName(partition, firstOffset, lastOffset)}`;
}

export function flushFileName(partition: number, firstOffset: number, lastOffset: number): string {
  return `p${partition}-${firstOffset}-${lastOffset}.parquet`;
}

/** Where files are written before their atomic rename: one folder, so orphan clean-up never walks the lake. */
export function tmpDir(lakeDir: string): string {
  return join(lakeDir, '_tmp');
}

/** Temporary files of a partition start with this (then the range, then the writer's pid). */
export function tmpPrefix(partition: number): string {
  return `p${partition}-`;
}
