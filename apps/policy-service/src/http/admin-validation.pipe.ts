import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { toFieldErrors } from '@rl/contracts';
import { InvalidInputError } from '../errors/api-errors';

/**
 * class-validator on every DTO: unknown fields rejected (whitelist + forbidNonWhitelisted), no type
 * coercion of bodies, the first failed rule per field, errors as field paths (`match.method`).
 * A body that is not a JSON object is rejected before the DTO sees it.
 */
export class AdminValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new InvalidInputError(toFieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new InvalidInputError([{ path: '', message: 'the request body must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}
