import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '@hitboard/runtime';

// On globalThis: the custom server (which serves it on the ops port) and Next's route bundles
// (which load their own copies of this module) must share one registry.
const KEY = Symbol.for('hitboard.dashboard.metrics');
type Holder = { [KEY]?: Registry };

/** The dashboard process's one Prometheus registry: request metrics from the server, cache metrics from the data layer. */
export function dashboardMetrics(): Registry {
  const holder = globalThis as Holder;
  holder[KEY] ??= createMetricsRegistry('dashboard');
  return holder[KEY];
}
