import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsObject, IsOptional, Min, ValidateNested } from 'class-validator';
import { BlockDto } from '../control-plane/block.dto';
import type { CustomerAssignmentView } from './customer-assignment-view';
import { PolicyView } from './policy-view';

/**
 * `GET /v1/policies/snapshot` (PolicySnapshot): everything enforcers resolve against, read in one
 * transaction, as of `revision`. Changes after it arrive on the policy-changes stream as revision + 1, ...
 */
export class SnapshotView {
  @IsInt()
  @Min(0)
  revision!: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PolicyView)
  policies!: PolicyView[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PolicyView)
  overrides!: PolicyView[];

  /** customer id -> `{ tier }`. */
  @IsObject()
  customers!: Record<string, CustomerAssignmentView>;

  /** Active blocks; expired ones are left out. */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => BlockDto)
  blocks?: BlockDto[];
}
