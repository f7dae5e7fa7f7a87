import { ACCEPTED_CHANNELS } from './params';
import { CHANNEL_CHOICES, CHANNEL_LABELS, channelQualifier } from './channels';

describe('channel choices', () => {
  it('offers exactly what channel= accepts (the picker cannot drift from the schema)', () => {
    expect([...CHANNEL_CHOICES].sort()).toEqual([...ACCEPTED_CHANNELS].sort());
    expect(Object.keys(CHANNEL_LABELS).sort()).toEqual([...ACCEPTED_CHANNELS].sort());
    expect(CHANNEL_CHOICES[0]).toBe('all');
  });

  it('qualifies names only for one channel, so every-channel names stay what they were', () => {
    expect(channelQualifier('all')).toBeNull();
    expect(channelQualifier('web')).toBe('web');
  });
});
