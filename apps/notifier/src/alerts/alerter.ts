import type { AlertRule } from '../rules-file';
import { finishedWithin } from '@hitboard/runtime';
import { deliverWebhook, type Delivering } from '../webhook';
import { alertBody } from './alert-body';
import type { AlertRow, AlertStore } from './alert-store';
import { matchRules } from './matching';

export interface AlerterOptions extends Delivering {
  store: AlertStore;
  rules: readonly AlertRule[];
}

/**
 * Alerts, one poll at a time: read the movers, record their episodes, match the rules, claim each new
 * (rule, episode) in Postgres, deliver the claims this instance won (in the background, so a slow
 * receiver never holds the next poll), and take over deliveries whose claimer died.
 */
export class Alerter {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly o: AlerterOptions) {}

  async poll(): Promise<number> {
    const { store, instance, leaseMs, metrics, log } = this.o;
    const movers = await store.readMovers();
    metrics.moversSeen.set(movers.length);
    await store.recordEpisodes(movers);
    if (this.o.rules.length === 0) return movers.length;
    for (const candidate of await store.unclaimed(matchRules(this.o.rules, movers))) {
      if (this.abort.signal.aborted) break;
      const claim = await store.claim(candidate, instance, leaseMs);
      for (const row of claim.rows) {
        if (row.status === 'suppressed') {
          metrics.alertsSuppressed.inc({ rule: row.rule, webhook: row.webhook });
          log.info({ alertId: row.alertId, rule: row.rule, webhook: row.webhook, productId: row.productId, reason: row.reason }, 'alert suppressed');
        } else this.deliverInBackground(row);
      }
    }
    for (const row of await store.takeExpired(instance, leaseMs)) {
      log.warn({ alertId: row.alertId, rule: row.rule, webhook: row.webhook, productId: row.productId }, 'taking over a delivery whose claimer did not finish it');
      this.deliverInBackground(row);
    }
    return movers.length;
  }

  /** Deliveries still running. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves once every delivery started so far has ended (recorded). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Stops retrying and ends the requests in flight: their deliveries give their claim back (another poll
   * takes them over) and end. Waits for them at most `timeoutMs` (giving a claim back needs Postgres);
   * a claim not given back in time is taken over once its lease expires. Resolves false if time ran out.
   */
  async stop(timeoutMs = MAX_TIMER_MS): Promise<boolean> {
    this.abort.abort();
    return finishedWithin(Promise.all([...this.inFlight]), Math.min(timeoutMs, MAX_TIMER_MS));
  }

  private deliverInBackground(row: AlertRow): void {
    const done = this.deliver(row).catch((err: unknown) => this.o.log.error({ err, alertId: row.alertId }, 'alert delivery could not be recorded (retried after its lease)'));
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private async deliver(row: AlertRow): Promise<void> {
    const { store, instance, metrics, log } = this.o;
    const labels = { rule: row.rule, webhook: row.webhook };
    const webhook = this.o.webhooks.get(row.webhook);
    if (!webhook) {
      // A takeover after the rules changed: the webhook is gone, say so rather than guess.
      await store.finish(row.alertId, instance, { status: 'failed', attempts: 0, httpStatus: null, reason: `webhook "${row.webhook}" is no longer configured` });
      metrics.alertsFailed.inc(labels);
      return;
    }
    const message = await store.message(row.alertId);
    const result = await deliverWebhook(webhook, alertBody(webhook, message), {
      ...this.o.delivery,
      idempotencyKey: `hitboard-alert-${row.alertId}`,
      signal: this.abort.signal,
      onRetry: (err, attempt) => {
        metrics.webhookRetries.inc({ kind: 'alert', webhook: row.webhook });
        log.warn({ alertId: row.alertId, webhook: row.webhook, attempt, err: (err as Error).message }, 'webhook failed, retrying');
      },
    });
    if (!result.ok && this.abort.signal.aborted) {
      log.warn({ alertId: row.alertId, webhook: row.webhook, productId: row.productId, attempts: result.attempts }, 'delivery not finished at stop: claim given back (a poll of another instance or the next start delivers it)');
      await store.release(row.alertId, instance, result.attempts);
      return;
    }
    const recorded = await store.finish(row.alertId, instance, result.ok
      ? { status: 'sent', attempts: result.attempts, httpStatus: result.status, reason: null }
      : { status: 'failed', attempts: result.attempts, httpStatus: result.status, reason: result.reason });
    if (!recorded) {
      log.warn({ alertId: row.alertId }, 'delivery finished after its lease passed to another instance (it may be delivered twice)');
      return;
    }
    if (result.ok) {
      metrics.alertsSent.inc(labels);
      log.info({ alertId: row.alertId, ...labels, productId: row.productId, attempts: result.attempts }, 'alert sent');
    } else {
      metrics.alertsFailed.inc(labels);
      log.error({ alertId: row.alertId, ...labels, productId: row.productId, attempts: result.attempts, reason: result.reason }, 'alert failed');
    }
  }
}

/** setTimeout's longest delay (about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
