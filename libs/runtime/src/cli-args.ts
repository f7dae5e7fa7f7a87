import { parseArgs as parseCommandLine } from 'node:util';
import { DateTime } from 'luxon';
import { runMain } from './entry-point';

/** A command line that cannot run as typed: the CLI prints it with a pointer to `--help` and exits 2. */
export class UsageError extends Error {}

/**
 * `--name value` and `--flag` options, parsed by node:util's parseArgs (strict, no positionals); its
 * errors (an unknown option, a value missing) become a UsageError that names the option.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[]): Record<string, string | true> {
  const options = Object.fromEntries([...valued.map((n) => [n, { type: 'string' as const }]), ...flags.map((n) => [n, { type: 'boolean' as const }])]);
  try {
    const { values } = parseCommandLine({ args: [...argv], options, strict: true, allowPositionals: false });
    return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== false)) as Record<string, string | true>;
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    const option = /'(-[^' ]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${option} needs a value`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1])}`);
    throw err;
  }
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
