import { IsInt, IsISO8601, IsNumber, IsOptional, Matches, Max, Min } from 'class-validator';
import { CHECK_BOUNDS } from '../check/check-bounds';
import { EVENT_REGION_RULE } from '../events/decision-event-bounds';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';
import { IsCustomerId, IsPrintable } from './admin-validators';
import { Required } from '../validation/field-decorators';

/** Denials an automatic block may carry, at most. */
export const BLOCK_DENIALS_MAX = 50;

/**
 * One denial that made an enforcer block a key automatically: which policy (or inline limit,
 * `policyId: "inline"` with its `limit` and `windowSeconds`) denied it, when, where, and for
 * which route and customer.
 */
export class BlockDenialDto {
  /** The denying policy's id; `inline` for an inline limit, `default` for the enforcer's default policy. */
  @Required()
  @Matches(POLICY_RULES.id.pattern, { message: ADMIN_MESSAGES.policyId })
  policyId!: string;

  @Required()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be an ISO-8601 date-time' })
  at!: string;

  @Required()
  @Matches(EVENT_REGION_RULE.pattern, { message: `must be ${EVENT_REGION_RULE.hint}` })
  region!: string;

  @IsOptional()
  @IsPrintable(CHECK_BOUNDS.routeMaxLength, { message: ADMIN_MESSAGES.route })
  route?: string;

  @IsOptional()
  @Matches(POLICY_RULES.method.pattern, { message: ADMIN_MESSAGES.method })
  method?: string;

  @IsOptional()
  @IsCustomerId()
  customerId?: string;

  /** For an inline limit: its limit. */
  @IsOptional()
  @IsInt({ message: ADMIN_MESSAGES.limit })
  @Min(1, { message: ADMIN_MESSAGES.limit })
  @Max(CHECK_BOUNDS.limitMax, { message: ADMIN_MESSAGES.limit })
  limit?: number;

  /** For an inline limit: its window. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: `must be a number of seconds from ${CHECK_BOUNDS.windowSecondsMin} to ${CHECK_BOUNDS.windowSecondsMax}` })
  @Min(CHECK_BOUNDS.windowSecondsMin, { message: `must be a number of seconds from ${CHECK_BOUNDS.windowSecondsMin} to ${CHECK_BOUNDS.windowSecondsMax}` })
  @Max(CHECK_BOUNDS.windowSecondsMax, { message: `must be a number of seconds from ${CHECK_BOUNDS.windowSecondsMin} to ${CHECK_BOUNDS.windowSecondsMax}` })
  windowSeconds?: number;
}
