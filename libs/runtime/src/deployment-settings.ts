import { z } from 'zod';
import { TOPICS } from '@hitboard/schema';
import { DEFAULT_KAFKA_BROKERS } from './brokers';
import { env } from './config';

const topic = () => z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, ".", "_", "-"');

/** An IANA zone, kept as written (ICU would "canonicalize" Asia/Kolkata to the old Asia/Calcutta). */
const timeZone = () =>
  z.string().refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'not an IANA time zone, e.g. Europe/Paris or Asia/Kolkata');

/**
 * The deployment's settings: what every machine of one hitboard must agree on. Defined here once;
 * each app's `config.ts` takes the ones it uses with `appConfigSchema` (same names, same parse, same
 * defaults), and `--help` lists them apart from the app's own settings.
 *
 * Those marked in RECORDED_SETTINGS are written to the `deployment_settings` table by the first app
 * that runs; an app started later with another value refuses to work (see `checkDeploymentSettings`).
 * The others may differ per machine: broker bootstrap addresses, the database URL (it *is* the
 * ledger), and a lake folder (the same lake may be mounted at different paths).
 */
export const DEPLOYMENT_SETTINGS = {
  KAFKA_BROKERS: env
    .brokers()
    .default([...DEFAULT_KAFKA_BROKERS])
    .describe('Kafka bootstrap brokers, host:port,… (any brokers of the one cluster)'),
  DATABASE_URL: env.postgresUrl().describe('Postgres holding the ledger and the serving tables (required)'),
  TOPIC_EVENTS: topic().default(TOPICS.salesEvents).describe('topic of raw sale events (keyed by product id; a partition is a product shard)'),
  TOPIC_DLQ: topic().default(TOPICS.salesEventsDlq).describe('dead-letter topic for refused events (compacted)'),
  TOPIC_PRODUCT_SUMS: topic().default(TOPICS.productSums).describe('topic of pre-summed (minute, product) records'),
  REPORTING_TIME_ZONE: timeZone().default('UTC').describe('IANA zone windows are computed in, e.g. Asia/Kolkata'),
  ALLOWED_LATENESS_MS: env
    .int(0)
    .default(5 * 60_000)
    .describe('event-time lateness allowed before the watermark passes and an hour is rolled up, ms (later data marks it dirty)'),
  // The lake's location (LAKE_DIR, or LAKE_URL with the AWS_* variables and the read cache) is libs/lake's
  // LAKE_SETTINGS, spread by every app that touches the lake: one definition, next to the store it opens.
} as const;

export type DeploymentSettingName = keyof typeof DEPLOYMENT_SETTINGS;

/** The settings the ledger records: an app whose value differs from the recorded one refuses to work. */
export const RECORDED_SETTINGS: readonly DeploymentSettingName[] = ['TOPIC_EVENTS', 'TOPIC_DLQ', 'TOPIC_PRODUCT_SUMS', 'REPORTING_TIME_ZONE', 'ALLOWED_LATENESS_MS'];

export function isDeploymentSetting(name: string): name is DeploymentSettingName {
  return Object.prototype.hasOwnProperty.call(DEPLOYMENT_SETTINGS, name);
}

/**
 * An app's configuration schema: the deployment settings it uses (from the one contract above) plus
 * its own. An app field may not reuse a deployment setting's name: the contract's parse is the only one.
 */
export function appConfigSchema<const U extends readonly DeploymentSettingName[], A extends z.ZodRawShape>(
  uses: U,
  own: A,
) {
  const clash = Object.keys(own).filter(isDeploymentSetting);
  if (clash.length > 0) throw new Error(`appConfigSchema: ${clash.join(', ')} belong to the deployment settings; list them in \`uses\``);
  const picked = Object.fromEntries(uses.map((name) => [name, DEPLOYMENT_SETTINGS[name]])) as Pick<typeof DEPLOYMENT_SETTINGS, U[number]>;
  return z.object({ ...picked, ...own });
}

/** The recorded settings among a parsed configuration, as the strings the ledger keeps. */
export function recordedValues(config: Record<string, unknown>): Map<DeploymentSettingName, string> {
  const values = new Map<DeploymentSettingName, string>();
  for (const name of RECORDED_SETTINGS) if (config[name] !== undefined) values.set(name, String(config[name]));
  return values;
}
