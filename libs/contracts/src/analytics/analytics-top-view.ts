import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsISO8601, ValidateNested } from 'class-validator';
import { ANALYTICS_DIMENSIONS, type AnalyticsDimension } from './analytics-bounds';
import { AnalyticsTopItemView } from './analytics-top-item-view';

/** `GET /v1/analytics/top`: sorted by denied + shadowDenied + blocked, most first. */
export class AnalyticsTopView {
  @IsISO8601()
  from!: string;

  @IsISO8601()
  to!: string;

  @IsIn(ANALYTICS_DIMENSIONS)
  dimension!: AnalyticsDimension;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AnalyticsTopItemView)
  items!: AnalyticsTopItemView[];
}
