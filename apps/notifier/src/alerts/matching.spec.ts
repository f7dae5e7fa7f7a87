import type { AlertRule } from '../rules-file';
import { matchRules, ruleMatches, type MoverSeen } from './matching';

const rule = (over: Partial<AlertRule> = {}): AlertRule => ({ name: 'r', direction: 'up', minFactor: 5, minCount: 10, cooldownMinutes: 60, webhooks: ['w'], ...over });
const mover = (over: Partial<MoverSeen> = {}): MoverSeen => ({
  productId: 'p',
  direction: 'up',
  since: new Date('2026-11-20T10:00:00Z'),
  factor: 8,
  unitsPerHour: 80,
  usualUnitsPerHour: 10,
  units: 40n,
  orders: 20n,
  isNew: false,
  name: 'P',
  category: 'toys',
  ...over,
});

describe('rule filters', () => {
  it('factor: at least minFactor rising; a new product (no usual) passes', () => {
    expect(ruleMatches(rule(), mover({ factor: 5 }))).toBe(true);
    expect(ruleMatches(rule(), mover({ factor: 4.99 }))).toBe(false);
    expect(ruleMatches(rule(), mover({ factor: 1e9, isNew: true }))).toBe(true);
  });

  it('minimum count: orders since the episode began', () => {
    expect(ruleMatches(rule(), mover({ orders: 10n }))).toBe(true);
    expect(ruleMatches(rule(), mover({ orders: 9n }))).toBe(false);
  });

  it('categories: only those listed; none listed is every category', () => {
    expect(ruleMatches(rule({ categories: ['toys', 'books'] }), mover({ category: 'books' }))).toBe(true);
    expect(ruleMatches(rule({ categories: ['toys'] }), mover({ category: 'kitchen' }))).toBe(false);
    expect(ruleMatches(rule(), mover({ category: 'kitchen' }))).toBe(true);
  });

  it('direction: a falling rule wants at most 1/minFactor of the usual', () => {
    const down = rule({ direction: 'down', minFactor: 4 });
    expect(ruleMatches(down, mover({ direction: 'down', factor: 0.25 }))).toBe(true);
    expect(ruleMatches(down, mover({ direction: 'down', factor: 0.3 }))).toBe(false);
    expect(ruleMatches(down, mover({ factor: 8 }))).toBe(false);
    expect(ruleMatches(rule(), mover({ direction: 'down', factor: 0.01 }))).toBe(false);
  });

  it('every matching (rule, mover) pair, rules in file order', () => {
    const movers = [mover({ productId: 'a', category: 'toys' }), mover({ productId: 'b', category: 'books', factor: 50 })];
    const pairs = matchRules([rule({ name: 'big', minFactor: 20 }), rule({ name: 'toys', categories: ['toys'] })], movers);
    expect(pairs.map((p) => `${p.rule.name}:${p.mover.productId}`)).toEqual(['big:b', 'toys:a']);
  });
});
