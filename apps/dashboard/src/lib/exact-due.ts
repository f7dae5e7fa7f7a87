import { DateTime } from 'luxon';
import type { IntervalRegistry, Window } from '@hitboard/time';

/**
 * When a closed window's exact figures are expected: the batch layer's first scheduled pass (the
 * interval's cron, in the reporting zone) after the window is ready. An hour is ready once the
 * watermark has passed its end plus the allowed lateness; a longer window once its last child is
 * rolled up (day ← its last hour, week and month ← their last day, year ← its last month). This is the
 * schedule when ingest keeps up, not a promise: a page past it says the rollup is late.
 * Returns null for a window of an interval the batch layer does not roll up on a schedule.
 */
export function exactDueAt(registry: IntervalRegistry, window: Window, allowedLatenessMs: number): Date | null {
  const spec = registry.get(window.interval);
  if (!spec.rolledUpFrom || !spec.cron) return null;
  const child = registry.get(spec.rolledUpFrom);
  const readyMs = child.rolledUpFrom
    ? exactDueAt(registry, registry.windowAt(child.name, window.end.getTime() - 1), allowedLatenessMs)?.getTime()
    : window.end.getTime() + allowedLatenessMs;
  if (readyMs === undefined) return null;
  return nextCronMinute(spec.cron, readyMs, registry.timeZone);
}

/**
 * The first minute at or after `atMs` that a five-field cron expression fires on, in `timeZone`. Reads the
 * minute and hour fields (`*`, `n`, `*\/n`, `a,b`); day, month and weekday must be `*` (every registered
 * interval's schedule is); anything else returns null rather than a wrong time.
 */
export function nextCronMinute(cron: string, atMs: number, timeZone: string): Date | null {
  const [minute, hour, ...rest] = cron.trim().split(/\s+/);
  if (!minute || !hour || rest.length !== 3 || rest.some((f) => f !== '*')) return null;
  const minutes = field(minute, 60);
  const hours = field(hour, 24);
  if (!minutes || !hours) return null;
  let t = DateTime.fromMillis(Math.ceil(atMs / 60_000) * 60_000, { zone: timeZone });
  for (let i = 0; i < 2 * 24 * 60; i++, t = t.plus({ minutes: 1 })) {
    if (minutes.has(t.minute) && hours.has(t.hour)) return t.toJSDate();
  }
  return null;
}

function field(text: string, size: number): Set<number> | null {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const step = /^\*\/(\d+)$/.exec(part);
    if (part === '*') for (let v = 0; v < size; v++) out.add(v);
    else if (step) for (let v = 0; v < size; v += Number(step[1])) out.add(v);
    else if (/^\d+$/.test(part) && Number(part) < size) out.add(Number(part));
    else return null;
  }
  return out;
}
