import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';
import type { AlertMessage } from './alert-body';
import type { AlertCandidate, MoverSeen } from './matching';

/** One delivery of one alert (rule, product, episode, webhook) as `alerts` holds it. */
export interface AlertRow {
  alertId: string;
  rule: string;
  webhook: string;
  productId: string;
  direction: 'up' | 'down';
  since: Date;
  status: 'pending' | 'sent' | 'failed' | 'suppressed';
  reason: string | null;
}

export interface ClaimResult {
  /** `claimed`: this instance delivers the rows; `suppressed`: the rule alerted on the product within its cooldown; `taken`: another claim won. */
  outcome: 'claimed' | 'suppressed' | 'taken';
  rows: AlertRow[];
}

/** A mover's figures as the movers table and the alerts table both store them, with the catalog's name and category. */
const MOVER_COLUMNS = ['product_id', 'direction', 'since', 'factor', 'units_per_hour', 'usual_units_per_hour', 'units', 'orders', 'is_new'] as const;
interface MoverDbRow {
  product_id: string;
  direction: 'up' | 'down';
  since: Date;
  factor: number;
  units_per_hour: number;
  usual_units_per_hour: number;
  units: bigint;
  orders: bigint;
  is_new: boolean;
  name: string | null;
  category: string | null;
}

function moverSeen(r: MoverDbRow): MoverSeen {
  return {
    productId: r.product_id,
    direction: r.direction,
    since: r.since,
    factor: r.factor,
    unitsPerHour: r.units_per_hour,
    usualUnitsPerHour: r.usual_units_per_hour,
    units: r.units,
    orders: r.orders,
    isNew: r.is_new,
    name: r.name ?? r.product_id,
    category: r.category ?? '',
  };
}

interface AlertDbRow {
  alert_id: bigint;
  rule: string;
  webhook: string;
  product_id: string;
  direction: 'up' | 'down';
  since: Date;
  status: AlertRow['status'];
  reason: string | null;
}

const toRow = (r: AlertDbRow): AlertRow => ({
  alertId: String(r.alert_id),
  rule: r.rule,
  webhook: r.webhook,
  productId: r.product_id,
  direction: r.direction,
  since: r.since,
  status: r.status,
  reason: r.reason,
});

/**
 * The notifier's Postgres side for alerts. The one rule it keeps: an episode of a product is claimed
 * for a rule once (the unique key), and a rule alerts on a product at most once per cooldown — checked
 * and claimed in one transaction under an advisory lock per (rule, product), so restarts and any number
 * of instances see one claim.
 */
export class AlertStore {
  constructor(private readonly knex: Knex) {}

  /** The speed pipeline's current movers (every shard), with the catalog's name and category. */
  async readMovers(): Promise<MoverSeen[]> {
    const rows = await this.knex(`${TABLES.movers} as m`)
      .leftJoin(`${TABLES.products} as p`, 'p.product_id', 'm.product_id')
      .select<
        MoverDbRow[]
      >(...MOVER_COLUMNS.map((c) => `m.${c}`), 'p.name', 'p.category')
      .orderBy(['m.product_id', 'm.direction']);
    return rows.map(moverSeen);
  }

  /** Every episode seen, with its peak figures: what a report lists as the period's movers. */
  async recordEpisodes(movers: readonly MoverSeen[]): Promise<void> {
    if (movers.length === 0) return;
    const col = <T>(f: (m: MoverSeen) => T): T[] => movers.map(f);
    await this.knex.raw(
      `INSERT INTO ${TABLES.moverEpisodes} (product_id, direction, since, peak_factor, units, orders, is_new)
       SELECT * FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::float8[], ?::bigint[], ?::bigint[], ?::boolean[])
       ON CONFLICT (product_id, direction, since) DO UPDATE
         SET last_seen_at = now(),
             peak_factor = CASE WHEN excluded.direction = 'up' THEN greatest(${TABLES.moverEpisodes}.peak_factor, excluded.peak_factor)
                                ELSE least(${TABLES.moverEpisodes}.peak_factor, excluded.peak_factor) END,
             units = greatest(${TABLES.moverEpisodes}.units, excluded.units),
             orders = greatest(${TABLES.moverEpisodes}.orders, excluded.orders)`,
      [
        col((m) => m.productId),
        col((m) => m.direction),
        col((m) => m.since.toISOString()),
        col((m) => m.factor),
        col((m) => String(m.units)),
        col((m) => String(m.orders)),
        col((m) => m.isNew),
      ],
    );
  }

  /** The candidates whose (rule, product, episode) has no claim yet: the only ones worth a transaction. */
  async unclaimed(candidates: readonly AlertCandidate[]): Promise<AlertCandidate[]> {
    if (candidates.length === 0) return [];
    const { rows } = await this.knex.raw<{ rows: Array<{ i: number }> }>(
      `SELECT x.i FROM unnest(?::text[], ?::text[], ?::text[], ?::timestamptz[]) WITH ORDINALITY AS x (rule, product_id, direction, since, i)
        WHERE EXISTS (SELECT 1 FROM ${TABLES.alerts} a
                       WHERE a.rule = x.rule AND a.product_id = x.product_id AND a.direction = x.direction AND a.since = x.since)`,
      [candidates.map((c) => c.rule.name), candidates.map((c) => c.mover.productId), candidates.map((c) => c.mover.direction), candidates.map((c) => c.mover.since.toISOString())],
    );
    const claimed = new Set(rows.map((r) => Number(r.i) - 1));
    return candidates.filter((_, i) => !claimed.has(i));
  }

