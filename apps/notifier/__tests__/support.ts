/**
 * The notifier's scenario helpers: a real HTTP receiver (node's http server), the notifier as a child
 * process (its real main.ts), movers rows written as the speed pipeline writes them, and a rules file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { setRolePassword } from '@hitboard/db';
import { APP_ROLES, TABLES } from '@hitboard/schema';
import { startApp, waitFor, type AppProcess } from '@hitboard/testkit';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The status the receiver answered. */
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers the next requests with these statuses, in order (0: never answers; held until close); 200 once they run out. */
  answer(...statuses: number[]): void;
  close(): Promise<void>;
}

/** A real local webhook receiver: records every POST (path, headers, JSON body) and answers as told. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answers.shift() ?? 200;
      if (status === 0) return void received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>, status });
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>, status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : `answer ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (...statuses) => (answers = statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a rules file in a fresh folder and returns its path. */
export function writeRules(rules: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hitboard-notifier-')), 'rules.json');
  writeFileSync(path, typeof rules === 'string' ? rules : JSON.stringify(rules, null, 2));
  return path;
}

/** A notifier child: the test kit's app process (output(), lines(), finished(), stop()). */
export type NotifierChild = AppProcess;

/** The notifier's real main.ts as a child process, fast polls and backoffs; its lines are echoed to the test's output. */
export function startNotifier(env: Record<string, string>): NotifierChild {
  return startApp(
    'notifier',
    { ...process.env, OPS_PORT: '0', LOG_LEVEL: process.env.NOTIFIER_TEST_LOG ?? 'warn', POLL_INTERVAL_MS: '100', WEBHOOK_BACKOFF_MS: '20', WEBHOOK_MAX_BACKOFF_MS: '200', ...env },
    { keepLines: 100_000, onLine: (line) => void process.stdout.write(`${line}\n`) },
  );
}

/** DATABASE_URL of `url`'s database as the notifier's own role (migration 0011), so the tests prove its grants. */
export async function notifierUrl(admin: Knex, url: string): Promise<string> {
  const password = 'hitboard-notifier-test';
  for (let attempt = 1; ; attempt++) {
    try {
      await setRolePassword(admin, APP_ROLES.notifier, password);
      break;
    } catch (error) {
      // Roles are cluster-wide: parallel test files may set the same password at once.
      if (attempt >= 5 || !/concurrently/.test(String(error))) throw error;
    }
  }
  const u = new URL(url);
  u.username = APP_ROLES.notifier;
  u.password = password;
  return u.toString();
}

export interface MoverFixture {
  productId: string;
  shard?: number;
  direction?: 'up' | 'down';
  since: Date;
  factor: number;
  orders: number;
  units?: number;
  isNew?: boolean;
}

/** Replaces a shard's movers rows as the speed pipeline's write does (one transaction: delete, insert). */
export async function publishMovers(knex: Knex, shard: number, movers: MoverFixture[]): Promise<void> {
  await knex.transaction(async (tx) => {
    await tx(TABLES.movers).where({ shard }).delete();
    if (movers.length === 0) return;
    await tx(TABLES.movers).insert(
      movers.map((m) => ({
        shard,
        product_id: m.productId,
        direction: m.direction ?? 'up',
        since: m.since,
        span_minutes: 10,
        orders: m.orders,
        units: m.units ?? m.orders * 2,
        expected_orders: m.orders / m.factor,
        expected_units: (m.units ?? m.orders * 2) / m.factor,
        units_per_hour: (m.units ?? m.orders * 2) * 6,
        units_per_hour_low: (m.units ?? m.orders * 2) * 4,
        usual_units_per_hour: ((m.units ?? m.orders * 2) * 6) / m.factor,
        factor: m.factor,
        p_value: 1e-12,
        is_new: m.isNew ?? false,
        baseline: m.isNew ? 'new' : 'hour-of-week',
        spark: [1, 2, 3],
      })),
    );
  });
}

/** Postgres's clock now (the clock the notifier's claims and episode marks use). */
export async function dbNow(knex: Knex): Promise<Date> {
  const { rows } = await knex.raw<{ rows: Array<{ now: Date }> }>('SELECT clock_timestamp() AS now');
  return rows[0]!.now;
}

/**
 * Waits until notifiers have finished `polls` whole polls after this call: each poll marks the episode
 * of `productId` seen (mover_episodes.last_seen_at) before it claims, and one instance polls in sequence,
 * so a mark after an earlier mark means the earlier poll, claims included, is done.
 */
export async function pollsDone(knex: Knex, productId: string, polls = 2): Promise<void> {
  for (let i = 0; i <= polls; i++) {
    const t0 = await dbNow(knex);
    await waitFor(`a poll that sees ${productId}`, async () => {
      const row = await knex(TABLES.moverEpisodes).where({ product_id: productId }).max<Array<{ max: Date | null }>>('last_seen_at as max');
      return (row[0]?.max?.getTime() ?? 0) > t0.getTime();
    }, 60_000, 50);
  }
}
