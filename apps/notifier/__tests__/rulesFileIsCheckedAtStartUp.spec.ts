import { freshDatabase } from '@hitboard/testkit';
import { startNotifier, writeRules } from './support';

describe('start-up', () => {
  it('refuses a rules file with a wrong rule before it serves or connects: exit 2, the problem named', async () => {
    const rules = writeRules({ webhooks: { ops: { format: 'json', url: 'https://hooks.example.com/x' } }, rules: [{ name: 'spikes', webhooks: ['pagerduty'] }] });
    // No database listens there: a notifier that got as far as connecting would wait for it, not exit.
    const n = startNotifier({ DATABASE_URL: 'postgres://127.0.0.1:9/none', NOTIFIER_RULES_FILE: rules });
    expect(await n.finished()).toEqual({ code: 2, signal: null });
    expect(n.output()).toBe(`notifier: invalid configuration:\n  - NOTIFIER_RULES_FILE ${rules}: rules[0].webhooks[0]: no webhook "pagerduty" (defined: ops)\nRun with --help for every variable.`);
  });

  it('without a rules file: runs, and says alerts are off and where the default reports go', async () => {
    const db = await freshDatabase();
    const n = startNotifier({ DATABASE_URL: db.url, LOG_LEVEL: 'info', LAKE_DIR: '/tmp/hitboard-notifier-default-lake' });
    try {
      await n.lineMatching('"msg":"starting"', 60_000);
      const lines = n.lines().filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; reports?: string[] });
      expect(lines.find((l) => l.msg.startsWith('alerts are off'))).toMatchObject({ level: 40, msg: 'alerts are off: no alert rules (set NOTIFIER_RULES_FILE; see the README, "Ops: alerts and reports")' });
      expect(lines.find((l) => l.msg === 'report schedules')?.reports).toEqual(['daily (day, "15 1 * * *", webhooks: none)', 'weekly (week, "30 1 * * 1", webhooks: none)']);
    } finally {
      expect(await n.stop()).toEqual({ code: 0, signal: null });
      await db.drop();
    }
  }, 120_000);
});
