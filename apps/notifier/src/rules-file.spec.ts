import { ConfigError } from '@hitboard/runtime';
import { defaultRules, loadRulesFile } from './rules-file';
import { writeRules } from '../__tests__/support';

const webhooks = { ops: { format: 'slack', url: 'https://hooks.example.com/T0/B0/x' } };
const problems = (content: unknown): string[] => {
  try {
    loadRulesFile(writeRules(content));
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the rules file was accepted');
};

describe('the rules file', () => {
  it('fills defaults: direction up, factor 3, 10 orders, 60 minutes, a daily and a weekly report to the lake only', () => {
    const rules = loadRulesFile(writeRules({ webhooks, rules: [{ name: 'spikes', webhooks: ['ops'] }] }));
    expect(rules.rules).toEqual([{ name: 'spikes', direction: 'up', minFactor: 3, minCount: 10, cooldownMinutes: 60, webhooks: ['ops'] }]);
    expect(rules.webhooks.get('ops')).toEqual({ name: 'ops', format: 'slack', url: 'https://hooks.example.com/T0/B0/x', headers: {} });
    expect(rules.reports.map((r) => [r.name, r.interval, r.cron, r.top, r.metric, r.webhooks])).toEqual([
      ['daily', 'day', '15 1 * * *', 10, 'units', []],
      ['weekly', 'week', '30 1 * * 1', 10, 'units', []],
    ]);
    expect(defaultRules().rules).toEqual([]);
  });

  it('names every problem with its place in the file', () => {
    const path = writeRules({ webhooks, rules: [{ name: 'a', minFactor: 1, webhooks: ['pager'] }] });
    expect(() => loadRulesFile(path)).toThrow(ConfigError);
    expect(problems({ webhooks, rules: [{ name: 'a', minFactor: 1, webhooks: ['ops'] }] })).toEqual([expect.stringMatching(/rules\[0\]\.minFactor: .*>1/)]);
    expect(problems({ webhooks, rules: [{ name: 'a', webhooks: ['pager'] }] })).toEqual([expect.stringMatching(/: rules\[0\]\.webhooks\[0\]: no webhook "pager" \(defined: ops\)$/)]);
    expect(problems({ webhooks, rules: [{ name: 'a', webhooks: ['ops'] }, { name: 'a', webhooks: ['ops'] }] })).toEqual([expect.stringMatching(/rules\[1\]\.name: "a" is used twice$/)]);
    expect(problems({ webhooks, rules: [{ name: 'a', webhooks: ['ops'], minCount: 2.5 }] })).toEqual([expect.stringMatching(/rules\[0\]\.minCount: /)]);
    expect(problems({ webhooks, rules: [{ name: 'a', webhooks: ['ops'], factor: 3 }] })).toEqual([expect.stringMatching(/rules\[0\]: Unrecognized key: "factor"/)]);
    expect(problems({ webhooks: { ops: { format: 'teams', url: 'ftp://x' } } })).toEqual([
      expect.stringMatching(/webhooks\.ops\.format: /),
      expect.stringMatching(/webhooks\.ops\.url: an http:\/\/ or https:\/\/ URL/),
    ]);
    expect(problems({ reports: [{ name: 'd', interval: 'minute', cron: '15 1 * * *' }, { name: 'w', interval: 'week', cron: 'every monday' }] })).toEqual([
      expect.stringMatching(/reports\[0\]\.interval: "minute" is not a rolled-up interval \(hour, day, week, month, year\)$/),
      expect.stringMatching(/reports\[1\]\.cron: "every monday" is not a cron expression/),
    ]);
  });

  it('says so when the file cannot be read or is not JSON', () => {
    expect(problems('{ "rules": [ }')).toEqual([expect.stringMatching(/^NOTIFIER_RULES_FILE .*rules\.json: not JSON/)]);
    expect(() => loadRulesFile('/nonexistent/rules.json')).toThrow(/NOTIFIER_RULES_FILE \/nonexistent\/rules\.json: cannot be read/);
  });
});
