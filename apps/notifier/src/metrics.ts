import { Counter, Gauge, type Registry } from 'prom-client';

/** The notifier's Prometheus metrics (`hitboard_notifier_*`). */
export function createNotifierMetrics(registry: Registry) {
  const registers = [registry];
  return {
    alertsSent: new Counter({ name: 'hitboard_notifier_alerts_sent_total', help: 'alert deliveries a webhook accepted (2xx)', labelNames: ['rule', 'webhook'], registers }),
    alertsFailed: new Counter({
      name: 'hitboard_notifier_alerts_failed_total',
      help: 'alert deliveries given up: retries exhausted or refused (4xx); the reason is in the alerts table',
      labelNames: ['rule', 'webhook'],
      registers,
    }),
    alertsSuppressed: new Counter({
      name: 'hitboard_notifier_alerts_suppressed_total',
      help: 'alerts not sent because the rule alerted on the product within its cooldown',
      labelNames: ['rule', 'webhook'],
      registers,
    }),
    webhookRetries: new Counter({ name: 'hitboard_notifier_webhook_retries_total', help: 'webhook requests retried after a failed attempt', labelNames: ['kind', 'webhook'], registers }),
    moversSeen: new Gauge({ name: 'hitboard_notifier_movers_seen', help: 'movers in the last poll', registers }),
    lastPollSeconds: new Gauge({ name: 'hitboard_notifier_last_poll_timestamp_seconds', help: 'wall-clock time of the last successful poll of the movers', registers }),
    pollErrors: new Counter({ name: 'hitboard_notifier_poll_errors_total', help: 'polls that failed (database away); retried next poll', registers }),
    reportsWaiting: new Gauge({
      name: 'hitboard_notifier_reports_waiting',
      help: 'reports due whose window is not rolled up yet (late): built once the batch layer finishes the window',
      labelNames: ['report'],
      registers,
    }),
    reportsLate: new Counter({ name: 'hitboard_notifier_reports_late_total', help: 'reports found due before their window was rolled up', labelNames: ['report'], registers }),
    reportsBuilt: new Counter({ name: 'hitboard_notifier_reports_built_total', help: 'reports written to the lake (CSV + SVG)', labelNames: ['report'], registers }),
    reportsDelivered: new Counter({ name: 'hitboard_notifier_reports_delivered_total', help: 'reports every webhook accepted (or with no webhook)', labelNames: ['report'], registers }),
    reportsFailed: new Counter({ name: 'hitboard_notifier_reports_failed_total', help: 'reports a webhook refused for good', labelNames: ['report'], registers }),
  };
}

export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;
