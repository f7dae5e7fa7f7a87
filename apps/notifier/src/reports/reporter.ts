import { clock } from '@hitboard/runtime';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import cron, { type ScheduledTask } from 'node-cron';
import { reportFilePath, type LakeStore } from '@hitboard/lake';
import type { IntervalRegistry, Window } from '@hitboard/time';
import type { ReportSpec, Webhook } from '../rules-file';
import { slackEscape } from '../alerts/alert-body';
import { deliverWebhook, type Delivering } from '../webhook';
import { reportCsv, reportSvg, type ReportData } from './report-render';
import type { ReportRow, ReportStore } from './report-store';

export interface ReporterOptions extends Delivering {
  store: ReportStore;
  lake: LakeStore;
  registry: IntervalRegistry;
  reports: readonly ReportSpec[];
  /** Movers listed per report (the period's biggest). */
  moversListed?: number; // default 10
}

/**
 * Scheduled reports. A cron tick (reporting zone) makes the report of the window that just ended due
 * (`reports` row, once across instances); each poll then builds the due reports whose window the batch
 * layer has rolled up exactly — a report due earlier waits, says so once (log + metric), and is built
 * when the rollup lands — writes CSV + SVG under the lake's `reports/`, and delivers them to its webhooks.
 * A report's row moves waiting → built → delivered (or failed), so a restart neither rebuilds nor resends.
 */
export class Reporter {
  private jobs: ScheduledTask[] = [];
  private readonly specs: Map<string, ReportSpec>;

  constructor(private readonly o: ReporterOptions) {
    this.specs = new Map(o.reports.map((r) => [r.name, r]));
  }

  start(): void {
    for (const spec of this.o.reports) {
      this.jobs.push(
        cron.schedule(spec.cron, () => void this.due(spec.name, clock.date()).catch((err: unknown) => this.o.log.error({ err, report: spec.name }, 'could not schedule the report')), {
          timezone: this.o.registry.timeZone,
          name: `report-${spec.name}`,
        }),
      );
    }
  }

  stop(): void {
    for (const job of this.jobs) void job.stop();
    this.jobs = [];
  }

  /** The window a report fired at `at` covers: the last complete window of its interval (reporting zone). */
  windowFor(report: string, at: Date): Window {
    const spec = this.spec(report);
    return this.o.registry.previous(this.o.registry.windowAt(spec.interval, at));
  }

  /** Makes `report` due for the window that ended before `at` (what its cron tick does). Returns that window. */
  async due(report: string, at: Date): Promise<Window> {
    const window = this.windowFor(report, at);
    const added = await this.o.store.schedule(report, window, at);
    if (added) this.o.log.info({ report, interval: window.interval, windowStart: window.start.toISOString() }, 'report due');
    return window;
  }

  /** Works every open report this instance can lease: waiting → (rollup done?) built → delivered. */
  async process(): Promise<void> {
    const { store, instance, leaseMs, metrics, log } = this.o;
    for (const row of await store.leaseOpen(instance, leaseMs)) {
      const spec = this.specs.get(row.report);
      if (!spec) {
        await store.release(row, instance); // another instance's report (its rules file names it)
        continue;
      }
      if (row.status === 'waiting') {
        if (!(await store.isExact({ interval: row.interval, windowStart: row.windowStart }))) {
          if (await store.markLate(row)) {
            metrics.reportsLate.inc({ report: row.report });
            log.warn(
              { report: row.report, interval: row.interval, windowStart: row.windowStart.toISOString() },
              'report is late: its window is not rolled up yet (exact batch windows only); it is built once the rollup is done',
            );
          }
          await store.release(row, instance);
          continue;
        }
        Object.assign(row, await this.build(spec, row));
        if (row.lateSince) log.info({ report: row.report, windowStart: row.windowStart.toISOString(), lateSince: row.lateSince.toISOString() }, 'late report built: its rollup is done');
      }
      await this.deliver(spec, row);
    }
    const waiting = await store.waitingCounts();
    for (const spec of this.o.reports) metrics.reportsWaiting.set({ report: spec.name }, waiting.get(spec.name) ?? 0);
  }

  /** The report's data, from exact batch rows and the recorded mover episodes. */
  async data(spec: ReportSpec, row: Pick<ReportRow, 'interval' | 'windowStart' | 'windowEnd'>): Promise<ReportData> {
    const zone = this.o.registry.timeZone;
    const first = DateTime.fromJSDate(row.windowStart, { zone }).toISODate()!;
    const last = DateTime.fromMillis(row.windowEnd.getTime() - 1, { zone }).toISODate()!;
    return {
      report: spec.name,
      interval: row.interval,
      windowStart: row.windowStart,
      windowEnd: row.windowEnd,
      label: first === last ? first : `${first} – ${last}`,
      zone,
      metric: spec.metric,
      top: await this.o.store.top({ interval: row.interval, windowStart: row.windowStart }, spec.metric, spec.top),
      movers: await this.o.store.movers(row, this.o.moversListed ?? 10),
    };
  }

