import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HitboardError } from '@hitboard/errors';
import { retry, sleep, type Logger } from '@hitboard/runtime';
import type { NotifierMetrics } from './metrics';
import type { Webhook } from './rules-file';
import { guardedLookup, hostOf, isPrivateAddress, PrivateTargetError } from './webhook-target';

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
  /** Bounds the requests in flight per webhook and honours a receiver's `Retry-After`; shared by every delivery of the process. */
  limiter?: WebhookLimiter;
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

type Target = Pick<Webhook, 'url' | 'headers'> & { allowPrivateAddress?: boolean };

/**
 * POSTs `body` as JSON to the webhook, retrying with exponential backoff (libs/runtime `retry`). Never throws.
 * Redirects are not followed (a 30x is a failure: following one would send the body and the webhook's headers
 * wherever the receiver points, SSRF); the reason keeps the status, never the answer's body.
 */
export async function deliverWebhook(webhook: Target, body: unknown, options: DeliveryOptions): Promise<DeliveryResult> {
  let attempts = 0;
  const limiter = options.limiter ?? UNLIMITED;
  try {
    const status = await retry(
      async () => {
        attempts++;
        return limiter.run(webhook.url, options.maxDelayMs, options.signal, () => postOnce(webhook, body, options, limiter));
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
    return { ok: false, attempts, status: cause instanceof WebhookError ? cause.status : null, reason: cause instanceof WebhookError ? cause.message : `POST ${redactUrl(webhook.url)}: ${describeError(cause)}` };
  }
}

async function postOnce(webhook: Target, body: unknown, options: DeliveryOptions, limiter: WebhookLimiter): Promise<number> {
  const where = `POST ${redactUrl(webhook.url)}`;
  const url = new URL(webhook.url);
  const allowPrivate = webhook.allowPrivateAddress === true;
  // An address in the URL is connected to without a lookup: checked here; names are checked in the lookup.
  if (!allowPrivate && isPrivateAddress(hostOf(url))) throw new WebhookError(`${where}: ${new PrivateTargetError(hostOf(url), hostOf(url)).message}`, null, false);
  let res: IncomingMessage;
  try {
    res = await post(url, { 'content-type': 'application/json', 'user-agent': 'hitboard-notifier', 'idempotency-key': options.idempotencyKey, ...webhook.headers }, JSON.stringify(body), options.timeoutMs, allowPrivate, options.signal);
  } catch (err) {
    // Node's own messages may quote the URL (and whatever secret it holds): only a code or a class of error is kept.
    throw new WebhookError(`${where}: ${describeError(err)}`, null, !(err instanceof PrivateTargetError), err);
  }
  res.resume(); // drained, not kept: a receiver's answer (or whatever a redirect pointed at) is never stored or logged
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return status;
  if (status >= 300 && status < 400) throw new WebhookError(`${where}: HTTP ${status} (redirects are not followed)`, status, false);
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfterMs(res.headers['retry-after']) : null;
  if (retryAfterMs !== null) {
    if (retryAfterMs > options.maxDelayMs) {
      limiter.pause(webhook.url, retryAfterMs);
      throw new WebhookError(`${where}: HTTP ${status}, Retry-After ${Math.ceil(retryAfterMs / 1000)} s is longer than the longest retry delay (WEBHOOK_MAX_BACKOFF_MS): not retried`, status, false);
    }
    limiter.pause(webhook.url, retryAfterMs);
  }
  const retriable = status >= 500 || status === 408 || status === 429;
  throw new WebhookError(`${where}: HTTP ${status}`, status, retriable);
}

/**
 * One POST with node's own client (it never follows redirects), connecting through the private-address guard.
 * `stop` (the app stopping) ends a request as its timeout does: a receiver that never answers must not
 * hold a stop for WEBHOOK_TIMEOUT_MS (issue 29).
 */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, allowPrivate: boolean, stop?: AbortSignal): Promise<IncomingMessage> {
  const signal = stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs);
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: guardedLookup(allowPrivate) as never, signal }, (res) => {
      res.on('error', () => undefined);
      resolve(res);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A network error as a code or class (ECONNREFUSED, TimeoutError, …), never node's message, which may quote the URL. */
function describeError(err: unknown): string {
  if (err instanceof PrivateTargetError) return err.message;
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  if (e && typeof e.code === 'string') return e.code;
  if (e && e.cause && typeof e.cause.code === 'string') return e.cause.code;
  if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) return 'timed out';
  return 'request failed';
}

/** `Retry-After` in seconds (RFC 9110 §10.2.3); an HTTP date or anything else is ignored (the usual backoff applies). */
export function parseRetryAfterMs(value: string | string[] | undefined): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v !== undefined && /^\s*\d{1,7}\s*$/.test(v) ? Number(v) * 1000 : null;
}

/**
 * At most `concurrency` requests in flight per webhook URL, and none while the receiver's last `Retry-After`
 * runs: one poll with many matching movers must not flood a receiver, nor hammer one that asked to wait.
 * A wait longer than `maxWaitMs` is not waited out: the attempt fails at once (a later one may pass).
 * Durations are measured on the monotonic clock (performance.now).
 */
export class WebhookLimiter {
  private readonly byUrl = new Map<string, { active: number; queue: Array<() => void>; notBeforeMs: number }>();

  constructor(readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new Error(`a webhook limiter needs a concurrency of at least 1 (got ${concurrency})`);
  }

  /** Asks every later request to this webhook to wait `ms` (a receiver's Retry-After). */
  pause(url: string, ms: number): void {
    const slot = this.slot(url);
    slot.notBeforeMs = Math.max(slot.notBeforeMs, performance.now() + ms);
  }

  async run<T>(url: string, maxWaitMs: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const slot = this.slot(url);
    if (slot.active >= this.concurrency) await new Promise<void>((resolve) => slot.queue.push(resolve));
    else slot.active++;
    try {
      const waitMs = slot.notBeforeMs - performance.now();
      if (waitMs > maxWaitMs) throw new WebhookError(`POST ${redactUrl(url)}: the receiver asked to wait ${Math.ceil(waitMs / 1000)} s more (Retry-After), longer than the longest retry delay: not sent`, 429, false);
      if (waitMs > 0) await sleep(waitMs, signal);
      return await fn();
    } finally {
      const next = slot.queue.shift();
      if (next) next();
      else slot.active--;
    }
  }

  private slot(url: string) {
    let slot = this.byUrl.get(url);
    if (!slot) this.byUrl.set(url, (slot = { active: 0, queue: [], notBeforeMs: 0 }));
    return slot;
  }
}

const UNLIMITED = new WebhookLimiter(Number.MAX_SAFE_INTEGER);

/** Webhook URLs carry their secret in the path (Slack's do) or their user info: logs and the database keep the host only. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(bad url)';
  }
}
