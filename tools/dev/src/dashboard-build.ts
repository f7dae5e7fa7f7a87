import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SKIP = new Set(['node_modules', '.turbo', '__tests__', 'coverage', 'test-artifacts']);
// Builds (.next, the tests' .next-test and its run markers) are outputs, not sources: hashing them made every test build look like a source change.
const isBuildOutput = (name: string) => name.startsWith('.next');

/** A fingerprint of the dashboard's sources (paths, sizes, contents' hash): the build is reused while it is unchanged. */
export function sourceFingerprint(dir: string, extraFiles: string[] = []): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (SKIP.has(name) || isBuildOutput(name)) continue;
      const path = join(d, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else hash.update(`${relative(dir, path)}\0${stat.size}\0`).update(readFileSync(path));
    }
  };
  walk(dir);
  for (const f of extraFiles) if (existsSync(f)) hash.update(readFileSync(f));
  return hash.digest('hex');
}

/** Whether a build made from these sources exists (its stamp, written after a successful build, matches). */
export function buildIsCurrent(stampFile: string, buildDir: string, fingerprint: string): boolean {
  return existsSync(buildDir) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === fingerprint;
}

export function recordBuild(stampFile: string, fingerprint: string): void {
  writeFileSync(stampFile, `${fingerprint}\n`);
}
