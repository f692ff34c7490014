import { EnforcerConfig } from '../config/enforcer-config';

describe('hot-key configuration', () => {
  it('has safe defaults: leases above 100 req/s per key, a bounded deny cache', () => {
    expect(EnforcerConfig.fromEnv({}).hotKeys).toEqual({
      leaseThresholdPerSecond: 100,
      leaseMs: 100,
      leaseMaxPercent: 10,
      leaseMaxUnits: 1_000,
      trackedKeys: 10_000,
      denyCacheKeys: 10_000,
      denyCacheMaxMs: 1_000,
    });
  });

  it('reads every variable, and 0 turns leases and the deny cache off', () => {
    const config = EnforcerConfig.fromEnv({
      HOTKEY_THRESHOLD_PER_SECOND: '0',
      HOTKEY_LEASE_MS: '250',
      HOTKEY_LEASE_MAX_PERCENT: '50',
      HOTKEY_LEASE_MAX_UNITS: '20',
      HOTKEY_TRACKED_KEYS: '5',
      DENY_CACHE_MAX_KEYS: '0',
      DENY_CACHE_MAX_MS: '60000',
    });
    expect(config.hotKeys).toEqual({ leaseThresholdPerSecond: 0, leaseMs: 250, leaseMaxPercent: 50, leaseMaxUnits: 20, trackedKeys: 5, denyCacheKeys: 0, denyCacheMaxMs: 60_000 });
  });

  it.each([
    ['HOTKEY_LEASE_MS', '5', 'HOTKEY_LEASE_MS must be an integer between 10 and 10000 (got "5")'],
    ['HOTKEY_LEASE_MAX_PERCENT', '0', 'HOTKEY_LEASE_MAX_PERCENT must be an integer between 1 and 100 (got "0")'],
    ['DENY_CACHE_MAX_MS', '1.5', 'DENY_CACHE_MAX_MS must be an integer between 1 and 60000 (got "1.5")'],
  ])('rejects a bad %s, naming it', (name, value, message) => {
    expect(() => EnforcerConfig.fromEnv({ [name]: value })).toThrow(message);
  });
});
