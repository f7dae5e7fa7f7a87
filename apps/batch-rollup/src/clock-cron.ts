import { DateTime } from 'luxon';
import { clock as processClock, type Clock } from '@hitboard/runtime';

/** Bounds of the five cron fields: minute, hour, day of month, month, day of week (0 and 7 = Sunday). */
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

/** The values one field allows: `*`, `a`, `a-b`, each with an optional `/step`, comma-separated. */
function fieldValues(text: string, field: (typeof FIELDS)[number], expression: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`cron "${expression}": cannot read "${part}" in the ${field.name} field (numbers, *, a-b, /n and lists only)`);
    const from = m[1] === '*' ? field.min : Number(m[2]);
    const to = m[1] === '*' ? field.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? field.max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < field.min || to > field.max || from > to || step < 1) throw new Error(`cron "${expression}": "${part}" is out of range for the ${field.name} field`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/**
 * Whether a five-field cron expression matches the minute of `t` (its zone's wall time). Day of month
 * and day of week combine as in cron: when both are restricted, either may match.
 */
export function cronMatches(expression: string, t: DateTime): boolean {
  const texts = expression.trim().split(/\s+/);
  if (texts.length !== 5) throw new Error(`cron "${expression}": expected 5 fields (minute hour day-of-month month day-of-week)`);
  const [minute, hour, dom, month, dow] = texts.map((text, i) => fieldValues(text, FIELDS[i]!, expression)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const weekday = t.weekday % 7; // luxon: Monday 1 … Sunday 7
  const domMatch = dom.has(t.day);
  const dowMatch = dow.has(weekday) || (weekday === 0 && dow.has(7));
  const dayMatch = texts[2] === '*' || texts[4] === '*' ? domMatch && dowMatch : domMatch || dowMatch;
  return minute.has(t.minute) && hour.has(t.hour) && month.has(t.month) && dayMatch;
}

/**
 * Cron on the one clock. node-cron reads the system's time of day: on a process started at a chosen
 * instant (HITBOARD_CLOCK_START) its ticks would come at the wall clock's minutes, so a rollup test
 * started 30 s before a year's close would wait for the real :05. This checks the clock once a second
 * and fires, once, each job whose expression matches a minute the clock has entered (in `timeZone`).
 * A minute skipped (the event loop blocked past it) is fired late rather than lost.
 */
export class ClockCron {
  private readonly jobs: { expression: string; run: () => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastMinute: number | null = null;

  constructor(
    private readonly timeZone: string,
    private readonly clock: Clock = processClock,
    private readonly everyMs = 1000,
  ) {}

  /** Adds a job; the expression is read now, so a bad one fails at start-up. */
  schedule(expression: string, run: () => void): void {
    cronMatches(expression, DateTime.fromMillis(0, { zone: this.timeZone }));
    this.jobs.push({ expression, run });
  }

  start(): void {
    this.tick();
    this.timer ??= setInterval(() => this.tick(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look at the clock (the timer's; tests call it directly). */
  tick(): void {
    const minute = Math.floor(this.clock.now() / 60_000);
    if (this.lastMinute === null || minute <= this.lastMinute) {
      this.lastMinute ??= minute; // the minute it starts in is not a tick, as with node-cron
      return;
    }
    // At most the last few minutes: a clock that jumped days ahead fires each job once, not per minute missed.
    for (let m = Math.max(this.lastMinute + 1, minute - 4); m <= minute; m++) {
      const t = DateTime.fromMillis(m * 60_000, { zone: this.timeZone });
      const due = this.jobs.filter((job) => cronMatches(job.expression, t));
      for (const job of due) job.run();
    }
    this.lastMinute = minute;
  }
}
