/**
 * The file system's clock: a file's mtime is stamped by the kernel (or the file server), not by the
 * process's clock, so an age computed from mtimes must take "now" from the same place. It differs from
 * `clock` when a process runs on a chosen instant (HITBOARD_CLOCK_START, libfaketime) or a mounted
 * file server's clock is off. Read by stamping a probe file in `dir` and reading its mtime back.
 */
import { statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let probes = 0;

export function fileSystemNow(dir: string): number {
  const probe = join(dir, `.clock-probe-${process.pid}-${probes++}`);
  writeFileSync(probe, '');
  try {
    return statSync(probe).mtimeMs;
  } finally {
    unlinkSync(probe);
  }
}
