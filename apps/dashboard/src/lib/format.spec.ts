import { formatCents, formatCount, formatShare, formatWindow, formatWindowShort } from './format';

describe('formatCents', () => {
  it('formats cents as currency without losing digits past 2^53', () => {
    expect(formatCents('0')).toBe('$0.00');
    expect(formatCents('5')).toBe('$0.05');
    expect(formatCents('123456')).toBe('$1,234.56');
    expect(formatCents('123456789012345678')).toBe('$1,234,567,890,123,456.78');
    expect(formatCents('-250')).toBe('-$2.50');
  });
});

describe('other formats', () => {
  it('counts, shares and windows', () => {
    expect(formatCount('9007199254740993')).toBe('9,007,199,254,740,993');
    expect(formatShare(0.1234)).toBe('12.3 %');
    expect(formatShare(null)).toBe('—');
    expect(formatWindow('2026-11-28T10:00:00Z', '2026-11-28T11:00:00Z', 'hour', 'UTC')).toBe('Sat, 28 Nov 2026, 10:00–11:00');
    expect(formatWindow('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', 'month', 'UTC')).toBe('November 2026');
    expect(formatWindow('2026-11-23T00:00:00Z', '2026-11-30T00:00:00Z', 'week', 'UTC')).toBe('23 Nov 2026 – 29 Nov 2026');
  });
});

describe('formatWindowShort', () => {
  it('names an hour without its year (a phone shows the picker whole), other windows as formatWindow', () => {
    expect(formatWindowShort('2026-12-07T00:00:00Z', '2026-12-07T01:00:00Z', 'hour', 'UTC')).toBe('Mon 7 Dec, 00:00–01:00');
    expect(formatWindowShort('2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z', 'month', 'UTC')).toBe('December 2026');
  });
});
