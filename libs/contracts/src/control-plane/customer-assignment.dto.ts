import { POLICY_RULES } from '../policies/validate-policy';
import { SatisfiesRule } from './rule-decorators';
import { Required } from '../validation/field-decorators';

/** `assignment` of a `customer.upserted` change: the customer's tier. */
export class CustomerAssignmentDto {
  @Required()
  @SatisfiesRule(POLICY_RULES.customerTier)
  tier!: string;
}
