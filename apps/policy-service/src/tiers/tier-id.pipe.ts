import type { PipeTransform } from '@nestjs/common';
import { ADMIN_MESSAGES, POLICY_RULES } from '@rl/contracts';
import { InvalidInputError } from '../errors/api-errors';

/** The `{id}` of `/v1/tiers/{id}`: a tier name, else 400 naming `id`. */
export class TierIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!POLICY_RULES.customerTier.pattern.test(value)) throw new InvalidInputError([{ path: 'id', message: ADMIN_MESSAGES.tierId }]);
    return value;
  }
}
