#!/usr/bin/env tsx
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { runMain } from '@hitboard/runtime';
import { DashboardApi, type Metric } from './api';
import { formatReport } from './compare';
import { GroundTruth } from './ground-truth';
import { DEFAULT_IN_FLIGHT_MS, verify } from './verify';

const HELP = `Usage: hitboard-verify --truth FILE [options]

Checks what the dashboard's API serves against an exact computation over the generator's ground
truth (its --truth file: NDJSON or Parquet, read with DuckDB). For every window of every interval
in the ground truth's range (or those chosen) and each metric, it asks /api/top and compares:
batch windows must match exactly (every row, the totals, and the order of the top list, ties by
product id); speed windows must be within the error bound each row states. Prints a table per
window and the worst deviation; exits 1 if anything is off, 2 on bad usage.

The ground truth must hold every sale the system has seen in those windows (run it against a
system fed only by that generator run). Beside a live system (\`npm start\` still selling), the
truth is read again at the end: if it grew, a window ending within --in-flight-minutes of the
newest sale that is not exact yet is reported "in flight" — it passes if nothing served exceeds
the truth, and the report says how far behind it is; every older window is compared exactly.

Options:
  --truth FILE        ground truth file (.ndjson or .parquet), required
  --api URL           the dashboard                                   (default http://127.0.0.1:3000)
  --intervals LIST    comma-separated, e.g. hour,day                  (default: every served interval)
  --from ISO          first instant to check                          (default: the truth's first sale)
  --to ISO            end of the range                                (default: the truth's last sale)
  --metric M          units, revenue or both                          (default both)
  --k N               rows asked per window                           (default 1000)
  --in-flight-minutes N  how long a live system may take to show a sale exactly:
                      the generator's lateness plus the rollup cadence (default 270)
  --quiet             no progress bar
  -h, --help          this text

Environment: HITBOARD_TOKEN, an API token of the dashboard (sent as Authorization: Bearer; npm start
prints its token in the sign-in link it shows); DASHBOARD_URL, the default of --api.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      truth: { type: 'string' },
      api: { type: 'string', default: process.env['DASHBOARD_URL'] ?? 'http://127.0.0.1:3000' },
      intervals: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      metric: { type: 'string', default: 'both' },
      k: { type: 'string', default: '1000' },
      'in-flight-minutes': { type: 'string', default: String(DEFAULT_IN_FLIGHT_MS / 60_000) },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const usage = (msg: string) => {
    process.stderr.write(`${msg} (see --help)\n`);
    process.exit(2);
  };
  if (!values.truth) return usage('--truth FILE is required');
  const metrics: Metric[] = values.metric === 'both' ? ['units', 'revenue'] : values.metric === 'units' || values.metric === 'revenue' ? [values.metric] : [];
  if (metrics.length === 0) return usage(`--metric must be units, revenue or both, got ${values.metric}`);
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 1) return usage(`--k must be a positive whole number, got ${values.k}`);
  const inFlightMinutes = Number(values['in-flight-minutes']);
  if (!Number.isFinite(inFlightMinutes) || inFlightMinutes < 0) return usage(`--in-flight-minutes must be a number of minutes, got ${values['in-flight-minutes']}`);
  const time = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) usage(`--${name} must be an ISO instant, got ${v}`);
    return ms;
  };

  const truthPath = values.truth;
  const truth = await GroundTruth.load(truthPath);
  const bar = new SingleBar({ format: 'verify |{bar}| {value}/{total} windows {detail}', stream: process.stderr }, Presets.shades_classic);
  try {
    process.stderr.write(`ground truth: ${truth.events} distinct events, ${new Date(truth.fromMs).toISOString()} … ${new Date(truth.toMs).toISOString()}\n`);
    let started = false;
    const { reports, timeZone } = await verify(new DashboardApi(values.api), truth, {
      intervals: values.intervals?.split(',').map((s) => s.trim()).filter(Boolean),
      fromMs: time('from', values.from),
      toMs: time('to', values.to),
      metrics,
      k,
      reloadTruth: () => GroundTruth.load(truthPath),
      inFlightMs: inFlightMinutes * 60_000,
      onWindow: (r, done, total) => {
        if (values.quiet) return;
        if (!started) bar.start(total, 0, { detail: '' });
        started = true;
        bar.update(done, { detail: `${r.interval} ${r.windowStart.toISOString()}` });
      },
    });
    bar.stop();
    process.stdout.write(`${formatReport(reports, timeZone)}\n`);
    if (reports.some((r) => !r.ok)) process.exitCode = 1;
  } finally {
    bar.stop();
    truth.close();
  }
}

if (require.main === module) runMain(main);
