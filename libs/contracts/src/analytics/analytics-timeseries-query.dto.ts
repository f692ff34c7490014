import { AnalyticsRangeQueryDto } from './analytics-range-query.dto';

/** `GET /v1/analytics/timeseries?from=&to=&region=&policyId=&customerId=&keyHash=`. */
export class AnalyticsTimeseriesQueryDto extends AnalyticsRangeQueryDto {}
