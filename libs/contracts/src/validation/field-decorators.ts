import { IsDefined } from 'class-validator';

/**
 * Shared field decorators of the DTOs, so that one rule reads and answers the same everywhere.
 * `Required()`: the field must be present (not undefined, not null); a missing field gets
 * `is required`, before any other rule of the field is tried.
 */
export function Required(): PropertyDecorator {
  return IsDefined({ message: 'is required' });
}
