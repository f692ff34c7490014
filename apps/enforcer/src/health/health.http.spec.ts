import { PolicySource, type ActivePolicies, type SnapshotListener } from '../policies/policy-source';
import { LocalStoreBackend } from '@rl/decision-pipeline';
import { ReadinessService } from '@rl/platform/service';
import { createTestApp } from '../testing/create-test-app';

class UnreachableStore extends LocalStoreBackend {
  override readonly name: string = 'redis';

  override ping(): Promise<void> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6380'));
  }
}

/** A source still waiting for its first snapshot, as a control-plane source would be. */
class PendingPolicySource extends PolicySource {
  current(): ActivePolicies | undefined {
    return undefined;
  }
  subscribe(_listener: SnapshotListener): () => void {
    return () => undefined;
  }
  notReadyReason(): string {
    return 'no policy snapshot loaded yet';
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('health endpoints', () => {
  it('are live, ready and serve metrics when the store answers and policies are loaded', async () => {
    const { app } = await createTestApp();
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', missing: [] });
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(metrics.body).toContain('# TYPE rl_decisions_total counter');
      expect(metrics.body).toContain('# TYPE rl_check_duration_seconds histogram');
    } finally {
      await app.close();
    }
  });

  it('report 503 naming each missing dependency, while /healthz stays 200', async () => {
    const { app } = await createTestApp({ store: new UnreachableStore(), policies: new PendingPolicySource() });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({
        status: 'not_ready',
        missing: [
          { name: 'policies', reason: 'no policy snapshot loaded yet' },
          { name: 'redis', reason: 'connect ECONNREFUSED 127.0.0.1:6380' },
        ],
      });
      // With no snapshot, requests still get the default policy.
      const check = await app.inject({ method: 'POST', url: '/v1/check', payload: { key: 'k' } });
      expect(check.json()).toMatchObject({ allowed: true, policy: { id: 'default' } });
    } finally {
      await app.close();
    }
  });

  it('turn not-ready as soon as shutdown begins', async () => {
    const { app } = await createTestApp();
    const readiness = app.get(ReadinessService);
    await readiness.beforeApplicationShutdown();
    expect(await readiness.check()).toEqual({ status: 'not_ready', missing: [{ name: 'shutdown', reason: 'shutting down' }] });
    await app.close();
  });
});
