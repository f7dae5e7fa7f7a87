import { reportFilePath } from '@hitboard/lake';
import { reportCsv, type ReportData } from './report-render';
import { reportFileStamp } from './reporter';

const data = (productId: string, name: string): ReportData => ({
  report: 'daily', interval: 'day', windowStart: new Date('2026-11-20T00:00:00Z'), windowEnd: new Date('2026-11-21T00:00:00Z'), label: '2026-11-20', zone: 'UTC', metric: 'units',
  top: [{ rank: 1, productId, name, category: '@SUM(A1)', units: '5', revenueCents: '100', orders: '2' }],
  movers: [{ productId, name, category: 'k', direction: 'up', since: new Date('2026-11-20T10:00:00Z'), peakFactor: 4, units: '5' }],
});

describe('reportCsv', () => {
  it('defuses formulas in every cell, as the dashboard\'s CSV does (one writer for both)', () => {
    const csv = reportCsv(data('=HYPERLINK("https://evil.example","click")', '+cmd|calc'));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('section,rank,product_id,name,category,units,revenue_cents,orders,factor,since');
    expect(lines[1]).toBe(`top,1,"'=HYPERLINK(""https://evil.example"",""click"")",'+cmd|calc,'@SUM(A1),5,100,2,,`);
    expect(lines[2]).toBe(`mover,1,"'=HYPERLINK(""https://evil.example"",""click"")",'+cmd|calc,k,5,,,4.00,2026-11-20T10:00:00.000Z`);
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});

describe('report file names', () => {
  const hour = (iso: string) => ({ start: new Date(iso), end: new Date(Date.parse(iso) + 3_600_000) });

  it('an hourly report is named by its hour, so each hour keeps its own files', () => {
    expect(reportFileStamp(hour('2026-11-20T14:00:00Z'), 'UTC')).toBe('2026-11-20T1400+0000');
    expect(reportFileStamp(hour('2026-11-20T15:00:00Z'), 'UTC')).toBe('2026-11-20T1500+0000');
    expect(reportFileStamp(hour('2026-11-20T00:00:00Z'), 'UTC')).toBe('2026-11-20T0000+0000');
    expect(reportFileStamp(hour('2026-11-20T08:30:00Z'), 'Asia/Kolkata')).toBe('2026-11-20T1400+0530');
    // The night the clocks go back in New York: 01:00 EDT and 01:00 EST are two hours, two names.
    const edt = reportFileStamp(hour('2026-11-01T05:00:00Z'), 'America/New_York');
    const est = reportFileStamp(hour('2026-11-01T06:00:00Z'), 'America/New_York');
    expect([edt, est]).toEqual(['2026-11-01T0100-0400', '2026-11-01T0100-0500']);
    expect(reportFilePath('hourly', edt, 'csv')).toBe('reports/hourly/hourly-2026-11-01T0100-0400.csv');
  });

  it('a day or longer keeps its first local day (a 23-hour day included)', () => {
    expect(reportFileStamp({ start: new Date('2026-11-20T00:00:00Z'), end: new Date('2026-11-21T00:00:00Z') }, 'UTC')).toBe('2026-11-20');
    expect(reportFileStamp({ start: new Date('2026-03-08T05:00:00Z'), end: new Date('2026-03-09T04:00:00Z') }, 'America/New_York')).toBe('2026-03-08');
    expect(reportFileStamp({ start: new Date('2026-11-16T00:00:00Z'), end: new Date('2026-11-23T00:00:00Z') }, 'UTC')).toBe('2026-11-16');
  });
});