  /**
   * Claims one episode for one rule, one row per webhook, in one transaction: pending (this instance
   * delivers, until `leaseMs` from now), or suppressed when the rule has alerted on the product within its
   * cooldown (Postgres's clock: one clock for every instance). The advisory lock orders two claimers of
   * the same (rule, product); the unique key makes a repeated claim of the episode a no-op.
   */
  async claim(candidate: AlertCandidate, instance: string, leaseMs: number): Promise<ClaimResult> {
    const { rule, mover } = candidate;
    return this.knex.transaction(async (tx) => {
      await tx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`hitboard-alert:${rule.name}:${mover.productId}`]);
      const episode = { rule: rule.name, product_id: mover.productId, direction: mover.direction, since: mover.since };
      const existing = await tx(TABLES.alerts).where(episode).first('alert_id');
      if (existing) return { outcome: 'taken', rows: [] };
      const recent = await tx(TABLES.alerts)
        .where({ rule: rule.name, product_id: mover.productId })
        .whereNot('status', 'suppressed')
        .where('claimed_at', '>', tx.raw('now() - make_interval(secs => ?)', [rule.cooldownMinutes * 60]))
        .orderBy('claimed_at', 'desc')
        .first<{ alert_id: bigint; claimed_at: Date; since: Date } | undefined>('alert_id', 'claimed_at', 'since');
      const reason = recent
        ? `cooldown: rule ${rule.name} alerted on ${mover.productId} at ${recent.claimed_at.toISOString()} (alert ${recent.alert_id}, episode since ${recent.since.toISOString()}); cooldown ${rule.cooldownMinutes} min`
        : null;
      const inserted = await tx(TABLES.alerts)
        .insert(
          rule.webhooks.map((webhook) => ({
            ...episode,
            webhook,
            status: recent ? 'suppressed' : 'pending',
            reason,
            factor: mover.factor,
            units_per_hour: mover.unitsPerHour,
            usual_units_per_hour: mover.usualUnitsPerHour,
            units: String(mover.units),
            orders: String(mover.orders),
            is_new: mover.isNew,
            instance,
            lease_until: recent ? null : tx.raw('now() + make_interval(secs => ?)', [leaseMs / 1000]),
            finished_at: recent ? tx.fn.now() : null,
          })),
        )
        .onConflict(['rule', 'product_id', 'direction', 'since', 'webhook'])
        .ignore()
        .returning<AlertDbRow[]>(['alert_id', 'rule', 'webhook', 'product_id', 'direction', 'since', 'status', 'reason']);
      return { outcome: recent ? 'suppressed' : 'claimed', rows: inserted.map(toRow) };
    });
  }

  /** Pending deliveries whose claimer's lease ran out (it died mid-delivery): this instance takes them over. */
  async takeExpired(instance: string, leaseMs: number): Promise<AlertRow[]> {
    const { rows } = await this.knex.raw<{ rows: AlertDbRow[] }>(
      `UPDATE ${TABLES.alerts} SET instance = ?, lease_until = now() + make_interval(secs => ?)
        WHERE alert_id IN (SELECT alert_id FROM ${TABLES.alerts}
                            WHERE status = 'pending' AND lease_until < now()
                            ORDER BY alert_id LIMIT 100 FOR UPDATE SKIP LOCKED)
        RETURNING alert_id, rule, webhook, product_id, direction, since, status, reason`,
      [instance, leaseMs / 1000],
    );
    return rows.map(toRow);
  }

  /** What the alert says, from its row and the catalog. */
  async message(alertId: string): Promise<AlertMessage> {
    const r = await this.knex(`${TABLES.alerts} as a`)
      .leftJoin(`${TABLES.products} as p`, 'p.product_id', 'a.product_id')
      .where('a.alert_id', alertId)
      .first<MoverDbRow & { rule: string }>('a.rule', ...MOVER_COLUMNS.map((c) => `a.${c}`), 'p.name', 'p.category');
    if (!r) throw new Error(`alert ${alertId} does not exist`);
    const m = moverSeen(r);
    return { ...m, alertId, rule: r.rule, units: String(m.units), orders: String(m.orders) };
  }

  /** Records a delivery's outcome, if this instance still holds it; false when another took it over meanwhile. */
  async finish(alertId: string, instance: string, outcome: { status: 'sent' | 'failed'; attempts: number; httpStatus: number | null; reason: string | null }): Promise<boolean> {
    const n = await this.knex(TABLES.alerts)
      .where({ alert_id: alertId, instance, status: 'pending' })
      .update({ status: outcome.status, attempts: this.knex.raw('attempts + ?', [outcome.attempts]), http_status: outcome.httpStatus, reason: outcome.reason, finished_at: this.knex.fn.now(), lease_until: null });
    return n === 1;
  }

  /** Gives a delivery back (graceful stop mid-retry): the next poll of any instance takes it over at once. */
  async release(alertId: string, instance: string, attempts: number): Promise<void> {
    await this.knex(TABLES.alerts)
      .where({ alert_id: alertId, instance, status: 'pending' })
      .update({ lease_until: this.knex.fn.now(), attempts: this.knex.raw('attempts + ?', [attempts]) });
  }
}
