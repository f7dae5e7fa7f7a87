import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceFingerprint } from './dashboard-build';

describe('sourceFingerprint', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-fingerprint-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/page.tsx'), 'export default 1;\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('changes with a source, not with builds, test builds, their markers or test artifacts', () => {
    const before = sourceFingerprint(dir);
    for (const out of ['.next', '.next-test', 'test-artifacts', '__tests__']) {
      mkdirSync(join(dir, out));
      writeFileSync(join(dir, out, 'x.js'), String(Math.random()));
    }
    writeFileSync(join(dir, '.next-test.built-for-123'), 'x');
    expect(sourceFingerprint(dir)).toBe(before);
    writeFileSync(join(dir, 'src/page.tsx'), 'export default 2;\n');
    expect(sourceFingerprint(dir)).not.toBe(before);
  });
});
