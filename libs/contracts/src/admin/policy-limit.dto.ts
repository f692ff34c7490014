import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { CALENDAR_WINDOWS, type CalendarWindow } from '../policies/calendar-window';
import { POLICY_ALGORITHMS, type PolicyAlgorithm } from '../policies/policy-algorithm';
import { POLICY_SCOPES, type PolicyScope } from '../policies/policy-scope';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';
import { IsBurstValue, IsLimitValue, IsWindowSecondsValue } from './admin-validators';
import { Required } from '../validation/field-decorators';

/**
 * One limit of a stacked policy (`limits[]`, PolicyLimit). Exactly one of `windowSeconds` and a
 * calendar `window` (with an IANA `timeZone`, default UTC); `algorithm` defaults to the policy's
 * (fixed_window for a calendar window), `burst` to `limit`. The rules that span fields (one
 * window, unique names, a known time zone) are checked when the policy is normalised (422).
 */
export class PolicyLimitDto {
  @Required()
  @Matches(POLICY_RULES.limitName.pattern, { message: `must be ${POLICY_RULES.limitName.hint}` })
  name!: string;

  @Required()
  @IsLimitValue()
  limit!: number;

  @IsOptional()
  @IsWindowSecondsValue()
  windowSeconds?: number;

  @IsOptional()
  @IsIn(CALENDAR_WINDOWS, { message: ADMIN_MESSAGES.oneOf(CALENDAR_WINDOWS) })
  window?: CalendarWindow;

  @IsOptional()
  @IsString({ message: 'must be an IANA time zone such as UTC or Europe/Berlin' })
  timeZone?: string;

  @IsOptional()
  @IsIn(POLICY_ALGORITHMS, { message: ADMIN_MESSAGES.oneOf(POLICY_ALGORITHMS) })
  algorithm?: PolicyAlgorithm;

  @IsOptional()
  @IsBurstValue()
  burst?: number;

  /** `regional` or `global` for this limit alone; defaults to the policy's `scope`. */
  @IsOptional()
  @IsIn(POLICY_SCOPES, { message: ADMIN_MESSAGES.oneOf(POLICY_SCOPES) })
  scope?: PolicyScope;
}
