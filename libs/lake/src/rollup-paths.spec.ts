import { rollupFilePath } from './rollup-paths';

describe('rollupFilePath', () => {
  it('names a window by interval and UTC start (a :30 zone keeps its minutes)', () => {
    expect(rollupFilePath('hour', Date.parse('2026-01-01T05:30:00Z'))).toBe('rollup/hour/2026-01-01/hour-2026-01-01T05-30-00Z.parquet');
    expect(rollupFilePath('year', Date.parse('2025-12-31T18:30:00Z'))).toBe('rollup/year/2025-12-31/year-2025-12-31T18-30-00Z.parquet');
  });

  it('refuses an interval name that would escape its folder', () => {
    expect(() => rollupFilePath('../x', 0)).toThrow(/not usable in a path/);
  });
});
