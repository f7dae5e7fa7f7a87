import { readFileSync } from 'node:fs';
import { validate as validCron } from 'node-cron';
import { z } from 'zod';
import { ConfigError } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { METRICS } from '@hitboard/schema';
import { targetProblem } from './webhook-target';

const name = () => z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" or "-" (at most 64)');

// RFC 9110 §5.1 (token) and §5.5 (field value: visible characters, spaces and tabs, no CR/LF).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const webhookSchema = z.strictObject({
  /** `slack`: Slack's incoming-webhook body (`text` + `blocks`); `json`: hitboard's own body (every figure as a field). */
  format: z.enum(['slack', 'json']),
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  /** Extra request headers, e.g. an Authorization the receiver wants. Names and values are checked as HTTP allows
   * them here, at start-up: a bad one would otherwise fail (and be retried) at every delivery. */
  headers: z
    .record(z.string(), z.string())
    .superRefine((headers, ctx) => {
      for (const [key, value] of Object.entries(headers)) {
        if (!HEADER_NAME.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'a header name is letters, digits and !#$%&\'*+.^_`|~- only (no spaces, no colon)' });
        else if (!HEADER_VALUE.test(value)) ctx.addIssue({ code: 'custom', path: [key], message: 'a header value may not hold line breaks or control characters' });
      }
    })
    .default({}),
  /** Lets this webhook reach a loopback, private or link-local address (refused otherwise: SSRF). */
  allowPrivateAddress: z.boolean().default(false),
});

const ruleSchema = z.strictObject({
  name: name(),
  /** `up`: rising products; `down`: falling ones. */
  direction: z.enum(['up', 'down']).default('up'),
  /** At least this many times the usual rate (falling: at most its inverse). A new product (no usual) passes. */
  minFactor: z.number().gt(1).default(3),
  /** At least this many orders since the episode began. */
  minCount: z.number().int().min(1).default(10),
  /** Only products of these catalog categories (absent: every category). */
  categories: z.array(z.string().min(1)).min(1).optional(),
  /** At most one alert per product and rule within this many minutes (across restarts and instances). */
  cooldownMinutes: z.number().gt(0).default(60),
  webhooks: z.array(name()).min(1),
});

const reportSchema = z.strictObject({
  name: name(),
  /** A rolled-up interval of the registry: the report covers its last complete window in the reporting zone. */
  interval: z.string(),
  /** node-cron expression in the reporting zone: when the report of the window just ended is due. */
  cron: z.string(),
  top: z.number().int().min(1).max(100).default(10),
  metric: z.enum(METRICS).default('units'),
  webhooks: z.array(name()).default([]),
});

/** What `npm start` and a missing rules file get: a daily and a weekly top 10, written to the lake only. */
export const DEFAULT_REPORTS: z.input<typeof reportSchema>[] = [
  { name: 'daily', interval: 'day', cron: '15 1 * * *' },
  { name: 'weekly', interval: 'week', cron: '30 1 * * 1' },
];

const fileSchema = z.strictObject({
  webhooks: z.record(name(), webhookSchema).default({}),
  rules: z.array(ruleSchema).default([]),
  reports: z.array(reportSchema).default(() => DEFAULT_REPORTS.map((r) => reportSchema.parse(r))),
});

export type Webhook = z.output<typeof webhookSchema> & { name: string };
export type AlertRule = z.output<typeof ruleSchema>;
export type ReportSpec = z.output<typeof reportSchema>;

export interface NotifierRules {
  webhooks: Map<string, Webhook>;
  rules: AlertRule[];
  reports: ReportSpec[];
  /** Where they came from, for logs: the file, or the defaults. */
  source: string;
}

/** The rules of a notifier without a rules file: no alerts, the default reports to the lake only. */
export function defaultRules(): NotifierRules {
  return checkRules(fileSchema.parse({}), '(defaults: no NOTIFIER_RULES_FILE)', []);
}

/**
 * Reads and validates the rules file once, at start-up. Every problem is named with its place in the
 * file (`rules[1].webhooks[0]: no webhook "pager"`), as a ConfigError: the app prints it and exits 2.
 */
export function loadRulesFile(path: string): NotifierRules {
  const where = `NOTIFIER_RULES_FILE ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('notifier', [`${where}: cannot be read (${(err as Error).message})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('notifier', [`${where}: not JSON (${(err as Error).message})`]);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      'notifier',
      parsed.error.issues.map((i) => `${where}: ${i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n === 0 ? '' : '.'}${String(p)}`)).join('') || '(top level)'}: ${i.message}`),
    );
  }
  return checkRules(parsed.data, path, [where]);
}

/** What the schema cannot say alone: names unique, webhooks that exist, intervals that are rolled up, crons that parse. */
function checkRules(file: z.output<typeof fileSchema>, source: string, prefix: string[]): NotifierRules {
  const problems: string[] = [];
  const at = (place: string, message: string) => problems.push(`${[...prefix, place].join(': ')}: ${message}`);
  const webhooks = new Map(Object.entries(file.webhooks).map(([n, w]) => [n, { ...w, name: n }] as const));
  const registry = IntervalRegistry.standard();
  const unique = (items: Array<{ name: string }>, list: string) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item.name)) at(`${list}[${i}].name`, `"${item.name}" is used twice`);
      seen.add(item.name);
    });
  };
  const known = (refs: string[], place: string) =>
    refs.forEach((ref, j) => {
      if (!webhooks.has(ref)) at(`${place}.webhooks[${j}]`, `no webhook "${ref}" (defined: ${[...webhooks.keys()].join(', ') || 'none'})`);
    });
  for (const [n, w] of webhooks) {
    // Start-up refuses what delivery would refuse (and never echoes the URL: it may hold a secret).
    const problem = targetProblem(new URL(w.url), w.allowPrivateAddress);
    if (problem) at(`webhooks.${n}.url`, problem);
  }
  unique(file.rules, 'rules');
  unique(file.reports, 'reports');
  file.rules.forEach((r, i) => known(r.webhooks, `rules[${i}]`));
  file.reports.forEach((r, i) => {
    known(r.webhooks, `reports[${i}]`);
    if (!registry.has(r.interval) || registry.get(r.interval).rolledUpFrom === null) {
      at(`reports[${i}].interval`, `"${r.interval}" is not a rolled-up interval (${registry.names().filter((n) => registry.get(n).rolledUpFrom !== null).join(', ')})`);
    }
    if (!validCron(r.cron)) at(`reports[${i}].cron`, `"${r.cron}" is not a cron expression (minute hour day month weekday, e.g. "15 1 * * *")`);
  });
  if (problems.length > 0) throw new ConfigError('notifier', problems);
  return { webhooks, rules: file.rules, reports: file.reports, source };
}
