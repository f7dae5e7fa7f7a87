import 'server-only';
import { Client } from 'pg';
import type { Logger } from '@hitboard/runtime';
import { SERVING_CHANGES_CHANNEL } from '@hitboard/schema';

/** A window whose served rows or totals changed, or `all` (the catalog changed, or changes may have passed unheard). */
export type ServingChange = { kind: 'window'; interval: string; windowStartMs: number } | { kind: 'all' };

/** `interval|windowStartMs` (migration 0014's triggers) or `*`; anything else is taken as a change to everything. */
export function parseServingChange(payload: string | undefined): ServingChange {
  const bar = payload?.lastIndexOf('|') ?? -1;
  if (payload === undefined || bar <= 0) return { kind: 'all' };
  const windowStartMs = Number(payload.slice(bar + 1));
  return Number.isSafeInteger(windowStartMs) ? { kind: 'window', interval: payload.slice(0, bar), windowStartMs } : { kind: 'all' };
}

/**
 * LISTENs on its own connection for committed changes to what the serving views read (the batch
 * publish, the speed store's writes, catalog changes: NOTIFY from migration 0014's triggers, sent
 * at commit). `listening` is false until the LISTEN is in place and whenever the connection is lost:
 * then a change could pass unheard, so a cache must not answer from what it holds. Each (re)connect
 * is reported as `all` first, since whatever committed while nobody listened is unknown.
 */
export class ServingChanges {
  private client: Client | null = null;
  private stopped = false;
  private isListening = false;
  /** Notifications received since start. */
  heard = 0;

  constructor(
    private readonly url: string,
    private readonly onChange: (change: ServingChange) => void,
    private readonly log: Logger,
    private readonly retryMs = 1000,
  ) {}

  get listening(): boolean {
    return this.isListening;
  }

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.url, application_name: 'hitboard-dashboard-changes' });
    let lost = false;
    const onLost = (error: unknown) => {
      if (lost) return;
      lost = true;
      this.isListening = false;
      if (this.client === client) this.client = null;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.log.warn({ err: error }, 'lost the serving-changes connection: answering without the cache until it is back');
      setTimeout(() => void this.connect(), this.retryMs).unref();
    };
    client.on('notification', (message) => {
      if (message.channel !== SERVING_CHANGES_CHANNEL) return;
      this.heard += 1;
      this.onChange(parseServingChange(message.payload));
    });
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${SERVING_CHANGES_CHANNEL}`);
    } catch (error) {
      onLost(error);
      return;
    }
    if (this.stopped || lost) {
      if (!lost) await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.onChange({ kind: 'all' });
    this.isListening = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.isListening = false;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
