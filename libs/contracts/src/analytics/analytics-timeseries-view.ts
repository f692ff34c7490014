import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsISO8601, ValidateNested } from 'class-validator';
import { AnalyticsPointView } from './analytics-point-view';

/** `GET /v1/analytics/timeseries`: points ordered by minute, then region and policy. Minutes without events have no point. */
export class AnalyticsTimeseriesView {
  @IsISO8601()
  from!: string;

  @IsISO8601()
  to!: string;

  @IsIn([60])
  stepSeconds!: 60;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AnalyticsPointView)
  points!: AnalyticsPointView[];
}
