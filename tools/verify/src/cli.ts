#!/usr/bin/env tsx
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { runMain } from '@hitboard/runtime';
import { CHANNEL_ALL, isStoredChannel, STORED_CHANNELS, type ChannelFilter } from '@hitboard/schema';
import { DashboardApi, type Metric } from './api';
import { formatReport, placeOf } from './compare';
import { GroundTruth } from './ground-truth';
import { DEFAULT_RANGES, type RangeChoice } from './ranges';
import { DEFAULT_IN_FLIGHT_MS, verify } from './verify';

const HELP = `Usage: hitboard-verify --truth FILE [options]

Checks what the dashboard's API serves against an exact computation over the generator's ground
truth (its --truth file: NDJSON or Parquet, read with DuckDB). For every window of every interval
in the ground truth's range (or those chosen) and each metric, it asks /api/top and compares:
batch windows must match exactly (every row, the totals, and the order of the top list, ties by
product id); speed windows must be within the error bound each row states. Each window is checked
overall and for every sales channel (/api/top?…&channel=web, app, store, marketplace, unknown)
against the truth's sales of that channel: per-channel figures are held to the same rules.

It also asks for a few hour-aligned ranges (/api/top?from=…&to=…, hours of the reporting zone):
every hour of the truth, the last 36 hours, 6 hours either side of a day boundary, and --ranges N
seeded random ones, each overall and per channel. A range that says it is exact is compared like a
batch window; one with estimated hours must have every row within the bound it states and exact
totals; its hours (exact / estimated / missing) must tile the range.

Prints a table (one line per window or range, channel and metric) and the worst deviation; exits 1
if anything is off, 2 on bad usage. A progress bar counts the checks on stderr.

The ground truth must hold every sale the system has seen in those windows (run it against a
system fed only by that generator run). Beside a live system (\`npm start\` still selling), the
truth is read again at the end: if it grew, a window ending within --in-flight-minutes of the
newest sale that is not exact yet is reported "in flight" — it passes if nothing served exceeds
the truth, and the report says how far behind it is; every older window is compared exactly.
Sales the system took in before it kept channels (lake files without one) are served under the
channel unknown, while the truth has their real channel: check such a span with --channels none.

Options:
  --truth FILE        ground truth file (.ndjson or .parquet), required
  --api URL           the dashboard                                   (default http://127.0.0.1:3000)
  --intervals LIST    comma-separated, e.g. hour,day                  (default: every served interval)
  --from ISO          first instant to check                          (default: the truth's first sale)
  --to ISO            end of the range                                (default: the truth's last sale)
  --metric M          units, revenue or both                          (default both)
  --k N               rows asked per window and range                 (default 1000)
  --channels LIST     channels checked besides the overall figures, comma-separated
                      (web,app,store,marketplace,unknown), or none    (default: every one)
  --ranges N|none     seeded random ranges besides the fixed three, or none for no
                      ranges at all                                   (default ${DEFAULT_RANGES.random})
  --seed N            the random ranges' seed                         (default ${DEFAULT_RANGES.seed})
  --max-range-days N  the dashboard's DASHBOARD_MAX_RANGE_DAYS: longer ranges keep
                      their last days                                 (default ${DEFAULT_RANGES.maxRangeDays})
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
      channels: { type: 'string', default: STORED_CHANNELS.join(',') },
      ranges: { type: 'string', default: String(DEFAULT_RANGES.random) },
      seed: { type: 'string', default: String(DEFAULT_RANGES.seed) },
      'max-range-days': { type: 'string', default: String(DEFAULT_RANGES.maxRangeDays) },
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
  const channelList = values.channels === 'none' ? [] : values.channels.split(',').map((c) => c.trim()).filter(Boolean);
  const unknownChannel = channelList.find((c) => !isStoredChannel(c));
  if (unknownChannel !== undefined) return usage(`--channels takes ${STORED_CHANNELS.join(', ')} or none, got ${unknownChannel}`);
  const channels: ChannelFilter[] = [CHANNEL_ALL, ...new Set(channelList as ChannelFilter[])];
  const whole = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) usage(`--${name} must be a whole number ≥ ${min}, got ${v}`);
    return n;
  };
  const ranges: RangeChoice | null =
    values.ranges === 'none' ? null : { random: whole('ranges', values.ranges, 0), seed: whole('seed', values.seed, 0), maxRangeDays: whole('max-range-days', values['max-range-days'], 1) };
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
  const bar = new SingleBar({ format: 'verify |{bar}| {value}/{total} checks {detail}', stream: process.stderr }, Presets.shades_classic);
  try {
    process.stderr.write(`ground truth: ${truth.events} distinct events, ${new Date(truth.fromMs).toISOString()} … ${new Date(truth.toMs).toISOString()}\n`);
    let started = false;
    const { reports, timeZone } = await verify(new DashboardApi(values.api), truth, {
      intervals: values.intervals?.split(',').map((s) => s.trim()).filter(Boolean),
      fromMs: time('from', values.from),
      toMs: time('to', values.to),
      metrics,
      k,
      channels,
      ranges,
      reloadTruth: () => GroundTruth.load(truthPath),
      inFlightMs: inFlightMinutes * 60_000,
      onWindow: (r, done, total) => {
        if (values.quiet) return;
        if (!started) bar.start(total, 0, { detail: '' });
        started = true;
        bar.update(done, { detail: `${r.interval} ${placeOf(r)} ${r.channel}` });
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
