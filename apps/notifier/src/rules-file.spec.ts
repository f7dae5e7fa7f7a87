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
    expect(rules.webhooks.get('ops')).toEqual({ name: 'ops', format: 'slack', url: 'https://hooks.example.com/T0/B0/x', headers: {}, allowPrivateAddress: false });
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

  it('refuses webhooks that point inward (loopback, private, link-local: the metadata service, the apps\' ops ports) unless the webhook allows it by name', () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:9470/metrics', 'http://localhost:9472/healthz', 'http://10.0.0.5/x', 'http://192.168.1.2/x', 'http://172.16.0.1/x', 'http://[::1]:9470/x', 'http://[fe80::1]/x', 'http://0.0.0.0:9470/x', 'http://100.64.0.1/x']) {
      expect([url, problems({ webhooks: { ops: { format: 'json', url } } })]).toEqual([url, [expect.stringMatching(/webhooks\.ops\.url: .* is a loopback, private or link-local address: refused unless the webhook sets "allowPrivateAddress": true$/)]]);
    }
    const allowed = loadRulesFile(writeRules({ webhooks: { ops: { format: 'json', url: 'http://127.0.0.1:8080/hook', allowPrivateAddress: true } } }));
    expect(allowed.webhooks.get('ops')?.allowPrivateAddress).toBe(true);
    expect(loadRulesFile(writeRules({ webhooks: { ops: { format: 'json', url: 'https://93.184.215.14/hook' } } })).webhooks.size).toBe(1);
  });

  it('refuses a URL with user info, without echoing it', () => {
    const found = problems({ webhooks: { ops: { format: 'json', url: 'https://hookuser:pa55-s3cret@hooks.example.com/x' } } });
    expect(found).toEqual([expect.stringMatching(/webhooks\.ops\.url: must not carry a user or password/)]);
    expect(found.join('\n')).not.toMatch(/pa55-s3cret|hookuser/);
  });

  it('refuses header names and values that no request could carry (they would fail every delivery, and be retried)', () => {
    const withHeaders = (headers: Record<string, string>) => problems({ webhooks: { ops: { format: 'json', url: 'https://hooks.example.com/x', headers } } });
    expect(withHeaders({ 'Bad Header': 'x' })).toEqual([expect.stringMatching(/webhooks\.ops\.headers\.Bad Header: a header name is letters, digits/)]);
    expect(withHeaders({ 'x-a:b': 'x' })).toEqual([expect.stringMatching(/webhooks\.ops\.headers\.x-a:b: a header name/)]);
    expect(withHeaders({ authorization: 'Bearer x\r\nX-Injected: 1' })).toEqual([expect.stringMatching(/webhooks\.ops\.headers\.authorization: a header value may not hold line breaks/)]);
    expect(loadRulesFile(writeRules({ webhooks: { ops: { format: 'json', url: 'https://hooks.example.com/x', headers: { authorization: 'Bearer abc', 'X-Api-Key': 'k' } } } })).webhooks.get('ops')?.headers).toEqual({ authorization: 'Bearer abc', 'X-Api-Key': 'k' });
  });
});
