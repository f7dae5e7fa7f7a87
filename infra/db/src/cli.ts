/**
 * hitboard database CLI.
 *
 *   DATABASE_URL=postgres://user:pass@host:5432/hitboard tsx infra/db/src/cli.ts migrate
 *
 * Optional: HITBOARD_READER_PASSWORD sets the read-only role's password after migrating, and
 * HITBOARD_{AGGREGATOR,SPEED,BATCH,NOTIFIER}_PASSWORD those of the apps' roles (migrations 0009, 0011).
 */
import { createDb } from '@hitboard/db-client';
import { APP_ROLES } from '@hitboard/schema';
import { migrateLatest, migrateRollback, setRolePassword } from './migrate';

/** Which variable sets which app role's password (the dashboard's is HITBOARD_READER_PASSWORD). */
const ROLE_PASSWORDS = [
  ['HITBOARD_AGGREGATOR_PASSWORD', APP_ROLES.aggregator],
  ['HITBOARD_SPEED_PASSWORD', APP_ROLES.speedPipeline],
  ['HITBOARD_BATCH_PASSWORD', APP_ROLES.batchRollup],
  ['HITBOARD_NOTIFIER_PASSWORD', APP_ROLES.notifier],
] as const;

const USAGE = `Usage: cli.ts <command>

Commands:
  migrate            apply every pending migration (idempotent)
  rollback [--all]   undo the last batch of migrations (or all of them); development only

Environment:
  DATABASE_URL               postgres://user:password@host:port/database (required)
  HITBOARD_READER_PASSWORD   if set, the read-only role's password is set to it after migrating
  HITBOARD_AGGREGATOR_PASSWORD, HITBOARD_SPEED_PASSWORD, HITBOARD_BATCH_PASSWORD, HITBOARD_NOTIFIER_PASSWORD
                             if set, the password of that app's role (hitboard_aggregator, hitboard_speed,
                             hitboard_batch, hitboard_notifier); each app's DATABASE_URL then logs in as its role
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  if (command !== 'migrate' && command !== 'rollback') {
    process.stderr.write(`Unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 1;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is not set: expected postgres://user:password@host:port/database\n');
    return 1;
  }
  const knex = createDb(url, { pool: { min: 0, max: 1 }, applicationName: 'hitboard-db-cli' });
  try {
    if (command === 'migrate') {
      const readerPassword = process.env.HITBOARD_READER_PASSWORD || undefined;
      const { applied } = await migrateLatest(knex, readerPassword ? { readerPassword } : {});
      process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'Already up to date\n');
      if (readerPassword) process.stdout.write('Set the read-only role password\n');
      for (const [variable, role] of ROLE_PASSWORDS) {
        const password = process.env[variable];
        if (!password) continue;
        await setRolePassword(knex, role, password);
        process.stdout.write(`Set the password of ${role}\n`);
      }
    } else {
      const { reverted } = await migrateRollback(knex, { all: rest.includes('--all') });
      process.stdout.write(reverted.length ? `Reverted ${reverted.join(', ')}\n` : 'Nothing to roll back\n');
    }
    return 0;
  } finally {
    await knex.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
