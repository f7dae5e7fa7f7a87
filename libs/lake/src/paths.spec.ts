import { hourStartMs, rawFilePath } from './paths';

describe('lake paths', () => {
  it('names a flush file by UTC date, hour, partition and offset range', () => {
    const hour = hourStartMs(Date.parse('2026-11-22T07:42:13Z'));
    expect(new Date(hour).toISOString()).toBe('2026-11-22T07:00:00.000Z');
    expect(rawFilePath(hour, 3, 100, 250)).toBe('raw/date=2026-11-22/hour=07/p3-100-250.parquet');
  });
});
