import { hostname } from 'node:os';
import { z } from 'zod';
import { LAKE_SETTINGS } from '@hitboard/lake';
import { appConfigSchema, env, loadConfig } from '@hitboard/runtime';
import { loadRulesFile } from './rules-file';

/** The deployment settings the notifier uses (libs/runtime's contract), the lake's location, then its own. */
export const configSchema = appConfigSchema(['DATABASE_URL', 'REPORTING_TIME_ZONE'], {
  ...LAKE_SETTINGS,
  // Read and validated with the rest of the configuration, before anything starts: a wrong rule is a ConfigError naming it.
  NOTIFIER_RULES_FILE: z
    .string()
    .min(1)
    .optional()
    .transform((path) => (path === undefined ? undefined : loadRulesFile(path)))
    .describe('JSON file of alert rules, webhooks and report schedules (validated at start-up); unset: alerts off, default reports to the lake only'),
  POLL_INTERVAL_MS: env.int(50).default(2000).describe('how often the movers are read and due reports checked, ms'),
  WEBHOOK_TIMEOUT_MS: env.int(100).default(5000).describe('one webhook request may take this long before it counts as failed, ms'),
  WEBHOOK_ATTEMPTS: env.int(1).default(6).describe('attempts per webhook delivery (5xx, 408, 429 and network errors are retried; other 4xx are not)'),
  WEBHOOK_BACKOFF_MS: env.int(1).default(500).describe('first retry delay, doubled each attempt (full jitter), ms'),
  WEBHOOK_MAX_BACKOFF_MS: env.int(1).default(30_000).describe('longest retry delay, ms'),
  WEBHOOK_CONCURRENCY: env.int(1).default(4).describe('most requests in flight per webhook (the rest queue); a receiver\'s Retry-After pauses that webhook'),
  STALL_AFTER_MS: env.int(1000).default(60_000).describe('/healthz fails when no poll of the movers has succeeded for this long, ms'),
  NOTIFIER_INSTANCE_ID: z.string().min(1).default(`${hostname()}-${process.pid}`).describe('names this instance in claimed alerts and reports'),
  OPS_PORT: env.port().default(9470).describe('port of /metrics and /healthz (0: any free port)'),
  STOP_BOUND_MS: env.stopBound(),
  LOG_LEVEL: env.logLevel(),
});

export type NotifierConfig = z.output<typeof configSchema>;

export function loadNotifierConfig(source: NodeJS.ProcessEnv = process.env): NotifierConfig {
  return loadConfig('notifier', configSchema, source);
}

/**
 * How long a claimed delivery belongs to the instance that claimed it: longer than every attempt and
 * backoff of one delivery, so a live instance never loses a delivery it is still retrying; after it, a
 * crashed instance's pending deliveries are taken over (at least once: see the README).
 */
export function leaseMs(config: Pick<NotifierConfig, 'WEBHOOK_ATTEMPTS' | 'WEBHOOK_TIMEOUT_MS' | 'WEBHOOK_MAX_BACKOFF_MS'>): number {
  return config.WEBHOOK_ATTEMPTS * (config.WEBHOOK_TIMEOUT_MS + config.WEBHOOK_MAX_BACKOFF_MS) + 30_000;
}
