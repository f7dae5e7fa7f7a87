/**
 * A service whose stop waits on a dependency that neither answers nor refuses (STUCK_STOP=1: it never
 * resolves), as a pool waiting on a frozen Postgres or a request to a black-holed broker does.
 * Prints `running` once started.
 */
import { appConfigSchema, env, runService } from '../../src';

runService({
  name: 'stuck-stop',
  summary: 'test service: its stop hangs when STUCK_STOP=1',
  env: appConfigSchema(['DATABASE_URL'], { OPS_PORT: env.port().default(0), LOG_LEVEL: env.logLevel(), STOP_BOUND_MS: env.stopBound() }),
  create: async () => ({
    start: async () => void process.stdout.write('running\n'),
    stop: () => (process.env['STUCK_STOP'] === '1' ? new Promise<void>(() => setInterval(() => undefined, 1000)) : Promise.resolve()),
    health: () => ({ ok: true }),
  }),
});
