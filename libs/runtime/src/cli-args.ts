import { DateTime } from 'luxon';
import { runMain } from './entry-point';

/** A command line that cannot run as typed: the CLI prints it with a pointer to `--help` and exits 2. */
export class UsageError extends Error {}

/** `--name value` and `--flag` options; unknown options are an error that names them. */
export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.replace(/^--/, '');
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    if (flags.includes(name)) out[name] = true;
    else if (valued.includes(name)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      out[name] = value;
    } else throw new UsageError(`unknown option ${arg}`);
  }
  return out;
}

/** A date (`2026-01-01`: midnight in the reporting zone) or an ISO instant with its offset. */
export function parseInstant(value: string, zone: string, name: string): number {
  const t = DateTime.fromISO(value, { zone });
  if (!t.isValid) throw new UsageError(`--${name}: ${JSON.stringify(value)} is not a date (YYYY-MM-DD) or ISO time`);
  return t.toMillis();
}

/** Rows as aligned columns (the first row is the header), one line each, trailing spaces trimmed. */
export function formatTable(lines: readonly (readonly string[])[]): string {
  if (lines.length === 0) return '';
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines.map((l) => `${l.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`).join('');
}

/**
 * A CLI of subcommands (`cli.ts <command> [options]`): `usage` without a known command (exit 2 for
 * an unknown one, 0 for --help), a UsageError of a command as `<command>: message` with exit 2.
 */
export function runCommands(usage: string, commands: Record<string, (argv: string[]) => Promise<void>>): void {
  runMain(async () => {
    const [command, ...rest] = process.argv.slice(2);
    const run = command === undefined ? undefined : commands[command];
    if (run === undefined) {
      process.stdout.write(usage);
      if (command && command !== '--help' && command !== '-h') process.exitCode = 2;
      return;
    }
    try {
      await run(rest);
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`${command}: ${err.message}\nRun with --help for the options.\n`);
        process.exit(2);
      }
      throw err;
    }
  });
}
