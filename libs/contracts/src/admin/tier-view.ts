import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsISO8601, IsString, Matches, Min, ValidateNested } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { PolicyView } from './policy-view';

/** A tier: its description, how many customers are on it, and the policies that match it (`match.customerTier`). */
export class TierView {
  @Matches(POLICY_RULES.customerTier.pattern)
  id!: string;

  @IsString()
  description!: string;

  /** 1 when created, +1 on every change of the description. */
  @IsInt()
  @Min(1)
  version!: number;

  @IsISO8601()
  createdAt!: string;

  @IsISO8601()
  updatedAt!: string;

  /** Customers assigned to this tier (`GET /v1/customers` lists them). */
  @IsInt()
  @Min(0)
  customerCount!: number;

  /** The current policies whose `match.customerTier` is this tier, by id. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PolicyView)
  policies!: PolicyView[];
}
