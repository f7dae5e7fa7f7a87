/**
 * The one parse of `KAFKA_BROKERS` and the one default broker address: every app, tool, bench and
 * test reads the broker list through these.
 */

/** The local broker `npm run kafka start` (infra/kafka) runs; `KAFKA_PORT` moves it. */
export const DEFAULT_KAFKA_BROKERS: readonly string[] = ['127.0.0.1:19092'];

/** Splits a comma-separated broker list; blanks are dropped (`' a:1, b:2 ,,'` → `['a:1', 'b:2']`). */
export function parseBrokers(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** host:port or [ipv6]:port. */
export const BROKER_ADDRESS = /^[^\s:,[\]]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** `KAFKA_BROKERS` from an environment: the parsed list, or the default when unset or blank. */
export function brokersFromEnv(source: NodeJS.ProcessEnv = process.env): string[] {
  const brokers = parseBrokers(source['KAFKA_BROKERS']);
  return brokers.length > 0 ? brokers : [...DEFAULT_KAFKA_BROKERS];
}
