import { IsDefined } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { SatisfiesRule } from './rule-decorators';

/** `assignment` of a `customer.upserted` change: the customer's tier. */
export class CustomerAssignmentDto {
  @IsDefined({ message: 'is required' })
  @SatisfiesRule(POLICY_RULES.customerTier)
  tier!: string;
}
