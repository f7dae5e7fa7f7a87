import { reportBody } from '../reports/reporter';
import { alertBody, type AlertMessage } from './alert-body';

// What an attacker who can sell (product id) or name a catalog entry would put into a Slack message.
const INJECTED_ID = 'x<!channel> <https://evil.example/login|Action needed>';
const INJECTED_NAME = '<!here> Mug & <https://evil.example|click>';

const message: AlertMessage = {
  alertId: '7', rule: 'spikes', productId: INJECTED_ID, name: INJECTED_NAME, category: '<@U123>', direction: 'up',
  since: new Date('2026-11-20T10:00:00Z'), factor: 20, unitsPerHour: 60, usualUnitsPerHour: 3, units: '12', orders: '10', isNew: false,
};

/** Slack's control sequences: `<!channel>`, `<!here>`, `<@user>`, `<url|label>` all need a raw `<`. */
const SLACK_CONTROL = /<[!@#]|<https?:|\|[^>]*>/;

describe('Slack bodies', () => {
  it('an alert escapes &, < and > from data, so no mention or link reaches the channel', () => {
    const body = alertBody({ format: 'slack' }, message) as { text: string; blocks: Array<{ text: { text: string } }> };
    for (const text of [body.text, body.blocks[0]!.text.text]) {
      expect(text).not.toMatch(SLACK_CONTROL);
      expect(text).not.toMatch(/<|>/);
      expect(text).toContain('&lt;!channel&gt; &lt;https://evil.example/login|Action needed&gt;');
      expect(text).toContain('&lt;!here&gt; Mug &amp; &lt;https://evil.example|click&gt;');
    }
    // hitboard's own JSON body keeps the values as they are (a JSON receiver does its own escaping).
    expect((alertBody({ format: 'json' }, message) as { product: { id: string } }).product.id).toBe(INJECTED_ID);
  });

  it('a report escapes them too', () => {
    const data = {
      report: 'daily', interval: 'day', windowStart: new Date('2026-11-20T00:00:00Z'), windowEnd: new Date('2026-11-21T00:00:00Z'), label: '2026-11-20', zone: 'UTC', metric: 'units' as const,
      top: [{ rank: 1, productId: INJECTED_ID, name: INJECTED_NAME, category: '<!everyone>', units: '5', revenueCents: '100', orders: '2' }],
      movers: [{ productId: INJECTED_ID, name: INJECTED_NAME, category: 'k', direction: 'up' as const, since: new Date('2026-11-20T10:00:00Z'), peakFactor: 4, units: '5' }],
    };
    const { text } = reportBody({ format: 'slack' }, data, { csvKey: 'reports/daily/daily-2026-11-20.csv', svgKey: 'reports/daily/daily-2026-11-20.svg', lake: '/lake' }) as { text: string };
    expect(text).not.toMatch(/<|>/);
    expect(text).toContain('1. &lt;!here&gt; Mug &amp; &lt;https://evil.example|click&gt; (&lt;!everyone&gt;)');
    expect(text.startsWith('*daily*: top 1 by units')).toBe(true);
  });
});
