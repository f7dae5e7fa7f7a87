import { HitboardError, isRetriable } from './errors';

class TopicError extends HitboardError {}

describe('HitboardError', () => {
  it('is not retriable unless it says so, and keeps its cause and its subclass name', () => {
    const cause = new Error('socket closed');
    const err = new TopicError('cannot reach the topic', { retriable: true, cause });
    expect(err.name).toBe('TopicError');
    expect(err.cause).toBe(cause);
    expect(isRetriable(err)).toBe(true);
    expect(isRetriable(new HitboardError('bad input'))).toBe(false);
  });

  it('presumes an error that does not say (a driver error, a timeout, a string) transient', () => {
    expect(isRetriable(new Error('ECONNRESET'))).toBe(true);
    expect(isRetriable('timeout')).toBe(true);
    expect(isRetriable({ retriable: false })).toBe(false);
  });
});
