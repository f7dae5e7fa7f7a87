/**
 * One hitboard process (an app's `main.ts`, a tool's CLI, the dashboard's `serve.ts`) as a child process,
 * as a machine runs it: node with tsx, its own environment, in its own process group (so a Ctrl-C of
 * the parent reaches the parent only, and a stop or kill reaches whatever the process started, e.g. the
 * dashboard's `next start`). The one way `npm start`, chaos, the benches and the test kit start apps.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

export interface SpawnedProcessOptions {
  /** For messages: which app or tool (`aggregator@a`). */
  name: string;
  /** The TypeScript entry point (absolute, or relative to `cwd`) and its arguments; with `command`, that program's arguments. */
  args: string[];
  /** A program other than a hitboard command (`java` for a bench's peer): run as it is, without node and tsx. */
  command?: string;
  cwd: string;
  /** The whole environment of the child (nothing is inherited unless it is passed). */
  env: NodeJS.ProcessEnv;
  /** How tsx is loaded: `--import tsx` (default) or `--require tsx/cjs` (the dashboard's serve.ts). */
  loader?: 'import' | 'require';
  /** Every chunk it prints (stdout and stderr) is appended to this file too. */
  logFile?: string;
  /** Called with every whole line it prints (stdout and stderr; a line split over two chunks is kept whole). */
  onLine?: (line: string) => void;
  /** How many of its last lines `output()` keeps (default 400). */
  keepLines?: number;
}

export interface SpawnedProcess {
  readonly name: string;
  /** Its pid, which is also its process group's id. */
  readonly pid: number;
  /** True until it exited. */
  running(): boolean;
  /** Its last `keepLines` lines, as one text. */
  output(): string;
  /** Its last `keepLines` lines. */
  lines(): readonly string[];
  /** Its exit: code, or the signal that ended it. */
  finished(): Promise<ExitStatus>;
  /** Resolves once it exited 0; otherwise throws with its output. */
  succeeded(): Promise<void>;
  /** A signal to its whole process group (SIGSTOP freezes it, SIGCONT thaws it); a no-op once the group is gone. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM to its group (a graceful stop), SIGKILL to what is left after `graceMs` (default 30 s); resolves with its exit. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** kill -9 of its group; resolves with its exit. */
  kill(): Promise<ExitStatus>;
}

/** Signals every process of group `pgid`; false when none is left. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function spawnProcess(options: SpawnedProcessOptions): SpawnedProcess {
  const { name, args, cwd, env, command, loader = 'import', logFile, onLine, keepLines = 400 } = options;
  const tsx = loader === 'import' ? ['--import', 'tsx'] : ['--require', 'tsx/cjs'];
  const child = spawn(command ?? process.execPath, command ? args : [...tsx, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${name} could not be started (${args[0]} in ${cwd})`);
  const pid = child.pid;
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const lines: string[] = [];
  // Per stream, the line a chunk ended in the middle of: a chunk boundary must not split a (JSON) line in two.
  const keeper = () => {
    let partial = '';
    return (chunk: Buffer) => {
      log?.write(chunk);
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        if (!line) continue;
        lines.push(line);
        onLine?.(line);
      }
      if (lines.length > keepLines) lines.splice(0, lines.length - keepLines);
    };
  };
  child.stdout!.on('data', keeper());
  child.stderr!.on('data', keeper());
  const exit = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => {
      log?.end();
      resolve({ code, signal });
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const output = () => lines.join('\n');
  const signal = (sig: NodeJS.Signals) => void signalProcessGroup(pid, sig);
  return {
    name,
    pid,
    running,
    output,
    lines: () => lines,
    finished: () => exit,
    succeeded: async () => {
      const { code, signal: sig } = await exit;
      if (code !== 0) throw new Error(`${name} exited with ${code ?? sig}:\n${output()}`);
    },
    signal,
    stop: async (graceMs = 30_000) => {
      // SIGCONT first: a frozen process must be able to act on its SIGTERM.
      signal('SIGCONT');
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const status = await exit;
      // Whatever it started and left behind (a wrapper that exited before its children) gets the rest of the grace.
      const deadline = performance.now() + graceMs;
      while (signalProcessGroup(pid, 0) && performance.now() < deadline) await sleep(100);
      clearTimeout(timer);
      if (signalProcessGroup(pid, 'SIGKILL')) {
        // Gone once the kernel has delivered it (bounded: a zombie nobody reaps still counts as a member).
        for (const until = performance.now() + 2000; signalProcessGroup(pid, 0) && performance.now() < until; ) await sleep(20);
      }
      return status;
    },
    kill: async () => {
      signal('SIGCONT'); // a frozen process must not stay a zombie in the kernel's books
      signal('SIGKILL');
      return exit;
    },
  };
}
