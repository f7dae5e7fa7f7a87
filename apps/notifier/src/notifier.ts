import { clock } from '@hitboard/runtime';
import type { Health, Logger } from '@hitboard/runtime';
import { finishedWithin, sleep } from '@hitboard/runtime';
import type { Alerter } from './alerts/alerter';
import type { NotifierMetrics } from './metrics';
import type { Reporter } from './reports/reporter';

export interface NotifierOptions {
  alerter: Alerter;
  reporter: Reporter;
  pollIntervalMs: number;
  /** /healthz fails when no poll has succeeded for this long. */
  stallAfterMs: number;
  metrics: NotifierMetrics;
  log: Logger;
  now?: () => number;
}

/**
 * The notifier's loop: every poll interval, the alerts (movers → claims → deliveries) then the due
 * reports. A failed poll (Postgres away) is logged and retried at the next; /healthz fails once no poll
 * has succeeded for `stallAfterMs`.
 */
export class Notifier {
  private readonly abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private lastOkMs: number;
  private lastError: string | null = null;

  constructor(private readonly o: NotifierOptions) {
    this.now = o.now ?? clock.now;
    this.lastOkMs = this.now();
  }

  async start(): Promise<void> {
    this.lastOkMs = this.now();
    this.o.reporter.start();
    this.loop = this.run();
  }

  /**
   * Ends the loop and the deliveries in flight, waiting for them at most `timeoutMs` in all (issue 29: a
   * poll hanging on a Postgres that does not answer must not hold the stop), then says what it left.
   * Nothing is lost by leaving: claims not given back are taken over when their lease expires.
   */
  async stop(timeoutMs = 2 ** 31 - 1): Promise<void> {
    const started = performance.now();
    this.abort.abort();
    this.o.reporter.stop();
    if (!(await finishedWithin(this.loop, timeoutMs))) {
      this.o.log.error({ timeoutMs }, 'stop: the poll did not finish in time (Postgres not answering?); leaving it: its claims are taken over when their lease expires');
    }
    const left = Math.max(0, timeoutMs - (performance.now() - started));
    if (!(await this.o.alerter.stop(left))) {
      this.o.log.error({ deliveries: this.o.alerter.pending }, 'stop: deliveries did not give their claims back in time; they are taken over when their lease expires');
    }
  }

  health(): Health {
    const sinceOkMs = this.now() - this.lastOkMs;
    const ok = sinceOkMs <= this.o.stallAfterMs;
    return {
      ok,
      ...(ok ? {} : { error: `no successful poll for ${Math.round(sinceOkMs / 1000)} s${this.lastError ? `: ${this.lastError}` : ''}` }),
      lastPollAgoMs: sinceOkMs,
      deliveriesInFlight: this.o.alerter.pending,
    };
  }

  /** One poll: alerts, then reports. Exposed for tests that drive the loop themselves. */
  async pollOnce(): Promise<void> {
    await this.o.alerter.poll();
    await this.o.reporter.process();
    this.lastOkMs = this.now();
    this.lastError = null;
    this.o.metrics.lastPollSeconds.set(this.lastOkMs / 1000);
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.pollOnce();
      } catch (err) {
        this.lastError = (err as Error).message;
        this.o.metrics.pollErrors.inc();
        this.o.log.warn({ err: this.lastError }, 'poll failed; retrying at the next');
      }
      await sleep(this.o.pollIntervalMs, this.abort.signal);
    }
  }
}
