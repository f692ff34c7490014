import { ValidateBy, type ValidationOptions } from 'class-validator';
import { PRINTABLE_PATTERN } from '../check/check-bounds';
import { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin-bounds';

const printable = new RegExp(PRINTABLE_PATTERN, 'u');

/** Property decorator: a tier's description, "" or printable characters, at most 500 code points. */
export function IsTierDescription(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTierDescription',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && (value === '' || printable.test(value)) && Array.from(value).length <= ADMIN_BOUNDS.tierDescriptionMaxLength,
      },
    },
    { message: ADMIN_MESSAGES.tierDescription, ...options },
  );
}
