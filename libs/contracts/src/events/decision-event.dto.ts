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

/** The wire form of a DecisionEvent, validated on receipt by `parseDecisionEventBatch`. */
export class DecisionEventDto {
  @Required()
  @IsIntegerIn(DECISION_EVENT_BOUNDS.timeMs)
  ts!: number;

  @Required()
  @SatisfiesRule(KEY_HASH_RULE)
  keyHash!: string;

  @Required()
  @SatisfiesRule(POLICY_RULES.id)
  policyId!: string;

  @Required()
  @IsIntegerIn(DECISION_EVENT_BOUNDS.policyVersion)
  policyVersion!: number;

  @Required()
  @IsIn(DECISION_OUTCOMES, { message: `must be one of ${DECISION_OUTCOMES.join(', ')}` })
  decision!: DecisionOutcome;

  @Required()
  @IsNumberIn(DECISION_EVENT_BOUNDS.latencyMs)
  latencyMs!: number;

  @Required()
  @SatisfiesRule(EVENT_REGION_RULE)
  region!: string;

  @Required()
  @IsString({ message: `must be "" or ${POLICY_RULES.customerId.hint}` })
  @IsOptionalCustomerId()
  customerId!: string;

  @Required()
  @IsNumberIn({ min: 0, max: 1, minExclusive: true })
  sampleRate!: number;
}

