import { holdsFor, waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first value the probe gives, and names what it waited for when it gives none in time', async () => {
    let calls = 0;
    expect(await waitFor('the third call', async () => ++calls >= 3 && calls, 5_000, 1)).toBe(3);
    await expect(waitFor('a state that never comes', async () => false, 50, 5)).rejects.toThrow('timed out after 50 ms waiting for a state that never comes');
  });
});

describe('holdsFor', () => {
  it('passes when the probe holds for the whole span, and fails the first time it does not, saying what', async () => {
    let calls = 0;
    await holdsFor('always', async () => (calls++, true), 60, 5);
    expect(calls).toBeGreaterThan(2);
    calls = 0;
    await expect(holdsFor('the ledger unchanged', async () => ++calls < 3, 5_000, 1)).rejects.toThrow(/stopped holding after \d+ ms: the ledger unchanged/);
    expect(calls).toBe(3);
  });
});
