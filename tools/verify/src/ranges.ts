import { seededRandom } from '@hitboard/random';
import type { IntervalRegistry } from '@hitboard/time';

/** An hour-aligned range [fromMs, toMs) in the reporting zone, and why it was picked. */
export interface RangePick {
  name: string;
  fromMs: number;
  toMs: number;
}

export interface RangeChoice {
  /** Seeded random ranges besides the fixed ones. */
  random: number;
  seed: number;
  /** The longest range the dashboard answers (its DASHBOARD_MAX_RANGE_DAYS): longer picks keep their last days. */
  maxRangeDays: number;
}

export const DEFAULT_RANGES: RangeChoice = { random: 2, seed: 1, maxRangeDays: 400 };

const HOUR_MS = 3_600_000;
/** Hours either side of the day boundary the crossing range takes. */
const AROUND_BOUNDARY_HOURS = 6;

/**
 * The ranges verify asks for over [fromMs, toMs): hour-aligned in the registry's zone (the hour windows
 * of the span, so a :30 UTC zone gets :30 ranges), each cut to `maxRangeDays` (its last days):
 * - `every hour`: the whole span (built days and months tile it, the edges are hours);
 * - `last 36 hours`: what an analyst asks most, ending with the newest hour (often not built yet);
 * - `across a day boundary`: 6 hours either side of the first local midnight with hours on both sides
 *   (a range no single built window covers);
 * - `random N`: seeded start and length, the same for the same seed and span.
 * Duplicates (a short span makes several picks the same range) are asked once. Pure: no clock.
 */
export function pickRanges(registry: IntervalRegistry, fromMs: number, toMs: number, choice: RangeChoice): RangePick[] {
  if (!(toMs > fromMs)) return [];
  const hours = registry.windowsBetween('hour', fromMs, toMs);
  if (hours.length === 0) return [];
  const startOf = (i: number) => hours[i]!.start.getTime();
  const endOf = (i: number) => hours[i]!.end.getTime();
  const last = hours.length - 1;
  const picks: RangePick[] = [];
  const add = (name: string, first: number, lastHour: number) => {
    const to = endOf(lastHour);
    const longest = choice.maxRangeDays * 24 * HOUR_MS;
    let from = startOf(first);
    // Cut from the front to whole hours within the limit (hours are whole hours in every zone verify sees).
    if (to - from > longest) from = startOf(hours.findIndex((h) => to - h.start.getTime() <= longest));
    if (!picks.some((p) => p.fromMs === from && p.toMs === to)) picks.push({ name, fromMs: from, toMs: to });
  };

  add('every hour', 0, last);
  add('last 36 hours', Math.max(0, hours.length - 36), last);
  const boundary = registry
    .windowsBetween('day', startOf(0), endOf(last))
    .map((d) => d.start.getTime())
    .find((ms) => ms > startOf(0) && ms < endOf(last));
  if (boundary !== undefined) {
    const at = hours.findIndex((h) => h.start.getTime() === boundary);
    add('across a day boundary', Math.max(0, at - AROUND_BOUNDARY_HOURS), Math.min(last, at + AROUND_BOUNDARY_HOURS - 1));
  }
  const random = seededRandom(choice.seed);
  for (let n = 1; n <= choice.random; n++) {
    const first = Math.floor(random() * hours.length);
    const length = 1 + Math.floor(random() * (hours.length - first));
    add(`random ${n} (seed ${choice.seed})`, first, first + length - 1);
  }
  return picks;
}
