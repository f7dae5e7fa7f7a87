/**
 * A broker of a test's own (infra/kafka/kafka.sh on free ports, its own data folder), for tests that
 * take the broker away from an app: the shared broker (KAFKA_BROKERS) serves every other test and is
 * never stopped. `freeze()` SIGSTOPs it (connections stay open, nothing answers: what an app sees when
 * the broker's host hangs or drops packets); `thaw()` resumes it. Starting takes a JVM (~15-30 s).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '@hitboard/db';

const KAFKA_SH = resolve(__dirname, '../../../infra/kafka/kafka.sh');
const run = promisify(execFile);

export interface ScratchKafka {
  readonly brokers: string[];
  freeze(): void;
  thaw(): void;
  /** Stops it (thawed first) and deletes its data. */
  destroy(): Promise<void>;
}

export async function startScratchKafka(): Promise<ScratchKafka> {
  const port = await findFreePort();
  const controllerPort = await findFreePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hitboard-kafka-'));
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_DATA_DIR: join(dataDir, 'data') };
  const sh = (cmd: string) => run('bash', [KAFKA_SH, cmd], { env, timeout: 300_000 }).then(() => undefined);
  await sh('start');
  const pid = Number(readFileSync(join(dataDir, 'data', 'broker.pid'), 'utf8').trim());
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  return {
    brokers: [`127.0.0.1:${port}`],
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    destroy: async () => {
      signal('SIGCONT');
      await sh('stop');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
