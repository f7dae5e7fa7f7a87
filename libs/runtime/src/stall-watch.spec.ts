import { StallWatch } from './stall-watch';

describe('StallWatch', () => {
  let nowMs = 0;
  const watch = () => new StallWatch<number>(1_000, () => nowMs);
  beforeEach(() => (nowMs = 0));

  it('calls a partition stalled when it has lag and has not moved for longer than the limit', () => {
    const w = watch();
    w.observe(0, 10, 5);
    nowMs = 900;
    w.observe(0, 10, 5);
    expect(w.stalled()).toEqual([]);
    nowMs = 1_500;
    w.observe(0, 10, 7);
    expect(w.stalled()).toEqual([{ key: 0, position: 10, lag: 7, stuckForMs: 1_500 }]);
  });

  it('never calls an idle partition stalled, and restarts the clock when it moves', () => {
    const w = watch();
    w.observe(0, 10, 0);
    nowMs = 60_000;
    w.observe(0, 10, 0);
    expect(w.stalled()).toEqual([]);
    w.observe(1, 3, 2);
    nowMs = 60_500;
    w.observe(1, 4, 2);
    nowMs = 61_400;
    expect(w.stalled()).toEqual([]);
  });

  it('forgets a partition this instance lost', () => {
    const w = watch();
    w.observe(2, 0, 9);
    nowMs = 5_000;
    w.forget(2);
    expect(w.stalled()).toEqual([]);
  });
});
