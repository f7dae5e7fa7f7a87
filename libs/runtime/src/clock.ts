import { ConfigError } from './config';

/**
 * The one clock (issue 23): every time-of-day read of hitboard's source goes through `clock`, so a
 * test can choose the instant a process lives at instead of waiting for, or failing at, an hour of
 * the day. Durations and deadlines are not the time of day: they use `performance.now()` (monotonic)
 * and stay as they are. The lint rule in eslint.config.mjs forbids `Date.now()` and an argument-less
 * `new Date()` everywhere but this file.
 *
 * A process starts on the system clock, or at `HITBOARD_CLOCK_START` (an ISO instant with its zone,
 * e.g. `2026-12-31T23:59:30+05:30`) and from there runs forward at real speed — only when
 * `HITBOARD_ALLOW_CLOCK_START=1` or `NODE_ENV` is `test` or `development` says this is not a
 * production process, and never silently (one line on stderr says so). In-process tests install a
 * `ManualClock` with `useClock`.
 *
 * No Node-only imports: the dashboard's browser code uses `clockStartedAt` too.
 */
export interface Clock {
  /** The time of day, epoch milliseconds. */
  now(): number;
  /** The time of day as a Date. */
  date(): Date;
}

export const CLOCK_START_VARIABLE = 'HITBOARD_CLOCK_START';
export const CLOCK_ALLOW_VARIABLE = 'HITBOARD_ALLOW_CLOCK_START';
/**
 * The system-clock instant (epoch ms) at which the chosen clock read HITBOARD_CLOCK_START. A launcher
 * sets it for all its children (`chosenClockEnv`), so processes that come up seconds apart read the same
 * time; without it a process's clock reads HITBOARD_CLOCK_START at its own first read.
 */
export const CLOCK_STARTED_AT_VARIABLE = 'HITBOARD_CLOCK_STARTED_AT';

/** The operating system's time of day: the only reads of it in the source. */
export const systemClock: Clock = {
  now: () => Date.now(),
  date: () => new Date(),
};

/** A monotonic reading in milliseconds (never jumps with NTP or a changed system time). */
const monotonicMs = (): number => performance.now();

/**
 * A clock that reads `startMs` now and runs forward at the speed of `elapsedMs` (the monotonic
 * timer by default): the system clock shifted to a chosen instant.
 */
export function clockStartedAt(startMs: number, elapsedMs: () => number = monotonicMs): Clock {
  const origin = elapsedMs();
  const now = (): number => startMs + Math.round(elapsedMs() - origin);
  return { now, date: () => new Date(now()) };
}

/** A clock that moves only when the test moves it. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  date(): Date {
    return new Date(this.ms);
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

// An instant needs a date, a time and a zone (Z or ±hh:mm): a zone-less time means a different instant on every host.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

type Env = Record<string, string | undefined>;

/** Whether this process may run on a chosen clock: a flag, or a test/development NODE_ENV. */
function startAllowed(env: Env): boolean {
  return env[CLOCK_ALLOW_VARIABLE] === '1' || env['NODE_ENV'] === 'test' || env['NODE_ENV'] === 'development';
}

/**
 * The clock the environment asks for: the system clock, or one started at `HITBOARD_CLOCK_START`.
 * Throws a ConfigError naming the variable when the instant is malformed or the start is not allowed.
 * `say` receives the loud line (stderr by default).
 */
export function clockFromEnv(env: Env, say: (line: string) => void = (line) => process.stderr.write(`${line}\n`), elapsedMs: () => number = monotonicMs): Clock {
  const start = env[CLOCK_START_VARIABLE];
  if (start === undefined) return systemClock;
  const startMs = ISO_INSTANT.test(start) ? Date.parse(start) : NaN;
  if (!Number.isFinite(startMs)) {
    throw new ConfigError('clock', [`${CLOCK_START_VARIABLE}=${JSON.stringify(start)}: expected an ISO instant with its zone, e.g. 2026-12-31T23:59:30+05:30`]);
  }
  if (!startAllowed(env)) {
    throw new ConfigError('clock', [
      `${CLOCK_START_VARIABLE} is set (${start}) but this is not a test or development process: set ${CLOCK_ALLOW_VARIABLE}=1 (or NODE_ENV=test|development) to run on a chosen clock, or unset it`,
    ]);
  }
  const startedAt = env[CLOCK_STARTED_AT_VARIABLE];
  const startedAtMs = startedAt === undefined ? null : /^\d+$/.test(startedAt) ? Number(startedAt) : NaN;
  if (Number.isNaN(startedAtMs)) {
    throw new ConfigError('clock', [`${CLOCK_STARTED_AT_VARIABLE}=${JSON.stringify(startedAt)}: expected epoch milliseconds (the system time at which the clock read ${CLOCK_START_VARIABLE})`]);
  }
  // Anchored to the system clock (shared by every process on the host), else to this process's monotonic timer.
  const chosen = startedAtMs === null ? clockStartedAt(startMs, elapsedMs) : clockStartedAt(startMs + (systemClock.now() - startedAtMs), elapsedMs);
  say(
    `*** ${CLOCK_START_VARIABLE}: this process's clock started at ${new Date(startMs).toISOString()} (${start}) and runs forward from there; ` +
      `its time of day is not the wall clock (${systemClock.date().toISOString()}) ***`,
  );
  return chosen;
}

/**
 * For a launcher (tools/dev, a whole-system test): the variables that start its children's clocks at
 * `startIso` now, all reading the same time, and that clock, for the launcher's own reads.
 */
export function chosenClockEnv(startIso: string): { env: Record<string, string>; clock: Clock } {
  const env = { [CLOCK_START_VARIABLE]: startIso, [CLOCK_STARTED_AT_VARIABLE]: String(systemClock.now()), [CLOCK_ALLOW_VARIABLE]: '1' };
  return { env, clock: clockFromEnv(env, () => undefined) };
}

let installed: Clock | null = null;

function current(): Clock {
  // Resolved on the first read, so every process (apps, tools, the generator, the dashboard's server)
  // honours HITBOARD_CLOCK_START without each main remembering to ask; `startClock` resolves it earlier.
  if (installed === null) installed = typeof process === 'undefined' ? systemClock : clockFromEnv(process.env);
  return installed;
}

/** The process's clock: every time-of-day read of the source. */
export const clock: Clock = {
  now: () => current().now(),
  date: () => current().date(),
};

/**
 * Resolves the process's clock from the environment now (a main calls it at start-up, so a wrong
 * HITBOARD_CLOCK_START stops the process before it does anything) and returns it.
 */
export function startClock(env: Env = process.env, say?: (line: string) => void): Clock {
  installed = clockFromEnv(env, say);
  return installed;
}

/** Installs `source` as the process's clock (in-process tests); returns what puts the previous one back. */
export function useClock(source: Clock): () => void {
  const previous = installed;
  installed = source;
  return () => {
    installed = previous;
  };
}
