import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Min, ValidateNested } from 'class-validator';
import { PolicyView } from './policy-view';

export const POLICY_VERSION_CHANGES = ['created', 'updated', 'rolled_back'] as const;

/** One immutable entry of a policy's history. */
export class PolicyVersionView {
  @IsInt()
  @Min(1)
  version!: number;

  /** How this version came about. */
  @IsIn(POLICY_VERSION_CHANGES)
  change!: (typeof POLICY_VERSION_CHANGES)[number];

  /** For `rolled_back`: the version whose content this one restores. */
  @IsOptional()
  @IsInt()
  @Min(1)
  rolledBackFrom?: number;

  @IsISO8601()
  createdAt!: string;

  /** The API key that made the change (absent for system changes). */
  @IsOptional()
  @IsUUID()
  actorKeyId?: string;

  @IsString()
  actorName!: string;

  @ValidateNested()
  @Type(() => PolicyView)
  policy!: PolicyView;
}
