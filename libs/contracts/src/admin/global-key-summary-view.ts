import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { GlobalRegionUsageView } from './global-region-usage-view';

/** One key in the policy-wide view: world totals and each region's share. */
export class GlobalKeySummaryView {
  @IsString()
  key!: string;

  @IsInt()
  @Min(0)
  admitted!: number;

  @IsInt()
  @Min(0)
  denied!: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => GlobalRegionUsageView)
  regions!: GlobalRegionUsageView[];
}
