import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsNumber, IsOptional, Min, ValidateNested } from 'class-validator';
import { IsCustomerId } from './admin-validators';
import { PolicyView } from './policy-view';

/** A customer's override (`PUT /admin/limits`): the request's fields and the policy enforcers apply. */
export class OverrideView {
  @IsCustomerId()
  customer_id!: string;

  @IsInt()
  @Min(1)
  limit!: number;

  /** The window in seconds, however it was given. */
  @IsNumber()
  window!: number;

  /** The override as a policy: id `override-…`, matching exactly this customer id. */
  @ValidateNested()
  @Type(() => PolicyView)
  policy!: PolicyView;

  @IsISO8601()
  updatedAt!: string;

  /** On write responses: the control-plane revision this change committed as. */
  @IsOptional()
  @IsInt()
  @Min(1)
  revision?: number;
}
