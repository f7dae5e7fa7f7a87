import { clock } from '@hitboard/runtime';
/**
 * `npm run chaos [-- options]`: the chaos suite on the local three-broker cluster and the
 * two-machine layout. `--help` for the options.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMain } from '@hitboard/runtime';
import { ROOT } from './processes';
import { ALL_SCENARIOS, QUICK_SCENARIOS } from './scenarios';
import { runSuite, suiteDefaults, type ScenarioReport } from './suite';

const HELP = `Usage: npm run chaos [-- options]

Starts the local three-broker Kafka cluster (infra/kafka/kafka.sh cluster; left running if it was
already), a throwaway embedded Postgres, and what two machines would run: per machine an aggregator,
a speed pipeline and a rollup scheduler (own data folder and ops port each), all sharing the
cluster, Postgres and one lake (by default an S3 lake on the run's own S3Proxy; a folder for --quick). The generator sends history then live sales with ground truth;
each scenario injects one fault while sales flow, times the recovery (fault end → everything
produced by then in the ledger and through the speed layer), pauses the generator, settles, and
checks: every closed hour exact in batch_table and window_totals (overall rows); the ledger's committed flushes
tile every partition; the DLQ holds exactly the malformed messages (by source partition:offset);
open hours within their stated bounds; lag zero. Prints each check, the recovery time and a
verdict per scenario, and the seed to replay. Exit 1 if any scenario fails.

Scenarios (in this order): ${Object.keys(ALL_SCENARIOS).join(', ')}

Options:
  --quick             the CI form: ${QUICK_SCENARIOS.join(', ')}, back to back, invariants checked
                      once after the last; less history and traffic
  --scenarios LIST    comma-separated subset, in the order given
  --seed N            seed of the sales and of the fault timings (default: from the clock; printed)
  --runs N            run the suite N times, seeds N, N+1, …                (default 1)
  --lake WHERE        the lake every app shares: s3 (the run's own S3 server, infra/s3/s3.sh on
                      :29400, a fresh prefix per run; the default), local (a fresh folder per run;
                      the default of --quick), a folder, or s3://bucket/prefix (AWS_* from the
                      environment). Scenarios that stop the S3 server run only with s3.
  --dashboard         also start the dashboard on :3600 (builds it first if needed: slow)
  --data DIR          where runs keep logs, lake and Postgres      (default .data/cluster/chaos)
  -h, --help          this text

Ports: cluster 29092-29094 (controllers 29192-29194), S3 29400, apps' ops ports 9600-9639
(machine a 9600-9602, b 9610-9612, spare aggregators 9620, 9630), Postgres 9699, dashboard 3600 (ops 9690;
sign-in with $HITBOARD_TOKEN, or a token it prints).
Environment: KAFKA_CLUSTER_PORTS, KAFKA_CLUSTER_CONTROLLER_PORTS, KAFKA_CLUSTER_DIR (see kafka.sh --help);
CHAOS_PORT_SHIFT=N adds N to the S3, Postgres and ops ports above (two runs on one host).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string', default: '1' },
      lake: { type: 'string' },
      dashboard: { type: 'boolean', default: false },
      data: { type: 'string', default: join(ROOT, '.data/cluster/chaos') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const defaults = suiteDefaults(values.quick, values.data);
  const lake = values.lake ?? defaults.lake;
  const requested = values.scenarios ? values.scenarios.split(',').map((s) => s.trim()) : values.quick ? QUICK_SCENARIOS : Object.keys(ALL_SCENARIOS);
  const unknown = requested.filter((n) => !ALL_SCENARIOS[n]);
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(ALL_SCENARIOS).join(', ')} (see --help)`);
  const needS3 = requested.filter((n) => ALL_SCENARIOS[n]!.needsS3);
  if (lake !== 's3' && needS3.length) {
    if (values.scenarios) throw new Error(`scenario(s) ${needS3.join(', ')} stop the run's own S3 server: use --lake s3`);
    process.stdout.write(`[chaos] lake ${lake}: skipping ${needS3.join(', ')} (only with --lake s3)\n`);
  }
  const names = requested.filter((n) => lake === 's3' || !ALL_SCENARIOS[n]!.needsS3);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);
  const firstSeed = values.seed !== undefined ? Number(values.seed) : clock.now() % 1_000_000;
  if (!Number.isInteger(firstSeed)) throw new Error(`--seed must be a whole number, got ${values.seed}`);

  const all: Array<{ seed: number; reports: ScenarioReport[]; durationMs: number }> = [];
  for (let r = 0; r < runs; r++) {
    const seed = firstSeed + r;
    const say = (msg: string) => process.stdout.write(`[chaos ${seed}] ${msg}\n`);
    const started = clock.now();
    const reports = await runSuite({
      ...defaults,
      seed,
      scenarios: names.map((n) => [n, ALL_SCENARIOS[n]!]),
      dashboardPort: values.dashboard ? 3600 : null,
      lake,
      say,
    });
    all.push({ seed, reports, durationMs: clock.now() - started });
  }
  process.stdout.write('\nchaos summary\n');
  for (const { seed, reports, durationMs } of all) {
    process.stdout.write(`  seed ${seed}: ${(durationMs / 60_000).toFixed(1)} min, lake ${lake}\n`);
    for (const r of reports) process.stdout.write(`  seed ${seed}  ${r.ok ? 'PASS' : 'FAIL'}  recovery ${secs(r.recoveryMs)} (ledger ${secs(r.ledgerMs)})  ${r.name}\n`);
  }
  const slow = all.flatMap(({ seed, reports }) => reports.filter((r) => r.recoveryMs !== null && r.recoveryMs > defaults.recoveryTargetMs).map((r) => ({ seed, r })));
  if (slow.length) {
    process.stdout.write(`  lag not back to zero within ${defaults.recoveryTargetMs / 1000} s of the fault's end:\n`);
    for (const { seed, r } of slow) process.stdout.write(`    seed ${seed}  ${r.name}: ${secs(r.recoveryMs)} (ledger ${secs(r.ledgerMs)}, the rest the speed layer)${r.slowBecause ? `: ${r.slowBecause}` : ''}\n`);
  }
  const failed = all.flatMap((a) => a.reports).filter((r) => !r.ok).length;
  process.stdout.write(`  ${all.length} run(s), ${all.flatMap((a) => a.reports).length} scenario(s), ${failed} failed\n`);
  if (failed > 0) process.exitCode = 1;
}

const secs = (ms: number | null) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

if (require.main === module) runMain(main);
