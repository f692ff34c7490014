import 'reflect-metadata';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { ADMIN_MESSAGES } from '../admin/admin-bounds';
import { ANALYTICS_MESSAGES } from './analytics-bounds';

/** Filters shared by the analytics queries. from/to default to the last hour (checked by the service). */
export class AnalyticsRangeQueryDto {
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: ANALYTICS_MESSAGES.time })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: ANALYTICS_MESSAGES.time })
  to?: string;

  @IsOptional()
  @Matches(/^[a-z0-9-]{1,32}$/, { message: ANALYTICS_MESSAGES.region })
  region?: string;

  @IsOptional()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: ADMIN_MESSAGES.policyId })
  policyId?: string;
}
