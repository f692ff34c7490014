import { Counter } from 'prom-client';
import { createMetricsRegistry } from './create-metrics-registry';

describe('createMetricsRegistry', () => {
  it('keeps series in its own registry with default labels', async () => {
    const registry = createMetricsRegistry({ defaultLabels: { service: 'enforcer' }, processMetrics: 'off' });
    const other = createMetricsRegistry({ processMetrics: 'off' });
    new Counter({ name: 'rl_test_total', help: 'test', registers: [registry] }).inc(2);
    expect(await registry.metrics()).toContain('rl_test_total{service="enforcer"} 2');
    expect(await other.metrics()).not.toContain('rl_test_total');
  });

  it('collects process metrics unless turned off', async () => {
    expect(await createMetricsRegistry().metrics()).toContain('process_cpu_user_seconds_total');
  });
});
