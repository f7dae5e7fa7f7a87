import { join } from 'node:path';
import { App } from './processes';

export interface LayoutOptions {
  runDir: string;
  brokers: string[];
  /** The owner's URL: the dashboard's (it logs in as the reader role with its password). */
  databaseUrl: string;
  /** Each service's own least-privilege login (appRoleUrls of @hitboard/db), as `npm start` runs them. */
  roleUrls: { aggregator: string; 'speed-pipeline': string; 'batch-rollup': string };
  /**
   * The lake every app shares: where it is (for messages) and the variables that say so, a folder
   * (LAKE_DIR) or s3://… (LAKE_URL with AWS_*). Each app gets its own LAKE_CACHE_DIR beside them.
   */
  lake: { location: string; env: Record<string, string> };
  /** Consumer groups of this run (fresh per run, so a run never inherits another's committed offsets). */
  groupPrefix: string;
  allowedLatenessMs: number;
  sessionTimeoutMs: number;
  /** First ops port; machine i uses base + 10 i (+0 aggregator, +1 speed pipeline, +2 rollup scheduler). */
  opsPortBase: number;
  /** The dashboard: its app port, its ops port (/healthz, /metrics) and who may sign in (an access file, a session secret). */
  dashboard: { port: number; opsPort: number; readerPassword: string; accessFile: string; sessionSecret: string } | null;
}

/** The lake setting as the apps read it: one value, its kind decides the variable (AWS_* come from the environment). */
export function lakeEnv(lake: string): Record<string, string> {
  return /^s3:\/\//.test(lake) ? { LAKE_URL: lake } : { LAKE_DIR: lake };
}

/**
 * What two machines run, on this host: per machine an aggregator, a speed pipeline and a rollup
 * scheduler, each with its own data folder and ops port; one dashboard; all sharing the cluster,
 * Postgres and the lake. Two more aggregator "machines" (c, d) are defined for scaling 1 → 3 → 1.
 * The settings that must agree (topics by default, zone, lateness, lake, database, groups) are set
 * once here and handed to every app; each service logs in to Postgres as its own role.
 */
export class Layout {
  readonly aggregators: App[];
  readonly speeds: App[];
  readonly rollups: App[];
  readonly dashboard: App | null;

  constructor(readonly o: LayoutOptions) {
    const shared = {
      KAFKA_BROKERS: o.brokers.join(','),
      REPORTING_TIME_ZONE: 'UTC',
      ALLOWED_LATENESS_MS: String(o.allowedLatenessMs),
      LOG_LEVEL: 'info',
      NODE_OPTIONS: '--max-old-space-size=512',
      ...o.lake.env,
    };
    const machine = (i: number) => String.fromCharCode(97 + i);
    const dir = (i: number) => join(o.runDir, `machine-${machine(i)}`);
    const port = (i: number, k: number) => o.opsPortBase + 10 * i + k;
    this.aggregators = [0, 1, 2, 3].map(
      (i) =>
        new App(`aggregator@${machine(i)}`, 'aggregator', join(dir(i), 'aggregator'), port(i, 0), {
          ...shared,
          DATABASE_URL: o.roleUrls.aggregator,
          LAKE_CACHE_DIR: join(dir(i), 'aggregator', 'lake-cache'),
          KAFKA_CLIENT_ID: `aggregator-${machine(i)}`,
          KAFKA_GROUP_ID: `${o.groupPrefix}-aggregator`,
          KAFKA_SESSION_TIMEOUT_MS: String(o.sessionTimeoutMs),
          FLUSH_INTERVAL_MS: '1000',
          IDLE_TIMEOUT_MS: '5000',
          HEALTH_STALL_AFTER_MS: '30000',
          OPS_PORT: String(port(i, 0)),
        }),
    );
    this.speeds = [0, 1].map(
      (i) =>
        new App(`speed-pipeline@${machine(i)}`, 'speed-pipeline', join(dir(i), 'speed-pipeline'), port(i, 1), {
          ...shared,
          DATABASE_URL: o.roleUrls['speed-pipeline'],
          KAFKA_CLIENT_ID: `speed-${machine(i)}`,
          KAFKA_GROUP_ID: `${o.groupPrefix}-speed`,
          KAFKA_SESSION_TIMEOUT_MS: String(o.sessionTimeoutMs),
          WRITE_INTERVAL_MS: '1000',
          OPS_PORT: String(port(i, 1)),
        }),
    );
    this.rollups = [0, 1].map(
      (i) =>
        new App(`batch-rollup@${machine(i)}`, 'batch-rollup', join(dir(i), 'batch-rollup'), port(i, 2), {
          ...shared,
          DATABASE_URL: o.roleUrls['batch-rollup'],
          LAKE_CACHE_DIR: join(dir(i), 'batch-rollup', 'lake-cache'),
          ROLLUP_CONCURRENCY: '1',
          DUCKDB_THREADS: '1',
          ROLLUP_RETRY_BASE_MS: '200',
          OPS_PORT: String(port(i, 2)),
        }),
    );
    this.dashboard = o.dashboard
      ? new App('dashboard', 'dashboard', join(o.runDir, 'dashboard'), o.dashboard.opsPort, {
          ...shared,
          DATABASE_URL: o.databaseUrl,
          HITBOARD_READER_PASSWORD: o.dashboard.readerPassword,
          PORT: String(o.dashboard.port),
          OPS_PORT: String(o.dashboard.opsPort),
          DASHBOARD_ACCESS_FILE: o.dashboard.accessFile,
          DASHBOARD_SESSION_SECRET: o.dashboard.sessionSecret,
          DASHBOARD_HOST: '127.0.0.1',
          NEXT_TELEMETRY_DISABLED: '1',
        })
      : null;
  }

  /** The two machines' processes (not the spare aggregators), and the dashboard. */
  get base(): App[] {
    return [this.aggregators[0]!, this.aggregators[1]!, ...this.speeds, ...this.rollups, ...(this.dashboard ? [this.dashboard] : [])];
  }

  get all(): App[] {
    return [...this.aggregators, ...this.speeds, ...this.rollups, ...(this.dashboard ? [this.dashboard] : [])];
  }

  async start(): Promise<void> {
    for (const app of this.base) app.start();
    await Promise.all(this.base.map((a) => a.waitUp(a.kind === 'dashboard' ? 600_000 : 180_000)));
  }

  /** Graceful stop in order: dashboard, rollups, speed, aggregators last (they flush what they hold). */
  async stop(): Promise<void> {
    const order = [...(this.dashboard ? [this.dashboard] : []), ...this.rollups, ...this.speeds, ...this.aggregators];
    for (const app of order) await app.stop().catch(() => undefined);
    for (const app of this.all) app.close();
  }
}
