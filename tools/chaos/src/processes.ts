import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil, startSystemApp, systemApp, type SpawnedProcess, type SystemAppName } from '@hitboard/runtime';

export { REPO_ROOT as ROOT } from '@hitboard/runtime';

/** Which of the system's apps (libs/runtime's SYSTEM_APPS, the description `npm start` runs from too). */
export type AppKind = SystemAppName;

/**
 * One app process as a machine would run it: its main.ts with its own environment, its own data
 * folder (log) and ops port, started by libs/runtime's `startSystemApp` (its own process group).
 * Started, stopped (SIGTERM), killed (-9), frozen (SIGSTOP) and thawed by the scenarios; the same
 * instance can be started again after it died.
 */
export class App {
  private process: SpawnedProcess | null = null;
  /** Every line the process printed since it was created (all of its lives), for the scenarios' checks. */
  output = '';

  constructor(
    readonly name: string,
    readonly kind: AppKind,
    readonly dataDir: string,
    readonly opsPort: number,
    private readonly env: Record<string, string>,
  ) {}

  get pid(): number | undefined {
    return this.running ? this.process?.pid : undefined;
  }

  get running(): boolean {
    return this.process?.running() ?? false;
  }

  start(): void {
    if (this.running) return;
    mkdirSync(this.dataDir, { recursive: true });
    this.process = startSystemApp(systemApp(this.kind), {
      name: this.name,
      env: { ...inheritedEnv(), ...this.env },
      logFile: join(this.dataDir, `${this.kind}.log`),
      onLine: (line) => {
        this.output += `${line}\n`;
        // Bounded: the checks look at recent lines only.
        if (this.output.length > 4_000_000) this.output = this.output.slice(-2_000_000);
      },
    });
  }

  /** A signal to its process group (SIGSTOP freezes it, SIGCONT thaws it). */
  signal(sig: NodeJS.Signals): void {
    if (this.running) this.process!.signal(sig);
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.running) await this.process!.kill();
  }

  /** SIGTERM (the app flushes and leaves its group); -9 after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.running) await this.process!.stop(timeoutMs);
  }

  /** GET /healthz on the ops port: the status code, or 0 when it does not answer. */
  async health(): Promise<number> {
    return httpStatus(`http://127.0.0.1:${this.opsPort}/healthz`);
  }

  /** One metric's samples from /metrics (`name{labels} value` lines), summed; NaN when it does not answer. */
  async metric(name: string): Promise<number> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.opsPort}/metrics`, { signal: AbortSignal.timeout(3000) });
      const text = await res.text();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      return sum;
    } catch {
      return Number.NaN;
    }
  }

  /** Waits until the ops port answers (the app is up and configured), or the process died. */
  async waitUp(timeoutMs = 120_000): Promise<void> {
    await pollUntil(
      `${this.name} to answer on :${this.opsPort} (see ${this.dataDir})`,
      async () => {
        if (!this.running) throw new Error(`${this.name} exited while starting (${JSON.stringify(await this.process?.finished())}); see ${this.dataDir}`);
        return (await this.health()) > 0;
      },
      { timeoutMs },
    );
  }
}

/** The runner's environment minus the settings the layout decides: a LAKE_URL or DATABASE_URL of the shell must not reach the apps. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const { LAKE_URL: _url, LAKE_DIR: _dir, LAKE_CACHE_DIR: _cache, DATABASE_URL: _db, ...rest } = process.env;
  return rest;
}

export async function httpStatus(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
