import 'reflect-metadata';
import { IsISO8601, IsOptional, Matches, ValidateBy } from 'class-validator';
import { ADMIN_MESSAGES } from '../admin/admin-bounds';
import { KEY_HASH_RULE } from '../events/decision-event-bounds';
import { POLICY_RULES } from '../policies/validate-policy';
import { ANALYTICS_MESSAGES } from './analytics-bounds';

/**
 * Filters shared by the analytics queries. from/to default to the last hour (checked by the
 * service); `customerId=` (empty) selects requests without a customer; `keyHash` is the first 16
 * hex digits of SHA-256 of a key (the console computes it from the key an operator types).
 */
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

  @IsOptional()
  @ValidateBy(
    {
      name: 'isCustomerFilter',
      validator: { validate: (value: unknown) => value === '' || (typeof value === 'string' && POLICY_RULES.customerId.pattern.test(value)) },
    },
    { message: ANALYTICS_MESSAGES.customerId },
  )
  customerId?: string;

  @IsOptional()
  @Matches(KEY_HASH_RULE.pattern, { message: ANALYTICS_MESSAGES.keyHash })
  keyHash?: string;
}
