import { collectDefaultMetrics, Registry } from 'prom-client';

export interface CreateMetricsRegistryOptions {
  /** Labels on every series, such as `{ service: 'enforcer', region: 'us-east' }`. Keep them few and bounded. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Process and Node.js runtime metrics (CPU, memory, event-loop lag, GC). On unless turned off. */
  readonly processMetrics?: 'on' | 'off';
}

/**
 * A registry of its own per service instance, never prom-client's global one, so that tests and
 * several apps in one process do not share series.
 */
export function createMetricsRegistry(options: CreateMetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels({ ...options.defaultLabels });
  if (options.processMetrics !== 'off') collectDefaultMetrics({ register: registry });
  return registry;
}
