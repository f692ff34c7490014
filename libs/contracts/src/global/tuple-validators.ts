import { ValidateBy, type ValidationOptions } from 'class-validator';
import { GLOBAL_BOUNDS } from './global-bounds';

/**
 * Key tuples are validated by hand-written loops rather than one nested DTO per tuple: a report may
 * hold tens of thousands of keys, and class-validator's reflection per element is too slow for that.
 * The message names the first bad entry.
 */
function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= GLOBAL_BOUNDS.count.min && value <= GLOBAL_BOUNDS.count.max;
}

function isIdentity(value: unknown): boolean {
  return typeof value === 'string' && GLOBAL_BOUNDS.identity.pattern.test(value);
}

/** Index of the first entry that is not a tuple of `arity` with an identity then counts, -1 when all are good. */
export function firstBadTuple(value: unknown, arity: number): number {
  if (!Array.isArray(value)) return -2;
  for (let i = 0; i < value.length; i += 1) {
    const entry: unknown = value[i];
    if (!Array.isArray(entry) || entry.length !== arity || !isIdentity(entry[0])) return i;
    for (let j = 1; j < arity; j += 1) if (!isCount(entry[j])) return i;
  }
  return -1;
}

const SHAPES: Record<number, string> = { 2: '[identity, allocation]', 3: '[identity, admitted, denied]' };

/** The error message of a bad key list; `bad` is firstBadTuple's answer. */
export function tupleMessage(input: { arity: number; bad: number }): string {
  const where = input.bad >= 0 ? ` (entry ${input.bad} is not)` : '';
  return `must be an array of ${SHAPES[input.arity]} tuples: identity a counter identity (limiter-core safeIdentity), counts integers from 0 to ${GLOBAL_BOUNDS.count.max}${where}`;
}

function tupleDecorator(name: string, arity: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => firstBadTuple(value, arity) === -1,
        defaultMessage: (args) => tupleMessage({ arity, bad: firstBadTuple(args?.value, arity) }),
      },
    },
    options,
  );
}

/** `[identity, admitted, denied][]`. */
export function IsUsageKeys(options?: ValidationOptions): PropertyDecorator {
  return tupleDecorator('isUsageKeys', 3, options);
}

/** `[identity, allocation][]`. */
export function IsAllocationKeys(options?: ValidationOptions): PropertyDecorator {
  return tupleDecorator('isAllocationKeys', 2, options);
}
