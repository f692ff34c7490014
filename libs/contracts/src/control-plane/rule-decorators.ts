import { ValidateBy, type ValidationOptions } from 'class-validator';
import type { StringRule } from '../validation/field-reader';

/**
 * class-validator decorators that reuse the policy model's rules (POLICY_RULES), so a message and a
 * policy file reject the same values with the same words.
 */
export function SatisfiesRule(rule: StringRule, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'satisfiesRule',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && rule.pattern.test(value),
        defaultMessage: () => `must be ${rule.hint}`,
      },
    },
    options,
  );
}

/** An integer in [min, max]; one message for every way of missing it (type, fraction, range). */
export function IsIntegerIn(range: { min: number; max: number }, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIntegerIn',
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max,
        defaultMessage: () => `must be an integer from ${range.min} to ${range.max}`,
      },
    },
    options,
  );
}
