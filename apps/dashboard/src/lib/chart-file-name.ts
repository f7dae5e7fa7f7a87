import { DateTime } from 'luxon';

/** A window's start in the reporting zone at its interval's precision, for file names (no colons: they trouble some file systems). */
const STAMP: Record<string, string> = {
  minute: "yyyy-MM-dd'T'HHmm",
  hour: "yyyy-MM-dd'T'HH",
  day: 'yyyy-MM-dd',
  week: 'yyyy-MM-dd', // the week's first day: week numbering differs by where a week starts
  month: 'yyyy-MM',
  year: 'yyyy',
};

/** Letters and digits only (a category is free text): no path separators, no spaces, nothing to quote. */
const slug = (part: string): string => part.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

/**
 * The name a downloaded chart gets: `hitboard-top10-hour-2026-12-02T14-units.png` — which chart, its
 * interval and window (start in the reporting zone), then qualifiers (metric, category, product), so a
 * folder of downloads sorts by chart and time and no two views of one window collide. The CSV of a list
 * is named the same way (`hitboard-top1000-hour-2026-12-02T14-units.csv`).
 */
export function chartFileName(
  chart: string,
  interval: string,
  windowStartIso: string,
  timeZone: string,
  qualifiers: ReadonlyArray<string | null> = [],
  extension = 'png',
): string {
  const stamp = DateTime.fromISO(windowStartIso, { zone: timeZone }).toFormat(STAMP[interval] ?? "yyyy-MM-dd'T'HHmm");
  const parts = [chart, interval, stamp, ...qualifiers.filter((q): q is string => q !== null)].map(slug).filter(Boolean);
  return `hitboard-${parts.join('-')}.${extension}`;
}

/** A range's file name: `hitboard-top1000-range-2026-11-27T18-to-2026-11-30T06-units.csv` (local hours of the reporting zone). */
export function rangeFileName(chart: string, fromIso: string, toIso: string, timeZone: string, qualifiers: ReadonlyArray<string | null> = [], extension = 'csv'): string {
  const stamp = (v: string) => DateTime.fromISO(v, { zone: timeZone }).toFormat("yyyy-MM-dd'T'HH");
  const parts = [chart, 'range', stamp(fromIso), 'to', stamp(toIso), ...qualifiers.filter((q): q is string => q !== null)].map(slug).filter(Boolean);
  return `hitboard-${parts.join('-')}.${extension}`;
}
