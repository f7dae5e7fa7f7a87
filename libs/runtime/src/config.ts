import { z } from 'zod';
import { BROKER_ADDRESS, parseBrokers } from './brokers';

/**
 * An app's configuration: one zod object over the environment, parsed once at start-up.
 * Each field's `.describe()` text is its documentation: `--help` prints it.
 */
export type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

export class ConfigError extends Error {
  constructor(
    readonly app: string,
    readonly problems: string[],
  ) {
    super(`${app}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nRun with --help for every variable.`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError that names every wrong variable and why. */
export function loadConfig<S extends EnvSchema>(app: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  // An empty variable means "unset": `FOO= app` should fall back to the default, not fail.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    app,
    result.error.issues.map((issue) => {
      // Report the variable, not the position inside its parsed value (KAFKA_BROKERS, not KAFKA_BROKERS.0).
      const name = String(issue.path[0] ?? '(environment)');
      const value = present[name];
      return `${name}: ${issue.message}${value === undefined ? '' : ` (got ${shownValue(name, value)})`}`;
    }),
  );
}

// Variables whose value is a secret: a wrong one is named, its value never printed (logs and terminals keep it).
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|(^|_)KEY($|_)|CREDENTIAL/i;

/** A wrong value as the message shows it: a secret's length only, a URL without its password. */
function shownValue(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return `a value of ${value.length} characters, not shown`;
  try {
    const url = new URL(value);
    if (url.password) {
      url.password = '***';
      return JSON.stringify(url.toString());
    }
  } catch {
    // not a URL: shown as it is
  }
  return JSON.stringify(value);
}

/** The environment section of `--help`: every variable, its meaning and its default. */
export function describeEnv(schema: EnvSchema): string {
  return `Environment:\n${envRows(schema).join('\n')}`;
}

/** One `--help` line per variable (all of them, or those named), with its meaning and default. */
export function envRows(schema: EnvSchema, names: string[] = Object.keys(schema.shape), mark: (name: string) => string = () => ' '): string[] {
  return names.map((name) => {
    const field = schema.shape[name]!;
    const parsedDefault = field.safeParse(undefined);
    const fallback = parsedDefault.success && parsedDefault.data !== undefined ? ` (default: ${JSON.stringify(parsedDefault.data)})` : '';
    return ` ${mark(name)}${name.padEnd(28)} ${field.description ?? ''}${fallback}`;
  });
}

/** Common field types, so every app spells them the same way. */
export const env = {
  brokers: () =>
    z
      .string()
      .transform(parseBrokers)
      .pipe(z.array(z.string().regex(BROKER_ADDRESS, 'each broker must be host:port')).min(1)),
  int: (min = 0) => z.coerce.number().int().min(min),
  port: () => z.coerce.number().int().min(0).max(65535),
  bool: () => z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
  postgresUrl: () => z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  /** Every service's STOP_BOUND_MS (read by runService): see DEFAULT_STOP_BOUND_MS. */
  stopBound: () =>
    z.coerce
      .number()
      .int()
      .min(1000)
      .default(15_000)
      .describe('SIGTERM/SIGINT: the process exits within this bound (ms) whatever is unreachable (Postgres, a broker, S3); what it could not finish is logged and redone by the next owner or start'),
};
