import { ConfigError } from './config';
import { chosenClockEnv, clock, clockFromEnv, clockStartedAt, ManualClock, systemClock, useClock } from './clock';

// A fake monotonic timer: the started clock must run at its speed, never at the wall clock's.
function fakeElapsed(startMs = 1_000) {
  let t = startMs;
  return { read: () => t, advance: (ms: number) => (t += ms) };
}

describe('clockStartedAt', () => {
  it('starts at the chosen instant and runs forward at the monotonic timer’s speed', () => {
    const timer = fakeElapsed();
    const c = clockStartedAt(Date.parse('2026-12-31T18:29:30Z'), timer.read);
    expect(c.date().toISOString()).toBe('2026-12-31T18:29:30.000Z');
    timer.advance(45_000);
    expect(c.now()).toBe(Date.parse('2026-12-31T18:30:15Z'));
    expect(c.date()).toEqual(new Date(Date.parse('2026-12-31T18:30:15Z')));
  });
});

describe('ManualClock', () => {
  it('moves only when the test moves it', () => {
    const c = new ManualClock(Date.parse('2026-03-08T06:59:00Z'));
    expect(c.now()).toBe(Date.parse('2026-03-08T06:59:00Z'));
    c.advance(90_000);
    expect(c.date().toISOString()).toBe('2026-03-08T07:00:30.000Z');
    c.set(Date.parse('2027-01-01T00:00:00Z'));
    expect(c.now()).toBe(Date.parse('2027-01-01T00:00:00Z'));
  });
});

describe('clockFromEnv', () => {
  const notes: string[] = [];
  const say = (line: string) => notes.push(line);
  beforeEach(() => (notes.length = 0));

  it('is the system clock when no start is asked for, and says nothing', () => {
    const c = clockFromEnv({}, say);
    expect(Math.abs(c.now() - systemClock.now())).toBeLessThan(1_000);
    expect(notes).toEqual([]);
  });

  it('starts at HITBOARD_CLOCK_START (offset honoured) when a test or development flag allows it, and says so loudly', () => {
    const timer = fakeElapsed();
    const c = clockFromEnv({ HITBOARD_CLOCK_START: '2026-12-31T23:59:30+05:30', HITBOARD_ALLOW_CLOCK_START: '1' }, say, timer.read);
    expect(c.date().toISOString()).toBe('2026-12-31T18:29:30.000Z');
    timer.advance(1_000);
    expect(c.date().toISOString()).toBe('2026-12-31T18:29:31.000Z');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/HITBOARD_CLOCK_START.*2026-12-31T18:29:30\.000Z.*not the wall clock/);
  });

  it('started by a launcher: every process of a system reads the same time, however late it starts (HITBOARD_CLOCK_STARTED_AT)', () => {
    const launchedAtMs = systemClock.now() - 20_000; // a process that came up 20 s after its launcher chose the instant
    const c = clockFromEnv({ HITBOARD_CLOCK_START: '2026-11-01T05:59:30Z', HITBOARD_CLOCK_STARTED_AT: String(launchedAtMs), HITBOARD_ALLOW_CLOCK_START: '1' }, say);
    expect(Math.abs(c.now() - Date.parse('2026-11-01T05:59:50Z'))).toBeLessThan(1_000);
    expect(() => clockFromEnv({ HITBOARD_CLOCK_START: '2026-11-01T05:59:30Z', HITBOARD_CLOCK_STARTED_AT: 'soon', HITBOARD_ALLOW_CLOCK_START: '1' }, say)).toThrow(/HITBOARD_CLOCK_STARTED_AT/);
  });

  it('chosenClockEnv gives a launcher the variables for its children and the clock they will read', () => {
    const { env, clock: theirs } = chosenClockEnv('2026-12-31T23:59:30+05:30');
    expect(env).toEqual({ HITBOARD_CLOCK_START: '2026-12-31T23:59:30+05:30', HITBOARD_CLOCK_STARTED_AT: expect.stringMatching(/^\d+$/), HITBOARD_ALLOW_CLOCK_START: '1' });
    expect(Math.abs(theirs.now() - Date.parse('2026-12-31T18:29:30Z'))).toBeLessThan(1_000);
    expect(Math.abs(clockFromEnv(env, say).now() - theirs.now())).toBeLessThan(50);
  });

  it.each([['test'], ['development']])('allows the start under NODE_ENV=%s', (nodeEnv) => {
    const c = clockFromEnv({ HITBOARD_CLOCK_START: '2026-11-01T05:59:30Z', NODE_ENV: nodeEnv }, say);
    expect(Math.abs(c.now() - Date.parse('2026-11-01T05:59:30Z'))).toBeLessThan(1_000);
  });

  it('refuses a start without the flag (a production process never runs on a chosen clock), naming both variables', () => {
    expect(() => clockFromEnv({ HITBOARD_CLOCK_START: '2026-12-31T23:59:30+05:30', NODE_ENV: 'production' }, say)).toThrow(ConfigError);
    expect(() => clockFromEnv({ HITBOARD_CLOCK_START: '2026-12-31T23:59:30+05:30' }, say)).toThrow(/HITBOARD_CLOCK_START.*HITBOARD_ALLOW_CLOCK_START=1/s);
  });

  it.each([['2026-12-31T23:59:30'], ['yesterday'], ['2026-13-01T00:00:00Z'], ['']])('refuses %j: an instant needs a date, a time and a zone', (start) => {
    expect(() => clockFromEnv({ HITBOARD_CLOCK_START: start, HITBOARD_ALLOW_CLOCK_START: '1' }, say)).toThrow(/HITBOARD_CLOCK_START/);
  });
});

describe('the process clock', () => {
  it('reads from the clock a test installs, until the test puts the old one back', () => {
    const manual = new ManualClock(Date.parse('2026-11-01T05:30:00Z'));
    const restore = useClock(manual);
    try {
      expect(clock.now()).toBe(Date.parse('2026-11-01T05:30:00Z'));
      manual.advance(60_000);
      expect(clock.date().toISOString()).toBe('2026-11-01T05:31:00.000Z');
    } finally {
      restore();
    }
    expect(Math.abs(clock.now() - systemClock.now())).toBeLessThan(1_000);
  });
});
