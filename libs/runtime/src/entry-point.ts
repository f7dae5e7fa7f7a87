import { ConfigError, envRows, type EnvSchema } from './config';
import { isDeploymentSetting, RECORDED_SETTINGS, type DeploymentSettingName } from './deployment-settings';

/** What a command's `--help` says. */
export interface CommandInfo {
  /** The command name, as typed. */
  name: string;
  /** One paragraph: what it does. */
  summary: string;
  /** Extra usage lines (flags), if any. */
  usage?: string[];
  env?: EnvSchema;
}

/** The `--help` text: usage, summary, options, then the deployment settings the command reads apart from its own. */
export function helpText(info: CommandInfo): string {
  const parts = [`Usage: ${info.name}${info.usage?.length ? ' [options]' : ''}`, '', info.summary];
  if (info.usage?.length) parts.push('', 'Options:', ...info.usage.map((u) => `  ${u}`));
  if (info.env) {
    const names = Object.keys(info.env.shape);
    const shared = names.filter(isDeploymentSetting);
    const own = names.filter((n) => !isDeploymentSetting(n));
    if (shared.length > 0) {
      parts.push(
        '',
        'Deployment settings (the same on every machine; * = recorded in the database by the first app that runs:',
        'an app started with another value refuses to work, /healthz 503 naming it):',
        ...envRows(info.env, shared, (n) => (RECORDED_SETTINGS.includes(n as DeploymentSettingName) ? '*' : ' ')),
      );
    }
    if (own.length > 0) parts.push('', shared.length > 0 ? 'Settings of this app:' : 'Environment:', ...envRows(info.env, own));
  }
  return `${parts.join('\n')}\n`;
}

/** Prints help and exits when asked (`--help`/`-h`); returns the remaining argv otherwise. */
export function handleHelp(info: CommandInfo, argv: string[] = process.argv.slice(2)): string[] {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText(info));
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