  private async build(spec: ReportSpec, row: ReportRow): Promise<Pick<ReportRow, 'status' | 'csvKey' | 'svgKey'>> {
    const data = await this.data(spec, row);
    const stamp = reportFileStamp({ start: row.windowStart, end: row.windowEnd }, this.o.registry.timeZone);
    const csvKey = reportFilePath(spec.name, stamp, 'csv');
    const svgKey = reportFilePath(spec.name, stamp, 'svg');
    await this.put(csvKey, reportCsv(data));
    await this.put(svgKey, reportSvg(data));
    await this.o.store.markBuilt(row, this.o.instance, { csvKey, svgKey, rows: data.top.length });
    this.o.metrics.reportsBuilt.inc({ report: spec.name });
    this.o.log.info({ report: spec.name, windowStart: row.windowStart.toISOString(), csvKey, svgKey, rows: data.top.length, lake: this.o.lake.location }, 'report built');
    return { status: 'built', csvKey, svgKey };
  }

  /** Writes through the LakeStore (a folder or S3): staged locally, then put under its key. */
  private async put(key: string, text: string): Promise<void> {
    await mkdir(this.o.lake.stagingDir, { recursive: true });
    const staged = join(this.o.lake.stagingDir, `report-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(staged, text);
    await this.o.lake.put(key, staged);
  }

  private async deliver(spec: ReportSpec, row: ReportRow): Promise<void> {
    const { store, instance, metrics, log } = this.o;
    if (spec.webhooks.length === 0) {
      await store.markDelivered(row, instance, 'no webhooks: lake only');
      metrics.reportsDelivered.inc({ report: spec.name });
      return;
    }
    const data = await this.data(spec, row);
    const failures: string[] = [];
    for (const name of spec.webhooks) {
      const webhook = this.o.webhooks.get(name)!;
      const result = await deliverWebhook(webhook, reportBody(webhook, data, { csvKey: row.csvKey!, svgKey: row.svgKey!, lake: this.o.lake.location }), {
        ...this.o.delivery,
        idempotencyKey: `hitboard-report-${spec.name}-${row.windowStart.toISOString()}`,
        onRetry: (err, attempt) => {
          metrics.webhookRetries.inc({ kind: 'report', webhook: name });
          log.warn({ report: spec.name, webhook: name, attempt, err: (err as Error).message }, 'report webhook failed, retrying');
        },
      });
      if (!result.ok) failures.push(`${name}: ${result.reason}`);
    }
    if (failures.length > 0) {
      await store.markFailed(row, instance, failures.join('; '));
      metrics.reportsFailed.inc({ report: spec.name });
      log.error({ report: spec.name, windowStart: row.windowStart.toISOString(), failures }, 'report delivery failed');
    } else {
      await store.markDelivered(row, instance, null);
      metrics.reportsDelivered.inc({ report: spec.name });
      log.info({ report: spec.name, windowStart: row.windowStart.toISOString() }, 'report delivered');
    }
  }

  private spec(report: string): ReportSpec {
    const spec = this.specs.get(report);
    if (!spec) throw new Error(`no report "${report}" (configured: ${[...this.specs.keys()].join(', ') || 'none'})`);
    return spec;
  }
}

/**
 * What names a report's files: the window's first local day for a day or longer (`2026-11-20`), and for a
 * shorter window its local start with the zone's offset (`2026-11-20T1400+0000`), so hourly reports do not
 * overwrite each other — not even the two 01:00 hours of a night the clocks go back.
 */
export function reportFileStamp(window: { start: Date; end: Date }, zone: string): string {
  const start = DateTime.fromJSDate(window.start, { zone });
  const wholeDays = start.equals(start.startOf('day')) && window.end.getTime() - window.start.getTime() >= 23 * 3_600_000;
  return wholeDays ? start.toISODate()! : start.toFormat("yyyy-MM-dd'T'HHmmZZZ");
}

/** The report's webhook body: Slack text (the ranked list), or hitboard's JSON with every row and the lake keys. */
export function reportBody(webhook: Pick<Webhook, 'format'>, r: ReportData, files: { csvKey: string; svgKey: string; lake: string }): unknown {
  // Slack reads & < > as markup: names, categories and paths from data are escaped there (the bold title is ours).
  const esc = webhook.format === 'slack' ? slackEscape : (s: string) => s;
  const lines = r.top.map((t) => `${t.rank}. ${esc(t.name)} (${esc(t.category || 'no category')}): ${t.units} units, ${t.revenueCents} cents`);
  const movers = r.movers.map((m) => `${m.direction === 'up' ? '▲' : '▼'} ${esc(m.name)}: ${m.peakFactor === null ? 'new' : `${m.peakFactor.toFixed(1)}×`} since ${m.since.toISOString()}`);
  const text = [`*${r.report}*: top ${r.top.length} by ${r.metric}, ${r.interval} ${r.label} (${esc(r.zone)})`, ...lines, movers.length ? 'Movers:' : 'No movers.', ...movers, esc(`CSV ${files.lake}/${files.csvKey}, chart ${files.lake}/${files.svgKey}`)].join('\n');
  if (webhook.format === 'slack') return { text };
  return {
    type: 'hitboard.report',
    report: r.report,
    interval: r.interval,
    window: { start: r.windowStart.toISOString(), end: r.windowEnd.toISOString(), label: r.label, zone: r.zone },
    metric: r.metric,
    top: r.top,
    movers: r.movers.map((m) => ({ ...m, since: m.since.toISOString() })),
    files: { lake: files.lake, csv: files.csvKey, svg: files.svgKey },
    text,
  };
}
