import { join } from 'node:path';
import { SYSTEM_APPS, systemApp } from '@hitboard/runtime';
import { App, type AppKind } from './processes';

export interface LayoutOptions {
  runDir: string;
  brokers: string[];
  /** The owner's URL: the dashboard's (it logs in as the reader role with its password). */
  databaseUrl: string;
  /** Each service's own least-privilege login (appRoleUrls of @hitboard/db), as `npm start` runs them. */
  roleUrls: { aggregator: string; 'speed-pipeline': string; 'batch-rollup': string; notifier: string };
  /**
   * The lake every app shares: where it is (for messages) and the variables that say so, a folder
   * (LAKE_DIR) or s3://… (LAKE_URL with AWS_*). Each app gets its own LAKE_CACHE_DIR beside them.
   */
  lake: { location: string; env: Record<string, string> };
  /** Consumer groups of this run (fresh per run, so a run never inherits another's committed offsets). */
  groupPrefix: string;
  allowedLatenessMs: number;
  sessionTimeoutMs: number;
  /** First ops port; machine i uses base + 10 i plus each app's offset in SYSTEM_APPS (+0 aggregator, +2 speed pipeline, +4 rollup scheduler, +6 notifier). */
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
 * scheduler, each with its own data folder and ops port; one notifier and one dashboard; all sharing
 * the cluster, Postgres and the lake. Two more aggregator "machines" (c, d) are defined for scaling
 * 1 → 3 → 1. Which apps, their entry points and port offsets are libs/runtime's SYSTEM_APPS (what
 * `npm start` runs); the settings that must agree (topics by default, zone, lateness, lake, database,
 * groups) are set once here and handed to every app; each service logs in to Postgres as its own role.
 */
export class Layout {
  readonly aggregators: App[];
  readonly speeds: App[];
  readonly rollups: App[];
  readonly notifier: App;
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
    /** App `kind` on machine i: its data folder, its ops port (machine i's ports start at base + 10 i), its role's login, its lake cache. */
    const app = (i: number, kind: Exclude<AppKind, 'dashboard'>, env: Record<string, string>) => {
      const dataDir = join(o.runDir, `machine-${machine(i)}`, kind);
      const opsPort = o.opsPortBase + 10 * i + systemApp(kind).opsPortOffset;
      return new App(`${kind}@${machine(i)}`, kind, dataDir, opsPort, {
        ...shared,
        DATABASE_URL: o.roleUrls[kind],
        ...(systemApp(kind).lakeCache ? { LAKE_CACHE_DIR: join(dataDir, 'lake-cache') } : {}),
        OPS_PORT: String(opsPort),
        ...env,
      });
    };
    const consumer = (i: number, clientId: string, group: string) => ({
      KAFKA_CLIENT_ID: `${clientId}-${machine(i)}`,
      KAFKA_GROUP_ID: `${o.groupPrefix}-${group}`,
      KAFKA_SESSION_TIMEOUT_MS: String(o.sessionTimeoutMs),
    });
    this.aggregators = [0, 1, 2, 3].map((i) =>
      app(i, 'aggregator', { ...consumer(i, 'aggregator', 'aggregator'), FLUSH_INTERVAL_MS: '1000', IDLE_TIMEOUT_MS: '5000', HEALTH_STALL_AFTER_MS: '30000' }),
    );
    this.speeds = [0, 1].map((i) => app(i, 'speed-pipeline', { ...consumer(i, 'speed', 'speed'), WRITE_INTERVAL_MS: '1000' }));
    this.rollups = [0, 1].map((i) => app(i, 'batch-rollup', { ROLLUP_CONCURRENCY: '1', DUCKDB_THREADS: '1', ROLLUP_RETRY_BASE_MS: '200' }));
    // No rules file: alerts off, the default reports to the lake's reports/ (as `npm start` runs it without NOTIFIER_RULES_FILE).
    this.notifier = app(0, 'notifier', { POLL_INTERVAL_MS: '1000' });
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

  /** The two machines' processes (not the spare aggregators), the notifier and the dashboard. */
  get base(): App[] {
    return [this.aggregators[0]!, this.aggregators[1]!, ...this.speeds, ...this.rollups, this.notifier, ...(this.dashboard ? [this.dashboard] : [])];
  }

  get all(): App[] {
    return [...this.aggregators, ...this.speeds, ...this.rollups, this.notifier, ...(this.dashboard ? [this.dashboard] : [])];
  }

  async start(): Promise<void> {
    for (const app of this.base) app.start();
    await Promise.all(this.base.map((a) => a.waitUp(a.kind === 'dashboard' ? 600_000 : 180_000)));
  }

  /** Graceful stop in SYSTEM_APPS' reverse order: dashboard, notifier, rollups, speed, aggregators last (they flush what they hold). */
  async stop(): Promise<void> {
    const rank = (a: App) => SYSTEM_APPS.findIndex((s) => s.name === a.kind);
    for (const app of [...this.all].sort((a, b) => rank(b) - rank(a))) await app.stop().catch(() => undefined);
  }
}
