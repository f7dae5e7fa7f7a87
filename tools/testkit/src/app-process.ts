/**
 * A project command (an app's `src/main.ts`, a tool's CLI) as a child process of a test, under tsx,
 * in its own process group so a stop reaches everything it started. Its output is kept (the last
 * `keepLines` lines) for the failure message; `finished()` resolves with its exit code.
 */
import { spawn } from 'node:child_process';

export interface AppProcess {
  readonly name: string;
  /** The last lines it printed (stdout and stderr). */
  output(): string;
  /** Its exit: code, or the signal that ended it. */
  finished(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once it exited 0; otherwise throws with its output. */
  succeeded(): Promise<void>;
  /** SIGTERM to its process group (graceful stop), then its exit; a no-op once it has exited. */
  stop(): Promise<void>;
}

export interface AppProcessOptions {
  /** For messages: which app or tool. */
  name: string;
  /** Working directory (an app's folder, or the repository root for a tool). */
  cwd: string;
  /** The TypeScript entry point and its arguments, relative to `cwd`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  keepLines?: number; // default 400
}

export function startAppProcess(options: AppProcessOptions): AppProcess {
  const { name, cwd, args, env, keepLines = 400 } = options;
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  // Per stream, the line a chunk ended in the middle of: a chunk boundary must not split a (JSON) line in two.
  const keeper = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter(Boolean));
      if (lines.length > keepLines) lines.splice(0, lines.length - keepLines);
    };
  };
  child.stdout!.on('data', keeper());
  child.stderr!.on('data', keeper());
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const output = () => lines.join('\n');
  return {
    name,
    output,
    finished: () => exit,
    succeeded: async () => {
      const { code, signal } = await exit;
      if (code !== 0) throw new Error(`${name} exited with ${code ?? signal}:\n${output()}`);
    },
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // exited meanwhile
        }
      }
      await exit;
    },
  };
}
