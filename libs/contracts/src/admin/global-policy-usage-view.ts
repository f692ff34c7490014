import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsInt, IsISO8601, IsNumber, IsString, Min, ValidateNested } from 'class-validator';
import { GlobalKeySummaryView } from './global-key-summary-view';

/** `GET /v1/global-usage?policyId=`: a global policy's top 50 keys by demand (admitted + denied), current window. */
export class GlobalPolicyUsageView {
  @IsString()
  policyId!: string;

  /** The stacked limit these figures are for (`limitName` of the query); absent for a policy of one limit. */
  @IsOptional()
  @IsString()
  limitName?: string;

  @IsInt()
  @Min(1)
  limit!: number;

  @IsNumber()
  windowSeconds!: number;

  @IsISO8601()
  windowStart!: string;

  @IsInt()
  @Min(0)
  epoch!: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => GlobalKeySummaryView)
  keys!: GlobalKeySummaryView[];
}
