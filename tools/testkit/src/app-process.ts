/**
 * The test kit's app processes: a project command (an app's `src/main.ts`, a tool's CLI, the dashboard's
 * serve.ts) as a child process of a test, started by libs/runtime's `spawnProcess` (the one way
 * `npm start`, chaos and the benches start them too): in its own process group, its last lines kept for
 * failure messages. `startApp('aggregator', env)` starts one of the system's apps by name.
 */
import { spawnProcess, startSystemApp, systemApp, type SpawnedProcess, type SystemAppName } from '@hitboard/runtime';
import { waitFor } from './wait-for';

export interface AppProcess extends SpawnedProcess {
  /** The ops port it announced (`"opsPort":N` in its log: OPS_PORT 0 picks a free one); throws when it exits first. */
  opsPort(timeoutMs?: number): Promise<number>;
  /** Resolves once a line of its output matches `pattern` (a line printed before the call counts); throws when it exits first. */
  lineMatching(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Its ops server is up (logged after its signal handlers are installed: a SIGTERM before that would kill it outright). */
  ready(timeoutMs?: number): Promise<void>;
}

export interface AppProcessOptions {
  /** For messages: which app or tool. */
  name: string;
  /** Working directory (an app's folder, or the repository root for a tool). */
  cwd: string;
  /** The TypeScript entry point and its arguments, relative to `cwd`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** `--import tsx` (default) or `--require tsx/cjs`. */
  loader?: 'import' | 'require';
  keepLines?: number; // default 400
  /** Every line it prints, as it prints it (to echo a child's log into the test's output). */
  onLine?: (line: string) => void;
}

/**
 * Watches a process's lines for the ops port it announces: kept apart, since a chatty app's
 * announcement leaves its last `keepLines` lines long before a test asks for the port.
 */
function portWatch(onLine?: (line: string) => void): { port: () => number | undefined; onLine: (line: string) => void } {
  let port: number | undefined;
  return {
    port: () => port,
    onLine: (line) => {
      port ??= Number(/"opsPort":(\d+)/.exec(line)?.[1] ?? NaN) || undefined;
      onLine?.(line);
    },
  };
}

/** The waits on a started process; `lineMatching` reads its kept lines (the last `keepLines`). */
function withWaits(proc: SpawnedProcess, port: () => number | undefined): AppProcess {
  const lineMatching = (pattern: RegExp | string, timeoutMs = 120_000) =>
    waitFor(
      `${proc.name} to print ${String(pattern)}`,
      async () => {
        const line = proc.lines().find((l) => (typeof pattern === 'string' ? l.includes(pattern) : pattern.test(l)));
        if (line === undefined && !proc.running()) throw new Error(`${proc.name} exited (${JSON.stringify(await proc.finished())}) before it printed ${String(pattern)}:\n${proc.output()}`);
        return line;
      },
      timeoutMs,
      50,
    );
  return Object.assign(proc, {
    lineMatching,
    opsPort: (timeoutMs = 120_000) =>
      waitFor(
        `${proc.name} to announce its ops port`,
        async () => {
          if (port() === undefined && !proc.running()) throw new Error(`${proc.name} exited (${JSON.stringify(await proc.finished())}) before it announced its ops port:\n${proc.output()}`);
          return port();
        },
        timeoutMs,
        50,
      ),
    ready: async (timeoutMs?: number) => void (await lineMatching('ops server listening', timeoutMs)),
  });
}

export function startAppProcess(options: AppProcessOptions): AppProcess {
  const watch = portWatch(options.onLine);
  return withWaits(spawnProcess({ ...options, onLine: watch.onLine }), watch.port);
}

/** One of the system's apps (libs/runtime's SYSTEM_APPS) by name, with exactly the environment given. */
export function startApp(name: SystemAppName, env: NodeJS.ProcessEnv, options: { label?: string; keepLines?: number; onLine?: (line: string) => void; logFile?: string } = {}): AppProcess {
  const { label, ...rest } = options;
  const watch = portWatch(options.onLine);
  return withWaits(startSystemApp(systemApp(name), { ...rest, onLine: watch.onLine, name: label ?? name, env }), watch.port);
}

/** Rejects when `app` exits before `work` settles (a bench or test polling for an app that died must not poll on). */
export function unlessExits<T>(app: SpawnedProcess, work: Promise<T>, seeLog = 'its output'): Promise<T> {
  return Promise.race([
    work,
    app.finished().then(({ code, signal }) => {
      throw new Error(`${app.name} exited (${code ?? signal}) before the work was done; see ${seeLog}`);
    }),
  ]);
}

/** Stops every process (each gracefully, all at once) and empties the list; for an afterEach. */
export async function stopAll(apps: AppProcess[], graceMs?: number): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => app.stop(graceMs)));
}
