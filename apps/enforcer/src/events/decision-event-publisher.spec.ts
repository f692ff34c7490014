import { createHash } from 'node:crypto';
import type { CheckResponse } from '@rl/contracts';
import { createLogger } from '@rl/platform';
import { Registry } from 'prom-client';
import { DecisionEventBuffer } from './decision-event-buffer';
import { DecisionEventMetrics } from './decision-event-metrics';
import { DecisionEventPublisher, hashKey } from './decision-event-publisher';

const denied: CheckResponse = { allowed: false, limit: 1, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1, policy: { id: 'p', version: 1 }, region: 'us-east' };

describe('hashKey', () => {
  it('is the first 16 hex digits of SHA-256, never the key', () => {
    expect(hashKey('user:42')).toMatch(/^[0-9a-f]{16}$/);
    expect(hashKey('user:42')).not.toBe(hashKey('user:43'));
    expect(hashKey('user:42')).toBe(createHash('sha256').update('user:42').digest('hex').slice(0, 16));
  });
});

describe('DecisionEventPublisher without NATS', () => {
  it('keeps taking decisions, holds them up to its capacity and never throws', async () => {
    const registry = new Registry();
    const buffer = new DecisionEventBuffer({ capacity: 10, sampleRate: 1, denyRateCap: 1_000_000, random: Math.random, nowMs: Date.now, onDrop: (r) => metrics.recordDrop(r) });
    const metrics = new DecisionEventMetrics(registry, () => buffer.size);
    const publisher = new DecisionEventPublisher({
      settings: { enabled: true, sampleRate: 1, denyRateCap: 1_000_000, bufferSize: 10, flushIntervalMs: 20 },
      natsUrl: 'nats://127.0.0.1:1', // nothing listens on port 1
      namespace: 'tunit',
      region: 'us-east',
      instanceId: 'unit-1',
      logger: createLogger({ service: 'enforcer', level: 'silent' }),
      metrics,
      buffer,
    });
    publisher.start();
    try {
      for (let i = 0; i < 1_000; i++) publisher.onDecision({ key: `k${i}` }, denied, 0.001);
      expect(publisher.flush()).toBe(0);
      expect(buffer.size).toBe(10);
      const text = await registry.metrics();
      expect(text).toContain('rl_decision_events_dropped_total{reason="buffer_full"} 990');
      expect(text).toContain('rl_decision_events_buffered 10');
    } finally {
      await publisher.close();
    }
  });
});
