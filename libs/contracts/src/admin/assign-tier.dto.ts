import { IsDefined, Matches } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';

/** `PUT /v1/customers/{id}`. */
export class AssignTierDto {
  @IsDefined({ message: 'is required' })
  @Matches(POLICY_RULES.customerTier.pattern, { message: ADMIN_MESSAGES.customerTier })
  tier!: string;
}
