import { Gauge, type Registry } from 'prom-client';
import type { z } from 'zod';
import { createDb } from '@hitboard/db-client';
import { CLOCK_START_VARIABLE, startClock, systemClock } from './clock';
import { loadConfig, type EnvSchema } from './config';
import { handleHelp, runMain, type CommandInfo } from './entry-point';
import { createLogger, type Logger } from './logger';
import { createMetricsRegistry, startOpsServer, type Health, type OpsServer } from './ops-server';
import { retry } from './retry';
import { checkDeploymentSettings, describeMismatch, type SettingMismatch } from './settings-ledger';
import { onShutdown } from './shutdown';

/** A long-running app: built by its spec's `create`, then started; stopped once on the first signal. */
export interface Service {
  /** Begins the work (connects, joins groups, schedules); resolves once running. */
  start(): Promise<void>;
  /** Finishes in-flight work and releases everything the service holds (consumers, pools, files). */
  stop(): Promise<void>;
  health(): Health | Promise<Health>;
}

/** What every service's configuration holds besides its own settings. */
interface ServiceConfig {
  DATABASE_URL: string;
  OPS_PORT: number;
  OPS_HOST?: string;
  LOG_LEVEL?: string;
}

export interface ServiceContext<C> {
  config: C;
  log: Logger;
  /** The app's metrics registry, served on /metrics. */
  registry: Registry;
  /** The command line after `--help` handling. */
  argv: string[];
}

export interface ServiceSpec<S extends EnvSchema> extends CommandInfo {
  env: S;
  /** Builds the service (no work yet); called only once the deployment settings agree with the database. */
  create(context: ServiceContext<z.output<S>>): Promise<Service>;
}

/** Postgres errors that waiting will not fix: no such table/database, bad credentials, bad SQL (classes 42, 28, 3D). */
const wontPass = (err: unknown) => /^(42|28|3D)/.test(String((err as { code?: unknown })?.code ?? ''));

/**
 * One app's life: configuration (parsed once; a wrong variable is named), logger, metrics, the ops
 * server (/metrics, /healthz), the deployment-settings check against the database, then the service.
 * An app whose recorded settings disagree with the database's refuses to work: it logs an error per
 * setting, sets `hitboard_deployment_setting_mismatch{setting}` to 1 and keeps /healthz at 503
 * naming them, and builds nothing else until it is stopped.
 */
export class ServiceRunner<S extends EnvSchema> {
  readonly config: z.output<S> & ServiceConfig;
  readonly log: Logger;
  readonly registry: Registry;
  private ops: OpsServer | null = null;
  private service: Service | null = null;
  private mismatches: SettingMismatch[] = [];
  private phase: 'checking settings' | 'starting' | 'running' | 'refused' | 'stopping' = 'checking settings';
  private readonly abort = new AbortController();
  private created: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly spec: ServiceSpec<S>,
    options: { env?: NodeJS.ProcessEnv; argv?: string[] } = {},
  ) {
    this.argv = options.argv ?? [];
    this.config = loadConfig(spec.name, spec.env, options.env) as z.output<S> & ServiceConfig;
    this.log = createLogger(spec.name, this.config.LOG_LEVEL);
    this.registry = createMetricsRegistry(spec.name);
  }

  private readonly argv: string[];

  /** The port /metrics and /healthz listen on (after `start`). */
  get opsPort(): number | undefined {
    return this.ops?.port;
  }

  async start(): Promise<void> {
    const mismatchGauge = new Gauge({
      name: 'hitboard_deployment_setting_mismatch',
      help: 'A deployment setting that differs from the value recorded in deployment_settings (1): this app refuses to work',
      labelNames: ['setting'],
      registers: [this.registry],
    });
    this.ops = await startOpsServer({ port: this.config.OPS_PORT, host: this.config.OPS_HOST, registry: this.registry, health: () => this.health() });
    this.log.info({ opsPort: this.ops.port }, 'ops server listening (/metrics, /healthz)');

    this.mismatches = await this.checkSettings();
    if (this.abort.signal.aborted) return;
    if (this.mismatches.length > 0) {
      this.phase = 'refused';
      for (const m of this.mismatches) {
        mismatchGauge.set({ setting: m.setting }, 1);
        this.log.error({ ...m }, `refusing to work: ${describeMismatch(m)}`);
      }
      return;
    }
    this.phase = 'starting';
    const creating = this.spec.create({ config: this.config, log: this.log, registry: this.registry, argv: this.argv });
    this.created = creating.catch(() => undefined);
    this.service = await creating;
    if (this.abort.signal.aborted) return;
    await this.service.start();
    if (this.phase === 'starting') this.phase = 'running';
  }

  /** Stops the service (if it was built) and the ops server. Safe to call during `start`. */
  async stop(): Promise<void> {
    this.phase = 'stopping';
    this.abort.abort();
    await this.created;
    await this.service?.stop();
    await this.ops?.close();
  }

  async health(): Promise<Health> {
    if (this.phase === 'refused') {
      return {
        ok: false,
        error: `deployment settings disagree with the database: ${this.mismatches.map((m) => m.setting).join(', ')}`,
        settingsMismatch: this.mismatches.map((m) => ({ ...m, detail: describeMismatch(m) })),
      };
    }
    if (this.service === null) return { ok: false, status: this.phase };
    return this.service.health();
  }

  /** Records (first app) and compares the deployment settings, waiting for Postgres while it is away. */
  private async checkSettings(): Promise<SettingMismatch[]> {
    const knex = createDb(this.config.DATABASE_URL, { applicationName: `hitboard-${this.spec.name}`, pool: { min: 0, max: 1 } });
    try {
      return await retry(() => checkDeploymentSettings(knex, this.config, { app: this.spec.name, record: true }), {
        signal: this.abort.signal,
        retriable: (err) => !wontPass(err),
        onRetry: (err, attempt, delayMs) => this.log.warn({ err: (err as Error).message, attempt, delayMs }, 'deployment settings: database not reachable yet, retrying'),
      }).catch((err: unknown) => {
        if (this.abort.signal.aborted) return [];
        throw err;
      });
    } finally {
      await knex.destroy();
    }
  }
}

/**
 * An app's `main`: `--help` (from its settings), then a ServiceRunner, stopped gracefully on the first
 * SIGTERM/SIGINT (registered before anything starts) and hard on a second.
 */
export function runService<S extends EnvSchema>(spec: ServiceSpec<S>): void {
  const argv = handleHelp(spec);
  runMain(async () => {
    // The clock first: a wrong HITBOARD_CLOCK_START stops the app (exit 2) before it reads any time.
    const chosenClock = startClock(process.env);
    const runner = new ServiceRunner(spec, { env: process.env, argv });
    if (chosenClock !== systemClock) runner.log.warn({ clockStart: process.env[CLOCK_START_VARIABLE], clockNow: chosenClock.date().toISOString() }, 'running on a chosen clock (HITBOARD_CLOCK_START): times of day are not the wall clock');
    onShutdown(
      async () => {
        await runner.stop();
        runner.log.info('stopped');
      },
      (msg) => runner.log.info(msg),
    );
    await runner.start();
  });
}
