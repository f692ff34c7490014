import { IsInt, IsNumber, Max, Min, ValidateBy, type ValidationOptions } from 'class-validator';
import { CHECK_BOUNDS, PRINTABLE_PATTERN } from '../check/check-bounds';
import { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin-bounds';
import { windowToSeconds } from './parse-duration';

const printable = new RegExp(PRINTABLE_PATTERN, 'u');

/** A string of printable characters (no control characters, no lone surrogates), 1..max code points. */
export function isPrintable(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && printable.test(value) && Array.from(value).length <= maxLength;
}

/** Property decorator: a printable string of at most `maxLength` code points. */
export function IsPrintable(maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPrintable',
      constraints: [maxLength],
      validator: { validate: (value: unknown) => isPrintable(value, maxLength) },
    },
    options,
  );
}

/** Property decorator for a customer id, as the check endpoint accepts it. */
export function IsCustomerId(options?: ValidationOptions): PropertyDecorator {
  return IsPrintable(CHECK_BOUNDS.customerIdMaxLength, { message: ADMIN_MESSAGES.customerId, ...options });
}

/** Property decorator: a JSON number of seconds or a duration string, from 1 second to 30 days. */
export function IsWindow(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWindow',
      constraints: [ADMIN_BOUNDS.windowSecondsMin, ADMIN_BOUNDS.windowSecondsMax],
      validator: {
        validate: (value: unknown) => {
          const seconds = windowToSeconds(value);
          return seconds !== undefined && seconds >= ADMIN_BOUNDS.windowSecondsMin && seconds <= ADMIN_BOUNDS.windowSecondsMax;
        },
      },
    },
    { message: ADMIN_MESSAGES.window, ...options },
  );
}

/**
 * Property decorator for a policy's `match`: an object naming at least one field, and not both
 * `customerTier` and `customerId`. The fields themselves are checked by PolicyMatchDto.
 */
export function IsPolicyMatch(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPolicyMatch',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const fields = value as Record<string, unknown>;
          const named = ['customerTier', 'customerId', 'route', 'method'].filter((key) => fields[key] !== undefined);
          return named.length > 0 && !(fields.customerTier !== undefined && fields.customerId !== undefined);
        },
        defaultMessage: (args) => {
          const fields = args?.value as Record<string, unknown> | undefined;
          return fields?.customerTier !== undefined && fields?.customerId !== undefined ? ADMIN_MESSAGES.matchExclusive : ADMIN_MESSAGES.match;
        },
      },
    },
    options,
  );
}

/** Applies `decorators` in order: class-validator has no composition of its own. */
function allOf(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}

/** Property decorator: a limit (units per window), an integer within the admin bounds. */
export function IsLimitValue(): PropertyDecorator {
  const message = ADMIN_MESSAGES.limit;
  return allOf(IsInt({ message }), Min(ADMIN_BOUNDS.limitMin, { message }), Max(ADMIN_BOUNDS.limitMax, { message }));
}

/** Property decorator: a bucket capacity, an integer within the admin bounds. */
export function IsBurstValue(): PropertyDecorator {
  const message = ADMIN_MESSAGES.burst;
  return allOf(IsInt({ message }), Min(ADMIN_BOUNDS.burstMin, { message }), Max(ADMIN_BOUNDS.burstMax, { message }));
}

/** Property decorator: a window as a number of seconds, from 1 second to 30 days. */
export function IsWindowSecondsValue(): PropertyDecorator {
  const message = ADMIN_MESSAGES.windowSeconds;
  return allOf(IsNumber({ allowNaN: false, allowInfinity: false }, { message }), Min(ADMIN_BOUNDS.windowSecondsMin, { message }), Max(ADMIN_BOUNDS.windowSecondsMax, { message }));
}
