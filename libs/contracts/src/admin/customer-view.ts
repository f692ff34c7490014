import { IsInt, IsISO8601, Matches, Min } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { IsCustomerId } from './admin-validators';

/** A customer's tier assignment. */
export class CustomerView {
  @IsCustomerId()
  id!: string;

  @Matches(POLICY_RULES.customerTier.pattern)
  tier!: string;

  /** 1 on the first assignment, +1 on every change. */
  @IsInt()
  @Min(1)
  version!: number;

  @IsISO8601()
  updatedAt!: string;
}
