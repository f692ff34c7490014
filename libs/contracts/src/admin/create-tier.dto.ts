import { IsOptional, Matches } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';
import { IsTierDescription } from './tier-description';
import { Required } from '../validation/field-decorators';

/** `POST /v1/tiers`: a tier customers can be assigned to (`PUT /v1/customers/{id}`) and policies can match. */
export class CreateTierDto {
  /** The name policies match on (`match.customerTier`) and customers are assigned to. */
  @Required()
  @Matches(POLICY_RULES.customerTier.pattern, { message: ADMIN_MESSAGES.tierId })
  id!: string;

  /** What the tier is for; "" when left out. */
  @IsOptional()
  @IsTierDescription()
  description?: string;
}
