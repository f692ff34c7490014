import type { EnvValues, EnvVar } from '@rl/platform';
import { envInt } from '@rl/platform';

const DECIMAL = /^(0|1|0?\.\d{1,9}|1\.0{1,9})$/;

/** A decimal from 0 to 1 (`0.01`, `.5`, `1`). */
function envFraction(options: { default: number; description: string }): EnvVar<number> {
  return {
    description: options.description,
    required: false,
    defaultText: String(options.default),
    read(raw) {
      if (raw === undefined) return { ok: true, value: options.default };
      if (!DECIMAL.test(raw)) return { ok: false, problem: `must be a decimal number from 0 to 1 (got ${JSON.stringify(raw.slice(0, 80))})` };
      return { ok: true, value: Number(raw) };
    },
  };
}

/** The enforcer's decision-event variables (part of ENFORCER_ENV). */
export const DECISION_EVENTS_ENV = {
  EVENTS_SAMPLE_RATE: envFraction({
    default: 0.01,
    description:
      'Share of allowed decisions published as events on `<ns>.events.decisions.<region>` (0 to 1); denials always, up to EVENTS_DENY_RATE_CAP. Only with POLICY_SERVICE_URL',
  }),
  EVENTS_DENY_RATE_CAP: envInt({
    min: 0,
    max: 1_000_000,
    default: 1_000,
    description: 'Most denial events (denied, shadow-denied, blocked) this instance publishes per second; more are dropped and counted (0: none)',
  }),
  EVENTS_BUFFER_SIZE: envInt({
    min: 1,
    max: 1_000_000,
    default: 20_000,
    description: 'Decision events held between flushes; when full, new events are dropped and counted, never waited for',
  }),
  EVENTS_FLUSH_INTERVAL_MS: envInt({
    min: 10,
    max: 60_000,
    default: 1_000,
    description: 'How often buffered decision events are published to NATS, in batches of up to 500 per message',
  }),
};

/**
 * Decision events (`<ns>.events.decisions.<region>`), published off the request path. They need
 * the control plane (POLICY_SERVICE_URL): its NATS carries them, and the policy service rolls
 * them up. `enabled` is false without it, or when both the sample rate and the deny cap are 0.
 */
export interface DecisionEventSettings {
  readonly enabled: boolean;
  /** Probability that an allowed decision is published. */
  readonly sampleRate: number;
  /** Denial events per second, at most. */
  readonly denyRateCap: number;
  readonly bufferSize: number;
  readonly flushIntervalMs: number;
}

export function decisionEventSettings(env: EnvValues<typeof DECISION_EVENTS_ENV> & { readonly POLICY_SERVICE_URL: string | undefined }): DecisionEventSettings {
  return {
    enabled: env.POLICY_SERVICE_URL !== undefined && (env.EVENTS_SAMPLE_RATE > 0 || env.EVENTS_DENY_RATE_CAP > 0),
    sampleRate: env.EVENTS_SAMPLE_RATE,
    denyRateCap: env.EVENTS_DENY_RATE_CAP,
    bufferSize: env.EVENTS_BUFFER_SIZE,
    flushIntervalMs: env.EVENTS_FLUSH_INTERVAL_MS,
  };
}
