import { describeEnv, ConfigError, type EnvSchema } from './config';

export interface CommandInfo {
  /** The command name, as typed. */
  name: string;
  /** One paragraph: what it does. */
  summary: string;
  /** Extra usage lines (flags), if any. */
  usage?: string[];
  env?: EnvSchema;
}

/** Prints help and exits when asked (`--help`/`-h`); returns the remaining argv otherwise. */
export function handleHelp(info: CommandInfo, argv: string[] = process.argv.slice(2)): string[] {
  if (argv.includes('--help') || argv.includes('-h')) {
    const parts = [`Usage: ${info.name}${info.usage?.length ? ' [options]' : ''}`, '', info.summary];
    if (info.usage?.length) parts.push('', 'Options:', ...info.usage.map((u) => `  ${u}`));
    if (info.env) parts.push('', describeEnv(info.env));
    process.stdout.write(`${parts.join('\n')}\n`);
    process.exit(0);
  }
  return argv;
}

/** Runs an app's main; configuration errors print plainly (exit 2), anything else exits 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
