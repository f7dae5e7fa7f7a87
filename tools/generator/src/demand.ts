/**
 * How busy the shops are at an instant, relative to the weekly average (1.0): a daily cycle
 * (quiet at night, a lunch bump, an evening peak) and busier weekends with a later peak.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// Relative sales by local hour of a weekday / a weekend day.
const WEEKDAY = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 6, 7, 6, 5, 5, 6, 7, 8, 9, 8, 6, 4, 2];
const WEEKEND = [1.5, 1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 9, 10, 10, 9, 7, 5, 3];
const WEEKEND_SCALE = 1.3; // weekends sell ~30 % more per hour at their peak shape

const weekdaySum = WEEKDAY.reduce((a, b) => a + b, 0);
const weekendSum = WEEKEND.reduce((a, b) => a + b, 0);
// Normalise so the average over a week (5 weekdays, 2 weekend days) is exactly 1.
const NORM = (5 * weekdaySum + 2 * weekendSum * WEEKEND_SCALE) / (7 * 24);

/** Local (shopper) time: UTC shifted by a fixed offset. Saturday and Sunday are the weekend. */
export function isWeekend(ms: number, utcOffsetHours = 0): boolean {
  const day = new Date(ms + utcOffsetHours * HOUR_MS).getUTCDay();
  return day === 0 || day === 6;
}

/** Demand at `ms` relative to the weekly average; linear between hour marks, so it has no steps. */
export function demandFactor(ms: number, utcOffsetHours = 0): number {
  const local = ms + utcOffsetHours * HOUR_MS;
  const hourFloat = (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  const hour = Math.floor(hourFloat);
  const frac = hourFloat - hour;
  const at = (h: number) => {
    const instant = local - (hourFloat - h) * HOUR_MS;
    const weekend = isWeekend(instant);
    const table = weekend ? WEEKEND : WEEKDAY;
    return table[((h % 24) + 24) % 24]! * (weekend ? WEEKEND_SCALE : 1);
  };
  return ((1 - frac) * at(hour) + frac * at(hour + 1)) / NORM;
}
