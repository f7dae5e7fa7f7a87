/**
 * Ops commands: `alerts` (sent, failed, suppressed and pending alerts, newest first) and `reports`
 * (scheduled reports and where they are). `npx tsx apps/notifier/src/cli.ts <command> --help`.
 */
import { createDb } from '@hitboard/db-client';
import { formatTable, handleHelp, loadConfig, parseArgs, parseInstant, runCommands, UsageError } from '@hitboard/runtime';
import { TABLES } from '@hitboard/schema';
import { configSchema } from './config';

const cliEnv = configSchema.pick({ DATABASE_URL: true, REPORTING_TIME_ZONE: true });
const iso = (d: Date | null | undefined) => (d ? d.toISOString().replace('.000Z', 'Z') : '-');
const limitOf = (value: string | true | undefined) => {
  const limit = Number(value ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number ≥ 1');
  return limit;
};

async function alerts(argv: string[]): Promise<void> {
  handleHelp(
    {
      name: 'cli.ts alerts',
      summary:
        'Lists alert deliveries, newest first: one row per rule, product, episode (since) and webhook, with its status (pending, sent, ' +
        'failed, suppressed), attempts, HTTP status and reason (why it failed, or the cooldown that suppressed it).',
      usage: [
        '--status <s>             pending, sent, failed or suppressed',
        '--rule <name>            only this rule',
        '--product <id>           only this product',
        '--from <date> --to <date>  claimed in [from, to) (YYYY-MM-DD in REPORTING_TIME_ZONE, or ISO)',
        '--limit <n>              at most n rows (default 50)',
      ],
      env: cliEnv,
    },
    argv,
  );
  const args = parseArgs(argv, ['status', 'rule', 'product', 'from', 'to', 'limit'], []);
  const config = loadConfig('notifier alerts', cliEnv);
  const limit = limitOf(args['limit']);
  if (args['status'] !== undefined && !['pending', 'sent', 'failed', 'suppressed'].includes(String(args['status']))) throw new UsageError('--status: pending, sent, failed or suppressed');
  const knex = createDb(config.DATABASE_URL, { pool: { min: 0, max: 1 }, applicationName: 'hitboard-notifier-cli' });
  try {
    let q = knex(TABLES.alerts).select('*');
    if (typeof args['status'] === 'string') q = q.where('status', args['status']);
    if (typeof args['rule'] === 'string') q = q.where('rule', args['rule']);
    if (typeof args['product'] === 'string') q = q.where('product_id', args['product']);
    if (typeof args['from'] === 'string') q = q.where('claimed_at', '>=', new Date(parseInstant(args['from'], config.REPORTING_TIME_ZONE, 'from')));
    if (typeof args['to'] === 'string') q = q.where('claimed_at', '<', new Date(parseInstant(args['to'], config.REPORTING_TIME_ZONE, 'to')));
    const rows = await q.orderBy('alert_id', 'desc').limit(limit);
    process.stdout.write(
      formatTable([
        ['alert_id', 'rule', 'webhook', 'product_id', 'since', 'factor', 'status', 'attempts', 'http', 'claimed_at', 'finished_at', 'reason'],
        ...rows.map((r) => [
          String(r.alert_id),
          r.rule,
          r.webhook,
          r.product_id,
          iso(r.since),
          r.is_new ? 'new' : Number(r.factor).toFixed(1),
          r.status,
          String(r.attempts),
          r.http_status === null ? '-' : String(r.http_status),
          iso(r.claimed_at),
          iso(r.finished_at),
          r.reason ? String(r.reason).slice(0, 100) : '',
        ]),
      ]),
    );
    if (rows.length === 0) process.stdout.write('No alerts match.\n');
  } finally {
    await knex.destroy();
  }
}

async function reports(argv: string[]): Promise<void> {
  handleHelp(
    {
      name: 'cli.ts reports',
      summary:
        'Lists scheduled reports, newest window first: status (waiting for its rollup, built, delivered, failed), when it was due, ' +
        'since when it has been late, its lake keys (CSV, SVG) and the reason of a failure.',
      usage: ['--report <name>          only this report', '--status <s>             waiting, built, delivered or failed', '--limit <n>              at most n rows (default 50)'],
      env: cliEnv,
    },
    argv,
  );
  const args = parseArgs(argv, ['report', 'status', 'limit'], []);
  const config = loadConfig('notifier reports', cliEnv);
  const limit = limitOf(args['limit']);
  if (args['status'] !== undefined && !['waiting', 'built', 'delivered', 'failed'].includes(String(args['status']))) throw new UsageError('--status: waiting, built, delivered or failed');
  const knex = createDb(config.DATABASE_URL, { pool: { min: 0, max: 1 }, applicationName: 'hitboard-notifier-cli' });
  try {
    let q = knex(TABLES.reports).select('*');
    if (typeof args['report'] === 'string') q = q.where('report', args['report']);
    if (typeof args['status'] === 'string') q = q.where('status', args['status']);
    const rows = await q.orderBy([{ column: 'window_start', order: 'desc' }, { column: 'report' }]).limit(limit);
    process.stdout.write(
      formatTable([
        ['report', 'interval', 'window_start', 'status', 'due_at', 'late_since', 'built_at', 'delivered_at', 'rows', 'csv', 'svg', 'reason'],
        ...rows.map((r) => [
          r.report,
          r.interval,
          iso(r.window_start),
          r.status,
          iso(r.due_at),
          iso(r.late_since),
          iso(r.built_at),
          iso(r.delivered_at),
          r.rows === null ? '-' : String(r.rows),
          r.csv_key ?? '-',
          r.svg_key ?? '-',
          r.reason ? String(r.reason).slice(0, 100) : '',
        ]),
      ]),
    );
    if (rows.length === 0) process.stdout.write('No reports match.\n');
  } finally {
    await knex.destroy();
  }
}

if (require.main === module) {
  runCommands(
    `Usage: npx tsx apps/notifier/src/cli.ts <command> [options]\n\nCommands:\n  alerts     alert deliveries: sent, failed, suppressed, pending\n  reports    scheduled reports: waiting, built, delivered, failed\n\n<command> --help for its options.\n`,
    { alerts, reports },
  );
}
