import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsBoolean, IsInt, IsISO8601, IsNumber, IsString, Min, ValidateNested } from 'class-validator';
import { GlobalRegionUsageView } from './global-region-usage-view';

/** `GET /v1/global-usage?policyId=&key=`: one key of a global policy, per region, current window. */
export class GlobalKeyUsageView {
  @IsString()
  policyId!: string;

  @IsString()
  key!: string;

  /** The stacked limit these figures are for (`limitName` of the query); absent for a policy of one limit. */
  @IsOptional()
  @IsString()
  limitName?: string;

  /** The policy's limit per window, for the whole world. */
  @IsInt()
  @Min(1)
  limit!: number;

  @IsNumber()
  windowSeconds!: number;

  /** Start of the current aligned window. */
  @IsISO8601()
  windowStart!: string;

  /** The allocation epoch of the figures. */
  @IsInt()
  @Min(0)
  epoch!: number;

  /** Whether the answering reconciler instance is the leader. */
  @IsBoolean()
  leader!: boolean;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => GlobalRegionUsageView)
  regions!: GlobalRegionUsageView[];
}
