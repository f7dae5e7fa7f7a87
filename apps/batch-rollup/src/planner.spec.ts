import { IntervalRegistry } from '@hitboard/time';
import { ancestorsOf, isReady, lateDataMarks, planBackfill, planPass, whyRun, windowKey, type PlanContext, type WindowState } from './planner';

const H = 3_600_000;
const done = (runId: number, inputFiles: number | null = 1, inputRows: number | null = 10): WindowState => ({
  lastStatus: 'succeeded',
  succeededRunId: BigInt(runId),
  inputFiles,
  inputRows,
  dirty: null,
});

function ctx(zone: string, over: Partial<PlanContext> = {}): PlanContext {
  return { registry: IntervalRegistry.standard(zone), states: new Map(), listing: new Map(), watermarkMs: null, allowedLatenessMs: 0, ...over };
}

describe('planner', () => {
  it('why a window runs: dirty, then missing, failed, abandoned; forced overrides', () => {
    expect(whyRun({ ...done(1), dirty: { lateFiles: 1, lateRows: 2 } })).toBe('dirty');
    expect(whyRun({ lastStatus: null, succeededRunId: null, inputFiles: null, inputRows: null, dirty: null })).toBe('missing');
    expect(whyRun({ ...done(1), lastStatus: 'failed' })).toBe('failed');
    expect(whyRun({ ...done(1), lastStatus: 'running' })).toBe('abandoned');
    expect(whyRun(done(1))).toBeNull();
    expect(whyRun(done(1), true)).toBe('forced');
  });

  it('an hour is ready once the watermark passes its end plus the lateness', () => {
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    const hour = IntervalRegistry.standard().windowAt('hour', t0);
    expect(isReady(ctx('UTC', { watermarkMs: t0 + H + 59_999, allowedLatenessMs: 60_000 }), hour)).toBe(false);
    expect(isReady(ctx('UTC', { watermarkMs: t0 + H + 60_000, allowedLatenessMs: 60_000 }), hour)).toBe(true);
  });

  it('a day is ready when each hour is done and clean, or closed and empty', () => {
    const c = ctx('UTC', { watermarkMs: Date.parse('2026-03-03T00:00:00Z') });
    const day = c.registry.windowAt('day', Date.parse('2026-03-01T00:00:00Z'));
    const listing = new Map([[day.start.getTime() + 5 * H, { files: 1, rows: 3 }]]);
    expect(isReady({ ...c, listing }, day)).toBe(false); // hour 05 has a file and no run
    const states = new Map([[windowKey('hour', day.start.getTime() + 5 * H), done(7)]]);
    expect(isReady({ ...c, listing, states }, day)).toBe(true);
    const dirty = new Map([[windowKey('hour', day.start.getTime() + 5 * H), { ...done(7), dirty: { lateFiles: 1, lateRows: 1 } }]]);
    expect(isReady({ ...c, listing, states: dirty }, day)).toBe(false);
  });

  it('ancestors: hour → day → week and month → year', () => {
    const r = IntervalRegistry.standard('UTC');
    const names = ancestorsOf(r, r.windowAt('hour', Date.parse('2025-12-31T23:00:00Z'))).map((w) => `${w.interval} ${w.start.toISOString().slice(0, 10)}`);
    expect(names).toEqual(['day 2025-12-31', 'week 2025-12-29', 'month 2025-12-01', 'year 2025-01-01']);
  });

  it('late data: a built hour with more listed files than it read marks it and its built ancestors', () => {
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    const c = ctx('UTC', {
      listing: new Map([[t0, { files: 3, rows: 40 }]]),
      states: new Map([
        [windowKey('hour', t0), done(1, 2, 30)],
        [windowKey('day', Date.parse('2026-03-01T00:00:00Z')), done(2, null, null)],
      ]),
    });
    expect(lateDataMarks(c).map((m) => [m.window.interval, m.lateFiles, m.lateRows])).toEqual([
      ['hour', 1, 10],
      ['day', 1, 10],
    ]);
    expect(lateDataMarks({ ...c, listing: new Map([[t0, { files: 2, rows: 30 }]]) })).toEqual([]);
  });

  it('a pass orders ready windows by interval, then oldest first, and counts what is behind', () => {
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    const c = ctx('UTC', { watermarkMs: t0 + 3 * H });
    const windows = [c.registry.windowAt('hour', t0 + H), c.registry.windowAt('day', t0), c.registry.windowAt('hour', t0)];
    const plan = planPass(c, windows);
    expect(plan.ready.map((t) => t.window.start.getTime())).toEqual([t0, t0 + H]);
    expect(plan.waiting.map((t) => t.window.interval)).toEqual(['day']);
    expect(plan.behind.get('hour')).toBe(2);
    expect(plan.overdue?.byMs).toBe(2 * H);
  });

  it('a backfill builds missing children first and skips windows whose hours are still open', () => {
    const c = ctx('Asia/Kolkata', { watermarkMs: Date.parse('2026-03-02T12:00:00Z') });
    const from = Date.parse('2026-03-01T00:00:00+05:30');
    const listing = new Map([[Date.parse('2026-03-01T04:00:00Z'), { files: 1, rows: 1 }]]);
    const plan = planBackfill({ ...c, listing }, 'day', from, from + 2 * 24 * H);
    // 04:00–05:00 UTC holds minutes of two local hours (03:30 and 04:30 UTC starts): both built first.
    expect(plan.tasks.map((t) => `${t.window.interval} ${t.window.start.toISOString()} ${t.why}${t.target ? '' : ' child'}`)).toEqual([
      'hour 2026-03-01T03:30:00.000Z missing child',
      'hour 2026-03-01T04:30:00.000Z missing child',
      'day 2026-02-28T18:30:00.000Z missing',
    ]);
    expect(plan.skipped.map((s) => s.because)).toEqual(['not-ready']);
  });
});
