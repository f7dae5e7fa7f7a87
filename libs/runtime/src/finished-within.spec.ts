import { finishedWithin } from './finished-within';

describe('finishedWithin', () => {
  it('is true for work that settles in time, a rejection included (the step has said what went wrong)', async () => {
    expect(await finishedWithin(Promise.resolve(1), 1000)).toBe(true);
    expect(await finishedWithin(Promise.reject(new Error('refused')), 1000)).toBe(true);
  });

  it('is false for work that never settles, once the time is up', async () => {
    expect(await finishedWithin(new Promise(() => undefined), 20)).toBe(false);
  });
});
