import { startNotifier, writeRules } from './support';

describe('start-up', () => {
  it('refuses a rules file with a wrong rule before it serves or connects: exit 2, the problem named', async () => {
    const rules = writeRules({ webhooks: { ops: { format: 'json', url: 'http://127.0.0.1:9/x' } }, rules: [{ name: 'spikes', webhooks: ['pagerduty'] }] });
    // No database listens there: a notifier that got as far as connecting would wait for it, not exit.
    const n = startNotifier({ DATABASE_URL: 'postgres://127.0.0.1:9/none', NOTIFIER_RULES_FILE: rules });
    expect(await n.exited).toEqual({ code: 2, signal: null });
    expect(n.stderr()).toBe(`notifier: invalid configuration:\n  - NOTIFIER_RULES_FILE ${rules}: rules[0].webhooks[0]: no webhook "pagerduty" (defined: ops)\nRun with --help for every variable.\n`);
  });
});
