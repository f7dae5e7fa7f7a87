import { chartFileName } from './chart-file-name';

describe('chartFileName', () => {
  it('names the chart, its interval and window start in the reporting zone, then the qualifiers', () => {
    expect(chartFileName('top10', 'hour', '2026-12-02T14:00:00.000Z', 'UTC', ['units', null])).toBe('hitboard-top10-hour-2026-12-02T14-units.png');
    // Kolkata's hours start at :30 UTC: the name shows the local hour.
    expect(chartFileName('top10', 'hour', '2026-12-02T08:30:00.000Z', 'Asia/Kolkata', ['revenue', 'Home & Garden'])).toBe(
      'hitboard-top10-hour-2026-12-02T14-revenue-Home-Garden.png',
    );
    expect(chartFileName('top10', 'day', '2026-12-01T23:00:00.000Z', 'Europe/Berlin', ['units'])).toBe('hitboard-top10-day-2026-12-02-units.png');
    expect(chartFileName('top10', 'month', '2026-12-01T00:00:00.000Z', 'UTC')).toBe('hitboard-top10-month-2026-12.png');
    expect(chartFileName('trend', 'hour', '2026-12-02T14:00:00.000Z', 'UTC', ['P0105', 'units'])).toBe('hitboard-trend-hour-2026-12-02T14-P0105-units.png');
  });

  it('keeps only safe characters from what a user typed into a category', () => {
    expect(chartFileName('top10', 'year', '2026-01-01T00:00:00.000Z', 'UTC', ['../../etc/passwd', 'Ünïcode'])).toBe('hitboard-top10-year-2026-etc-passwd-n-code.png');
  });
});
