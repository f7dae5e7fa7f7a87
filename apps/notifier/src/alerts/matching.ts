import type { AlertRule } from '../rules-file';

/** A mover as the speed pipeline publishes it (`movers`), with the catalog's name and category. */
export interface MoverSeen {
  productId: string;
  direction: 'up' | 'down';
  /** Start of the minute the episode began: with product and direction, it names the episode. */
  since: Date;
  /** Now against usual, on units (a new product's is stored as 1e9: nothing to divide by). */
  factor: number;
  unitsPerHour: number;
  usualUnitsPerHour: number;
  units: bigint;
  orders: bigint;
  isNew: boolean;
  name: string;
  category: string;
}

/** One rule matched by one mover episode: what the notifier claims (once per webhook). */
export interface AlertCandidate {
  rule: AlertRule;
  mover: MoverSeen;
}

/** Whether `mover` is the kind `rule` alerts on: its direction, category, evidence (orders) and size (factor). */
export function ruleMatches(rule: AlertRule, mover: MoverSeen): boolean {
  if (mover.direction !== rule.direction) return false;
  if (mover.orders < BigInt(rule.minCount)) return false;
  if (rule.categories && !rule.categories.includes(mover.category)) return false;
  if (mover.direction === 'up') return mover.isNew || mover.factor >= rule.minFactor;
  return mover.factor <= 1 / rule.minFactor;
}

/** Every (rule, mover) pair that matches, rules in file order. */
export function matchRules(rules: readonly AlertRule[], movers: readonly MoverSeen[]): AlertCandidate[] {
  return rules.flatMap((rule) => movers.filter((m) => ruleMatches(rule, m)).map((mover) => ({ rule, mover })));
}
