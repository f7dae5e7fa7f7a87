/**
 * /healthz follows the consumer: a crash kafkajs does not recover from is unhealthy until the
 * process is replaced; a crash it restarts from is healthy again once the consumer rejoined.
 */
import { useScenario } from './support';

const TOPIC = 'speed-sums-fake';

describe('health after a consumer crash', () => {
  const s = useScenario();

  it('reports the crash, and is healthy again once kafkajs restarted the consumer and it rejoined the group', async () => {
    const { pipeline, fake } = await s.startFake(TOPIC);
    fake.join([0]);
    expect(pipeline.health().ok).toBe(true);
    fake.crash(new Error('broker went away'), true);
    expect(pipeline.health()).toMatchObject({ ok: false, error: 'broker went away' });
    fake.join([0]);
    expect(pipeline.health().ok).toBe(true);
    expect(pipeline.health().error).toBeUndefined();
  });

  it('stays unhealthy after a crash kafkajs does not restart from', async () => {
    const { pipeline, fake } = await s.startFake(TOPIC);
    fake.join([0]);
    fake.crash(new Error('not retriable'), false);
    fake.join([0]); // cannot happen after such a crash; even so, the crash is not forgotten
    expect(pipeline.health()).toMatchObject({ ok: false, error: 'not retriable' });
  });
});
