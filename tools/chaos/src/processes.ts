import { clock } from '@hitboard/runtime';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');

export type AppKind = 'aggregator' | 'speed-pipeline' | 'batch-rollup' | 'dashboard';

const ENTRY: Record<AppKind, string> = {
  aggregator: 'apps/aggregator/src/main.ts',
  'speed-pipeline': 'apps/speed-pipeline/src/main.ts',
  'batch-rollup': 'apps/batch-rollup/src/main.ts',
  dashboard: 'apps/dashboard/src/serve.ts',
};

/**
 * One app process as a machine would run it: its main.ts with its own environment, its own data
 * folder (log, cwd) and ops port. Started, stopped (SIGTERM), killed (-9), frozen (SIGSTOP) and
 * thawed by the scenarios; the same instance can be started again after it died.
 */
export class App {
  child: ChildProcess | null = null;
  private log: WriteStream | null = null;
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
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) return;
    mkdirSync(this.dataDir, { recursive: true });
    this.log ??= createWriteStream(join(this.dataDir, `${this.kind}.log`), { flags: 'a' });
    const cwd = this.kind === 'dashboard' ? join(ROOT, 'apps/dashboard') : ROOT;
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, ENTRY[this.kind])], {
      cwd,
      env: { ...inheritedEnv(), ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C of the runner reaches the runner only, which stops the apps in order.
      detached: true,
    });
    const onData = (chunk: Buffer) => {
      this.log?.write(chunk);
      this.output += chunk.toString();
      // Bounded: the checks look at recent lines only.
      if (this.output.length > 4_000_000) this.output = this.output.slice(-2_000_000);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.child = child;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) process.kill(this.child!.pid!, sig);
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((r) => this.child!.once('exit', r));
    this.signal('SIGCONT'); // a frozen process must not stay a zombie in the kernel's books
    this.signal('SIGKILL');
    await exited;
  }

  /** SIGTERM (the app flushes and leaves its group); -9 after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    const child = this.child!;
    const exited = new Promise((r) => child.once('exit', r));
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  close(): void {
    this.log?.end();
    this.log = null;
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
    const deadline = clock.now() + timeoutMs;
    while (clock.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited while starting (${this.child?.exitCode ?? this.child?.signalCode}); see ${this.dataDir}`);
      if ((await this.health()) > 0) return;
      await sleep(250);
    }
    throw new Error(`${this.name} did not answer on :${this.opsPort} within ${timeoutMs} ms; see ${this.dataDir}`);
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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
