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

/**
 * What a listing command starts with: its options (`--limit` and `--status` among them, parsed by
 * libs/runtime's parseArgs, node:util underneath), `--status` one of `statuses`, the limit, the
 * settings, and a one-connection client the caller destroys.
 */
function listing(command: string, argv: string[], valued: string[], statuses: string[]) {
  const args = parseArgs(argv, [...valued, 'status', 'limit'], []);
  const config = loadConfig(`notifier ${command}`, cliEnv);
  const limit = Number(args['limit'] ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number ≥ 1');
  const status = args['status'];
  if (status !== undefined && !statuses.includes(String(status))) throw new UsageError(`--status: ${statuses.slice(0, -1).join(', ')} or ${statuses.at(-1)}`);
  const knex = createDb(config.DATABASE_URL, { pool: { min: 0, max: 1 }, applicationName: 'hitboard-notifier-cli' });
  return { args, config, limit, knex };
}

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
  const { args, config, limit, knex } = listing('alerts', argv, ['rule', 'product', 'from', 'to'], ['pending', 'sent', 'failed', 'suppressed']);
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
  const { args, limit, knex } = listing('reports', argv, ['report'], ['waiting', 'built', 'delivered', 'failed']);
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
