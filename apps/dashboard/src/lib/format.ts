import type { Metric } from './types';

/** Display formatting, shared by server components and client charts. Amounts arrive as decimal strings. */

/** Cents (a decimal string, any size) as currency, without passing the whole amount through a float. */
export function formatCents(cents: string, currency = 'USD', locale = 'en-US'): string {
  const negative = cents.startsWith('-');
  const digits = (negative ? cents.slice(1) : cents).padStart(3, '0');
  const whole = BigInt(digits.slice(0, -2));
  const fraction = digits.slice(-2);
  const formatter = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // Format a bigint whole part (exact), then swap its ".00" for the real cents.
  const parts = formatter.formatToParts(whole);
  const text = parts.map((p) => (p.type === 'fraction' ? fraction : p.value)).join('');
  return negative ? `-${text}` : text;
}

export function formatCount(value: string, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale).format(BigInt(value));
}

export function formatFigure(value: string, metric: Metric): string {
  return metric === 'revenue' ? formatCents(value) : formatCount(value);
}

export function formatShare(share: number | null): string {
  if (share === null) return '—';
  return `${(share * 100).toFixed(share < 0.001 ? 3 : 1)} %`;
}

/** "3 s ago", "5 min ago", "2 h ago". */
export function formatAgo(fromIso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/** A window's start in the reporting zone, at the interval's precision. */
export function formatWindow(startIso: string, endIso: string, interval: string, timeZone: string): string {
  const start = new Date(startIso);
  const end = new Date(endIso);
  const date = (d: Date, opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone, ...opts }).format(d);
  const lastDay = new Date(end.getTime() - 1);
  switch (interval) {
    case 'hour':
      return `${date(start, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' })}, ${date(start, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}–${date(end, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`;
    case 'day':
      return date(start, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
    case 'month':
      return date(start, { month: 'long', year: 'numeric' });
    case 'year':
      return date(start, { year: 'numeric' });
    default:
      return `${date(start, { day: 'numeric', month: 'short', year: 'numeric' })} – ${date(lastDay, { day: 'numeric', month: 'short', year: 'numeric' })}`;
  }
}

export function formatClock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** A window's name in a list of windows (the recent-windows picker): an hour without its year, so a phone shows it whole. */
export function formatWindowShort(startIso: string, endIso: string, interval: string, timeZone: string): string {
  if (interval !== 'hour') return formatWindow(startIso, endIso, interval, timeZone);
  const date = (iso: string, opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone, ...opts }).format(new Date(iso));
  const clock = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  return `${date(startIso, { weekday: 'short', day: 'numeric', month: 'short' })}, ${date(startIso, clock)}–${date(endIso, clock)}`;
}

/** A range [from, to) in the reporting zone: "30 Oct 2026, 22:00 → 2 Dec 2026, 03:00". */
export function formatRange(fromIso: string, toIso: string, timeZone: string): string {
  const f = (iso: string) =>
    new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
  return `${f(fromIso)} → ${f(toIso)}`;
}
