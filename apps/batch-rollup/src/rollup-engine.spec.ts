import { fileSystemNow } from '@hitboard/runtime';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tmpDir } from '@hitboard/lake';
import { removeOrphans } from './rollup-engine';

describe('removeOrphans', () => {
  let lakeDir: string;
  beforeEach(() => {
    lakeDir = mkdtempSync(join(tmpdir(), 'rollup-orphans-'));
    mkdirSync(tmpDir(lakeDir));
  });
  afterEach(() => rmSync(lakeDir, { recursive: true, force: true }));

  it("removes old temporary rollup files, keeps young ones and the aggregator's", async () => {
    const now = fileSystemNow(tmpDir(lakeDir)); // mtimes are the file system's clock (it differs from the process's under libfaketime)
    for (const name of ['rollup-1-aa.tmp', 'rollup-2-bb.tmp', 'p3-100-250-h1.7-cc.tmp']) writeFileSync(join(tmpDir(lakeDir), name), 'x');
    const old = new Date(now - 2 * 3_600_000);
    utimesSync(join(tmpDir(lakeDir), 'rollup-1-aa.tmp'), old, old);
    utimesSync(join(tmpDir(lakeDir), 'p3-100-250-h1.7-cc.tmp'), old, old);
    expect(await removeOrphans(tmpDir(lakeDir), 3_600_000)).toEqual(['rollup-1-aa.tmp']);
    expect(readdirSync(tmpDir(lakeDir)).sort()).toEqual(['p3-100-250-h1.7-cc.tmp', 'rollup-2-bb.tmp']);
  });
});
