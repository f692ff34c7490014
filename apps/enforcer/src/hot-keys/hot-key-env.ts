import { envInt, type EnvValues } from '@rl/platform';
import type { HotKeySettings } from '@rl/decision-pipeline';

/** The enforcer's hot-key and deny-cache variables (part of ENFORCER_ENV). */
export const HOT_KEY_ENV = {
  HOTKEY_THRESHOLD_PER_SECOND: envInt({
    min: 0,
    max: 1_000_000_000,
    default: 100,
    description: 'Requests per second for one key at this instance above which it is served from leases (token_bucket and fixed_window policies; 0: no leases)',
  }),
  HOTKEY_LEASE_MS: envInt({
    min: 10,
    max: 10_000,
    default: 100,
    description: "A lease holds about this many milliseconds of the key's demand; unused units go back after the key is idle this long",
  }),
  HOTKEY_LEASE_MAX_PERCENT: envInt({
    min: 1,
    max: 100,
    default: 10,
    description: "Largest share of a policy's burst (token_bucket) or limit (fixed_window) one lease takes, in percent",
  }),
  HOTKEY_LEASE_MAX_UNITS: envInt({ min: 1, max: 1_000_000_000, default: 1_000, description: 'Largest lease, in units of cost' }),
  HOTKEY_TRACKED_KEYS: envInt({
    min: 1,
    max: 1_000_000,
    default: 10_000,
    description: 'Keys whose request rate is tracked, and keys holding a lease, at most (each); the oldest is dropped beyond it',
  }),
  DENY_CACHE_MAX_KEYS: envInt({
    min: 0,
    max: 1_000_000,
    default: 10_000,
    description: 'Denied keys answered locally, without Redis, until their retry time; least recently used dropped beyond it (0: no deny cache)',
  }),
  DENY_CACHE_MAX_MS: envInt({ min: 1, max: 60_000, default: 1_000, description: 'Longest a remembered denial is answered locally, in milliseconds' }),
};

export function hotKeySettings(env: EnvValues<typeof HOT_KEY_ENV>): HotKeySettings {
  return {
    leaseThresholdPerSecond: env.HOTKEY_THRESHOLD_PER_SECOND,
    leaseMs: env.HOTKEY_LEASE_MS,
    leaseMaxPercent: env.HOTKEY_LEASE_MAX_PERCENT,
    leaseMaxUnits: env.HOTKEY_LEASE_MAX_UNITS,
    trackedKeys: env.HOTKEY_TRACKED_KEYS,
    denyCacheKeys: env.DENY_CACHE_MAX_KEYS,
    denyCacheMaxMs: env.DENY_CACHE_MAX_MS,
  };
}
