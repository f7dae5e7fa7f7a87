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
  /** `env.stopBound()`; DEFAULT_STOP_BOUND_MS when the app does not declare it. */
  STOP_BOUND_MS?: number;
}

/**
 * How long a stop may take before the process leaves anyway (issue 29: with Postgres gone, SIGTERM left
 * the aggregator and the rollup scheduler running 28 s+ until SIGKILL). Each service fits its own
 * waits (a last flush or checkpoint, leaving the group) inside it; the bound is what holds when one of
 * them does not (a dependency that neither answers nor refuses). Nothing committed depends on a stop
 * finishing: the ledger and the checkpoints are the truth, and the next owner redoes the rest.
 */
export const DEFAULT_STOP_BOUND_MS = 15_000;

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
  /** What a stop is doing now: the bound's log line names it. */
  private stopStep = 'not stopping';

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
    this.stopStep = 'building the service (start-up was still under way)';
    await this.created;
    this.stopStep = "the service's stop (its log says what it could not finish)";
    await this.service?.stop();
    this.stopStep = 'closing the ops server';
    await this.ops?.close();
    this.stopStep = 'stopped';
  }

  get stopBoundMs(): number {
    return this.config.STOP_BOUND_MS ?? DEFAULT_STOP_BOUND_MS;
  }

  /**
   * `stop()` within STOP_BOUND_MS: true when it finished; false when the bound came first, after an
   * error log naming the step still running (the caller exits: nothing of a stop is needed for
   * exactness, and a process that does not leave holds its partitions and blocks its supervisor).
   */
  async stopWithinBound(): Promise<boolean> {
    const boundMs = this.stopBoundMs;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.stop().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), boundMs))),
    ]).finally(() => clearTimeout(timer));
    if (!finished) {
      this.log.error({ stopBoundMs: boundMs, unfinished: this.stopStep }, `stop bound reached after ${boundMs} ms, still in: ${this.stopStep}; exiting (what did not commit is redone by the next owner or start)`);
    }
    return finished;
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
        if (!(await runner.stopWithinBound())) throw new Error(`stop bound (${runner.stopBoundMs} ms) reached`);
        runner.log.info('stopped');
      },
      (msg) => runner.log.info(msg),
    );
    await runner.start();
  });
}
