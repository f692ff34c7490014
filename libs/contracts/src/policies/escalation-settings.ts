/**
 * A policy's automatic-block settings (the enforcers' escalation, `src/blocks`): a key denied by
 * `threshold` distinct policies within `windowSeconds`, the last of them this one, is blocked for
 * `blockSeconds`. Distinct means distinct counters: the routes one policy covers count once, and
 * so do repeated denials by one inline limit. `threshold: 0` turns escalation off for this
 * policy: its denials never count toward an automatic block. A field left out takes the
 * enforcer's default (`ESCALATION_THRESHOLD`, `ESCALATION_WINDOW_SECONDS`, `ESCALATION_BLOCK_SECONDS`).
 */
export interface EscalationSettings {
  readonly threshold?: number;
  readonly windowSeconds?: number;
  readonly blockSeconds?: number;
}

export const ESCALATION_FIELDS = ['threshold', 'windowSeconds', 'blockSeconds'] as const;

/** The same bounds as the enforcer's ESCALATION_* variables. */
export const ESCALATION_BOUNDS = {
  threshold: { min: 0, max: 1_000 },
  windowSeconds: { min: 1, max: 3_600 },
  blockSeconds: { min: 1, max: 86_400 },
} as const;
