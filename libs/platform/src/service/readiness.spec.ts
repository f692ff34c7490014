import pino from 'pino';
import { ReadinessService, type ReadinessCheck } from './readiness';

const logger = pino({ level: 'silent' });
const check = (name: string, problem: string | undefined, severity?: 'warning'): ReadinessCheck => ({ name, severity, problem: () => problem });

describe('ReadinessService', () => {
  it('is ready when no check reports a problem', async () => {
    const readiness = new ReadinessService({ checks: [check('postgres', undefined), check('nats', undefined)] }, logger);
    expect(await readiness.check()).toEqual({ status: 'ready', missing: [] });
  });

  it('names every failing required check, in the order given, and reports a throwing check by its message', async () => {
    const throwing: ReadinessCheck = { name: 'redis', problem: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const readiness = new ReadinessService({ checks: [check('policies', 'no policy snapshot loaded yet'), check('nats', undefined), throwing] }, logger);
    expect(await readiness.check()).toEqual({
      status: 'not_ready',
      missing: [
        { name: 'policies', reason: 'no policy snapshot loaded yet' },
        { name: 'redis', reason: 'connect ECONNREFUSED' },
      ],
    });
  });

  it('reports warnings without turning unready', async () => {
    const readiness = new ReadinessService({ checks: [check('store', undefined), check('envoy-config', 'bad file', 'warning')] }, logger);
    expect(await readiness.check()).toEqual({ status: 'ready', missing: [], warnings: [{ name: 'envoy-config', reason: 'bad file' }] });
  });

  it('turns not-ready first on shutdown when a drain is configured, and holds for it', async () => {
    const readiness = new ReadinessService({ checks: [], shutdownDrainMs: 30 }, logger);
    const started = process.hrtime.bigint();
    await readiness.beforeApplicationShutdown('SIGTERM');
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeGreaterThanOrEqual(25);
    expect(await readiness.check()).toEqual({ status: 'not_ready', missing: [{ name: 'shutdown', reason: 'shutting down' }] });
  });

  it('keeps its answer on shutdown when no drain is configured', async () => {
    const readiness = new ReadinessService({ checks: [] }, logger);
    await readiness.beforeApplicationShutdown('SIGTERM');
    expect(await readiness.check()).toEqual({ status: 'ready', missing: [] });
  });
});
