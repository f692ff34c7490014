import 'reflect-metadata';
import { IsDefined, IsIn, IsString, ValidateBy } from 'class-validator';
import { IsIntegerIn, SatisfiesRule } from '../control-plane/rule-decorators';
import { POLICY_RULES } from '../policies/validate-policy';
import { DECISION_EVENT_BOUNDS, EVENT_REGION_RULE, KEY_HASH_RULE } from './decision-event-bounds';
import { DECISION_OUTCOMES, type DecisionOutcome } from './decision-outcome';

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
  @IsDefined({ message: 'is required' })
  @IsIntegerIn(DECISION_EVENT_BOUNDS.timeMs)
  ts!: number;

  @IsDefined({ message: 'is required' })
  @SatisfiesRule(KEY_HASH_RULE)
  keyHash!: string;

  @IsDefined({ message: 'is required' })
  @SatisfiesRule(POLICY_RULES.id)
  policyId!: string;

  @IsDefined({ message: 'is required' })
  @IsIntegerIn(DECISION_EVENT_BOUNDS.policyVersion)
  policyVersion!: number;

  @IsDefined({ message: 'is required' })
  @IsIn(DECISION_OUTCOMES, { message: `must be one of ${DECISION_OUTCOMES.join(', ')}` })
  decision!: DecisionOutcome;

  @IsDefined({ message: 'is required' })
  @IsNumberIn(DECISION_EVENT_BOUNDS.latencyMs)
  latencyMs!: number;

  @IsDefined({ message: 'is required' })
  @SatisfiesRule(EVENT_REGION_RULE)
  region!: string;

  @IsDefined({ message: 'is required' })
  @IsString({ message: `must be "" or ${POLICY_RULES.customerId.hint}` })
  @IsOptionalCustomerId()
  customerId!: string;

  @IsDefined({ message: 'is required' })
  @IsNumberIn({ min: 0, max: 1, minExclusive: true })
  sampleRate!: number;
}

