import 'reflect-metadata';
import { IsOptional, ValidateBy } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { ANALYTICS_MESSAGES } from './analytics-bounds';
import { AnalyticsRangeQueryDto } from './analytics-range-query.dto';

/** `GET /v1/analytics/timeseries?from=&to=&region=&policyId=&customerId=`; `customerId=` (empty) selects requests without a customer. */
export class AnalyticsTimeseriesQueryDto extends AnalyticsRangeQueryDto {
  @IsOptional()
  @ValidateBy(
    {
      name: 'isCustomerFilter',
      validator: { validate: (value: unknown) => value === '' || (typeof value === 'string' && POLICY_RULES.customerId.pattern.test(value)) },
    },
    { message: ANALYTICS_MESSAGES.customerId },
  )
  customerId?: string;
}
