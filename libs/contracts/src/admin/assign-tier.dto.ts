import { Matches } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';
import { Required } from '../validation/field-decorators';

/** `PUT /v1/customers/{id}`. */
export class AssignTierDto {
  @Required()
  @Matches(POLICY_RULES.customerTier.pattern, { message: ADMIN_MESSAGES.customerTier })
  tier!: string;
}
