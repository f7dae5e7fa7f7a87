import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';
import { recordedValues, type DeploymentSettingName } from './deployment-settings';

/** A deployment setting whose value here differs from the one the database recorded. */
export interface SettingMismatch {
  setting: DeploymentSettingName;
  /** This app's value. */
  ours: string;
  /** The value recorded in `deployment_settings`, and by whom, when. */
  recorded: string;
  recordedBy: string;
  recordedAt: string;
}

// One key for every writer of deployment_settings: two apps starting at once record one set, never a mix.
const RECORD_LOCK_KEY = 0x6862_7365; // "hbse"

/**
 * Compares the recorded deployment settings in `config` with the `deployment_settings` table. With
 * `record` (apps that write to the ledger), a setting nobody has recorded yet is recorded first, with
 * this app's value: the first app that runs fixes it for the deployment. Returns the disagreements
 * (empty: this app may work).
 */
export async function checkDeploymentSettings(
  knex: Knex,
  config: Record<string, unknown>,
  options: { app: string; record: boolean },
): Promise<SettingMismatch[]> {
  const ours = recordedValues(config);
  if (ours.size === 0) return [];
  const rows = await knex.transaction(async (trx) => {
    if (options.record) {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [RECORD_LOCK_KEY]);
      await trx(TABLES.deploymentSettings)
        .insert([...ours].map(([name, value]) => ({ name, value, recorded_by: options.app })))
        .onConflict('name')
        .ignore();
    }
    return trx(TABLES.deploymentSettings)
      .whereIn('name', [...ours.keys()])
      .select<Array<{ name: DeploymentSettingName; value: string; recorded_by: string; recorded_at: Date }>>('name', 'value', 'recorded_by', 'recorded_at');
  });
  return rows
    .filter((row) => ours.get(row.name) !== row.value)
    .map((row) => ({ setting: row.name, ours: ours.get(row.name)!, recorded: row.value, recordedBy: row.recorded_by, recordedAt: row.recorded_at.toISOString() }))
    .sort((a, b) => (a.setting < b.setting ? -1 : 1));
}

/** One line per disagreement, for logs and `/healthz`. */
export function describeMismatch(m: SettingMismatch): string {
  return `${m.setting} is ${JSON.stringify(m.ours)} here but ${JSON.stringify(m.recorded)} in ${TABLES.deploymentSettings} (recorded by ${m.recordedBy} at ${m.recordedAt})`;
}
