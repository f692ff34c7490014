import { envInt, type EnvValues } from '@rl/platform';

/** The policy service's analytics variables (part of POLICY_SERVICE_ENV). */
export const ANALYTICS_ENV = {
  ANALYTICS_RETENTION_DAYS: envInt({
    min: 1,
    max: 3_650,
    default: 30,
    description: 'Days of per-minute decision rollups kept for GET /v1/analytics/*; older minutes are deleted every hour',
  }),
};

export interface AnalyticsSettings {
  readonly retentionDays: number;
}

export function analyticsSettings(env: EnvValues<typeof ANALYTICS_ENV>): AnalyticsSettings {
  return { retentionDays: env.ANALYTICS_RETENTION_DAYS };
}
