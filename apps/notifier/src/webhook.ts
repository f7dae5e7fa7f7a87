import { HitboardError } from '@hitboard/schema';
import { retry, type Logger } from '@hitboard/runtime';
import type { NotifierMetrics } from './metrics';
import type { Webhook } from './rules-file';

/** A webhook request that did not get a 2xx. Retriable: 5xx, 408, 429 and network errors or timeouts; not: other 4xx. */
export class WebhookError extends HitboardError {
  constructor(
    message: string,
    readonly status: number | null,
    retriable: boolean,
    cause?: unknown,
  ) {
    super(message, { retriable, cause });
  }
}

export interface DeliveryOptions {
  timeoutMs: number;
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Sent as `Idempotency-Key`, so a receiver can drop the repeat of a delivery taken over after a crash. */
  idempotencyKey: string;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number) => void;
}

/** What the alerter and the reporter share: webhooks by name, how to deliver, and who claims what for how long. */
export interface Delivering {
  webhooks: ReadonlyMap<string, Webhook>;
  delivery: Omit<DeliveryOptions, 'idempotencyKey' | 'signal' | 'onRetry'>;
  /** This instance's name in the claims it makes. */
  instance: string;
  /** How long a claim is this instance's before another may take the delivery over. */
  leaseMs: number;
  metrics: NotifierMetrics;
  log: Logger;
}

export type DeliveryResult = { ok: true; attempts: number; status: number } | { ok: false; attempts: number; status: number | null; reason: string };

/** POSTs `body` as JSON to the webhook, retrying with exponential backoff (libs/runtime `retry`). Never throws. */
export async function deliverWebhook(webhook: Pick<Webhook, 'url' | 'headers'>, body: unknown, options: DeliveryOptions): Promise<DeliveryResult> {
  let attempts = 0;
  try {
    const status = await retry(
      async () => {
        attempts++;
        return postOnce(webhook, body, options);
      },
      {
        attempts: options.attempts,
        baseDelayMs: options.baseDelayMs,
        maxDelayMs: options.maxDelayMs,
        ...(options.signal ? { signal: options.signal } : {}),
        onRetry: (err, attempt) => options.onRetry?.(err, attempt),
      },
    );
    return { ok: true, attempts, status };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause instanceof WebhookError ? (err as { cause: WebhookError }).cause : err;
    return { ok: false, attempts, status: cause instanceof WebhookError ? cause.status : null, reason: (cause as Error).message ?? String(cause) };
  }
}

async function postOnce(webhook: Pick<Webhook, 'url' | 'headers'>, body: unknown, options: DeliveryOptions): Promise<number> {
  let res: Response;
  try {
    res = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'hitboard-notifier', 'idempotency-key': options.idempotencyKey, ...webhook.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    throw new WebhookError(`POST ${redactUrl(webhook.url)}: ${(err as Error).message}`, null, true, err);
  }
  // Read the body so the connection is released; its text is kept for the reason.
  const text = await res.text().catch(() => '');
  if (res.ok) return res.status;
  const retriable = res.status >= 500 || res.status === 408 || res.status === 429;
  throw new WebhookError(`POST ${redactUrl(webhook.url)}: HTTP ${res.status}${text ? ` ${text.slice(0, 200)}` : ''}`, res.status, retriable);
}

/** Webhook URLs carry their secret in the path (Slack's do): logs and the database keep the host only. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(bad url)';
  }
}
