import { ConfigError } from '@rl/platform';
import { EnforcerConfig } from '../config/enforcer-config';
import { TEST_POLICY_KEY } from '../testing/signing-keys';

const controlPlane = { POLICY_SERVICE_URL: 'http://127.0.0.1:8080', POLICY_SERVICE_TOKEN: 'token', POLICY_SIGNING_PUBLIC_KEYS: TEST_POLICY_KEY.publicKey };

function problemsOf(env: Record<string, string>): string {
  try {
    EnforcerConfig.fromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('decision event settings', () => {
  it('defaults: 1% of allowed decisions, 1000 denials per second, on with the control plane only', () => {
    expect(EnforcerConfig.fromEnv({}).events).toEqual({ enabled: false, sampleRate: 0.01, denyRateCap: 1_000, bufferSize: 20_000, flushIntervalMs: 1_000 });
    expect(EnforcerConfig.fromEnv(controlPlane).events.enabled).toBe(true);
  });

  it('reads every variable; a zero rate and a zero cap turn events off', () => {
    const env = { ...controlPlane, EVENTS_SAMPLE_RATE: '.25', EVENTS_DENY_RATE_CAP: '50', EVENTS_BUFFER_SIZE: '64', EVENTS_FLUSH_INTERVAL_MS: '200' };
    expect(EnforcerConfig.fromEnv(env).events).toEqual({ enabled: true, sampleRate: 0.25, denyRateCap: 50, bufferSize: 64, flushIntervalMs: 200 });
    expect(EnforcerConfig.fromEnv({ ...controlPlane, EVENTS_SAMPLE_RATE: '0', EVENTS_DENY_RATE_CAP: '0' }).events.enabled).toBe(false);
    expect(EnforcerConfig.fromEnv({ ...controlPlane, EVENTS_SAMPLE_RATE: '1' }).events.sampleRate).toBe(1);
  });

  it('names each bad variable', () => {
    const message = problemsOf({ EVENTS_SAMPLE_RATE: '1.5', EVENTS_DENY_RATE_CAP: '-1', EVENTS_BUFFER_SIZE: '0', EVENTS_FLUSH_INTERVAL_MS: 'soon' });
    expect(message).toContain('EVENTS_SAMPLE_RATE must be a decimal number from 0 to 1 (got "1.5")');
    expect(message).toContain('EVENTS_DENY_RATE_CAP must be an integer between 0 and 1000000');
    expect(message).toContain('EVENTS_BUFFER_SIZE must be an integer between 1 and 1000000');
    expect(message).toContain('EVENTS_FLUSH_INTERVAL_MS must be an integer between 10 and 60000');
    expect(problemsOf({ EVENTS_SAMPLE_RATE: '1%' })).toContain('EVENTS_SAMPLE_RATE');
  });
});
