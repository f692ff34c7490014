import 'reflect-metadata';
import { IsIn, IsString, ValidateBy } from 'class-validator';
import { IsIntegerIn, SatisfiesRule } from '../control-plane/rule-decorators';
import { POLICY_RULES } from '../policies/validate-policy';
import { DECISION_EVENT_BOUNDS, EVENT_REGION_RULE, KEY_HASH_RULE } from './decision-event-bounds';
import { DECISION_OUTCOMES, type DecisionOutcome } from './decision-outcome';
import { Required } from '../validation/field-decorators';

function IsNumberIn(range: { min: number; max: number; minExclusive?: boolean }): PropertyDecorator {
  const text = range.minExclusive === true ? `above ${range.min} and at most ${range.max}` : `from ${range.min} to ${range.max}`;
  return ValidateBy({
    name: 'isNumberIn',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isFinite(value) && (range.minExclusive === true ? value > range.min : value >= range.min) && value <= range.max,
      defaultMessage: () => `must be a number ${text}`,
    },
  });
}

/** "" (no customer) or a customer id as the check endpoint accepts it. */
function IsOptionalCustomerId(): PropertyDecorator {
  return ValidateBy({
    name: 'isOptionalCustomerId',
    validator: {
      validate: (value: unknown) => value === '' || (typeof value === 'string' && POLICY_RULES.customerId.pattern.test(value)),
      defaultMessage: () => `must be "" or ${POLICY_RULES.customerId.hint}`,
    },
  });
}

/**
 * One decision of `POST /v1/check`, as an enforcer publishes it (inside a DecisionEventBatch).
 * Allowed decisions are sampled: `sampleRate` is the probability this event was kept, so it
 * stands for 1 / sampleRate decisions. Denials (denied, shadow_denied, blocked, degraded ones) are
 * published with sampleRate 1 until the enforcer's rate cap, beyond which they are dropped (and
 * counted in `rl_decision_events_dropped_total`). The class is the type and the validation.
 */
export class DecisionEventDto {
  /** When it was decided, ms since the Unix epoch. */
  @Required()
  @IsIntegerIn(DECISION_EVENT_BOUNDS.timeMs)
  readonly ts!: number;

  /** First 16 hex digits of SHA-256 of the counted key (see KEY_HASH_RULE). */
  @Required()
  @SatisfiesRule(KEY_HASH_RULE)
  readonly keyHash!: string;

  @Required()
  @SatisfiesRule(POLICY_RULES.id)
  readonly policyId!: string;

  @Required()
  @IsIntegerIn(DECISION_EVENT_BOUNDS.policyVersion)
  readonly policyVersion!: number;

  @Required()
  @IsIn(DECISION_OUTCOMES, { message: `must be one of ${DECISION_OUTCOMES.join(', ')}` })
  readonly decision!: DecisionOutcome;

  /** Time to decide, ms. */
  @Required()
  @IsNumberIn(DECISION_EVENT_BOUNDS.latencyMs)
  readonly latencyMs!: number;

  @Required()
  @SatisfiesRule(EVENT_REGION_RULE)
  readonly region!: string;

  /** "" when the request named no customer. */
  @Required()
  @IsString({ message: `must be "" or ${POLICY_RULES.customerId.hint}` })
  @IsOptionalCustomerId()
  readonly customerId!: string;

  /** In (0, 1]: this event stands for 1 / sampleRate decisions. */
  @Required()
  @IsNumberIn({ min: 0, max: 1, minExclusive: true })
  readonly sampleRate!: number;
}


export type DecisionEvent = DecisionEventDto;
