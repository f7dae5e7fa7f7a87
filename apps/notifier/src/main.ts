import { createDb } from '@hitboard/db-client';
import { openLakeStore } from '@hitboard/lake';
import { finishedWithin, runService } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { Alerter } from './alerts/alerter';
import { AlertStore } from './alerts/alert-store';
import { configSchema, leaseMs } from './config';
import { createNotifierMetrics } from './metrics';
import { Notifier } from './notifier';
import { Reporter } from './reports/reporter';
import { defaultRules } from './rules-file';
import { ReportStore } from './reports/report-store';
import { WebhookLimiter } from './webhook';

const APP = 'notifier';

runService({
  name: APP,
  summary:
    'Watches the movers the speed pipeline publishes and fires webhook alerts by the rules of NOTIFIER_RULES_FILE (once per ' +
    'rule, product and cooldown across restarts and instances: claimed in Postgres), and builds the scheduled daily/weekly ' +
    'top-10 reports from exact batch windows (CSV + SVG under the lake\'s reports/, delivered to their webhooks).',
  env: configSchema,
  create: async ({ config, log, registry }) => {
    const rules = config.NOTIFIER_RULES_FILE ?? defaultRules();
    if (rules.rules.length === 0) log.warn({ rules: rules.source }, 'alerts are off: no alert rules (set NOTIFIER_RULES_FILE; see the README, "Ops: alerts and reports")');
    else log.info({ rules: rules.rules.map((r) => r.name), webhooks: [...rules.webhooks.keys()], source: rules.source }, 'alert rules loaded');
    log.info({ reports: rules.reports.map((r) => `${r.name} (${r.interval}, "${r.cron}", webhooks: ${r.webhooks.join(', ') || 'none'})`) }, 'report schedules');

    const metrics = createNotifierMetrics(registry);
    const knex = createDb(config.DATABASE_URL, { pool: { min: 0, max: 4 }, applicationName: `hitboard-${APP}` });
    const lake = openLakeStore(config);
    const delivery = {
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      attempts: config.WEBHOOK_ATTEMPTS,
      baseDelayMs: config.WEBHOOK_BACKOFF_MS,
      maxDelayMs: config.WEBHOOK_MAX_BACKOFF_MS,
      // One limiter for alerts and reports: they share the receivers.
      limiter: new WebhookLimiter(config.WEBHOOK_CONCURRENCY),
    };
    const common = { webhooks: rules.webhooks, delivery, instance: config.NOTIFIER_INSTANCE_ID, leaseMs: leaseMs(config), metrics, log };
    const notifier = new Notifier({
      alerter: new Alerter({ ...common, store: new AlertStore(knex), rules: rules.rules }),
      reporter: new Reporter({ ...common, store: new ReportStore(knex), lake, registry: IntervalRegistry.standard(config.REPORTING_TIME_ZONE), reports: rules.reports }),
      pollIntervalMs: config.POLL_INTERVAL_MS,
      stallAfterMs: config.STALL_AFTER_MS,
      metrics,
      log,
    });
    log.info({ instance: config.NOTIFIER_INSTANCE_ID, zone: config.REPORTING_TIME_ZONE, lake: lake.location }, 'starting');
    return {
      start: () => notifier.start(),
      stop: async () => {
        // The poll and the deliveries get the stop bound minus what releasing needs (issue 29).
        await notifier.stop(Math.max(1000, config.STOP_BOUND_MS - 4000));
        await lake.close();
        // A pool whose query hangs (Postgres stopped, not refusing) never finishes closing: leave it.
        if (!(await finishedWithin(knex.destroy(), 1000))) log.error({ timeoutMs: 1000 }, 'stop: the database pool did not close in time (Postgres not answering); exiting without it');
      },
      health: () => notifier.health(),
    };
  },
});
