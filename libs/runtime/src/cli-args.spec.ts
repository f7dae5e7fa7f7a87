import { parseArgs, parseInstant, UsageError } from './cli-args';

describe('cli arguments', () => {
  it('parses valued options and flags, and names what is wrong', () => {
    expect(parseArgs(['--interval', 'day', '--dry-run'], ['interval'], ['dry-run'])).toEqual({ interval: 'day', 'dry-run': true });
    expect(() => parseArgs(['--intervl', 'day'], ['interval'], [])).toThrow(new UsageError('unknown option --intervl'));
    expect(() => parseArgs(['--interval'], ['interval'], [])).toThrow(/--interval needs a value/);
    expect(() => parseArgs(['--interval', '--dry-run'], ['interval'], ['dry-run'])).toThrow(new UsageError('--interval needs a value'));
    expect(() => parseArgs(['day'], ['interval'], [])).toThrow(new UsageError('unexpected argument "day"'));
    expect(parseArgs(['--interval=day'], ['interval'], ['dry-run'])).toEqual({ interval: 'day' });
  });

  it('reads a date as midnight in the reporting zone', () => {
    expect(new Date(parseInstant('2026-01-01', 'Asia/Kolkata', 'from')).toISOString()).toBe('2025-12-31T18:30:00.000Z');
    expect(() => parseInstant('yesterday', 'UTC', 'from')).toThrow(/--from/);
  });
});
