import { Matches } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';

/** A customer's tier inside a snapshot (CustomerAssignment). */
export class CustomerAssignmentView {
  @Matches(POLICY_RULES.customerTier.pattern)
  tier!: string;
}
