import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ANALYTICS_BOUNDS, ANALYTICS_DIMENSIONS, ANALYTICS_MESSAGES, type AnalyticsDimension } from './analytics-bounds';
import { AnalyticsRangeQueryDto } from './analytics-range-query.dto';
import { Required } from '../validation/field-decorators';

/** `GET /v1/analytics/top?dimension=key|customer&from=&to=&region=&policyId=&customerId=&keyHash=&limit=` */
export class AnalyticsTopQueryDto extends AnalyticsRangeQueryDto {
  @Required()
  @IsIn(ANALYTICS_DIMENSIONS, { message: ANALYTICS_MESSAGES.dimension })
  dimension!: AnalyticsDimension;

  /** 1..100, default 10. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: ANALYTICS_MESSAGES.limit })
  @Min(1, { message: ANALYTICS_MESSAGES.limit })
  @Max(ANALYTICS_BOUNDS.topLimitMax, { message: ANALYTICS_MESSAGES.limit })
  limit?: number;
}
