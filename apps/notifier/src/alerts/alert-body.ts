import type { Webhook } from '../rules-file';

/** What an alert says, as delivered: from its `alerts` row and the catalog. */
export interface AlertMessage {
  alertId: string;
  rule: string;
  productId: string;
  name: string;
  category: string;
  direction: 'up' | 'down';
  since: Date;
  factor: number;
  unitsPerHour: number;
  usualUnitsPerHour: number;
  units: string;
  orders: string;
  isNew: boolean;
}

/**
 * Text for Slack's mrkdwn and `text`: `&`, `<` and `>` are its control characters (`<!channel>`, `<url|label>`),
 * so every one coming from data is escaped as Slack asks (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
export const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const round = (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1));

/** One line a person reads: "Rising: Blue Mug (kitchen) sells 60/h, usually 3.0/h (20.0×), since 10:02Z". */
export function alertText(m: AlertMessage): string {
  const what = m.direction === 'up' ? 'Rising' : 'Falling';
  const factor = m.isNew ? 'new: no history' : `${round(m.direction === 'up' ? m.factor : 1 / m.factor)}× ${m.direction === 'up' ? 'its usual' : 'below its usual'}`;
  return (
    `${what}: ${m.name} (${m.category || 'no category'}, ${m.productId}) sells ${round(m.unitsPerHour)} units/h, ` +
    `usually ${round(m.usualUnitsPerHour)}/h (${factor}); ${m.units} units in ${m.orders} orders since ${m.since.toISOString()} [rule ${m.rule}]`
  );
}

/** The request body for one webhook: Slack's incoming-webhook shape, or hitboard's own JSON with every figure. */
export function alertBody(webhook: Pick<Webhook, 'format'>, m: AlertMessage): unknown {
  if (webhook.format === 'slack') {
    // Slack shows `text` in notifications and `blocks` in the channel (https://api.slack.com/messaging/webhooks).
    const text = slackEscape(alertText(m));
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  return {
    type: 'hitboard.mover',
    alertId: m.alertId,
    rule: m.rule,
    product: { id: m.productId, name: m.name, category: m.category },
    direction: m.direction,
    since: m.since.toISOString(),
    factor: m.isNew ? null : m.factor,
    unitsPerHour: m.unitsPerHour,
    usualUnitsPerHour: m.usualUnitsPerHour,
    units: m.units,
    orders: m.orders,
    isNew: m.isNew,
    text: alertText(m),
  };
}
