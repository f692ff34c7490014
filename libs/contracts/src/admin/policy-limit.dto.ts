import { IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CALENDAR_WINDOWS, type CalendarWindow } from '../policies/calendar-window';
import { POLICY_ALGORITHMS, type PolicyAlgorithm } from '../policies/policy-algorithm';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin-bounds';

/**
 * One limit of a stacked policy (`limits[]`, PolicyLimit). Exactly one of `windowSeconds` and a
 * calendar `window` (with an IANA `timeZone`, default UTC); `algorithm` defaults to the policy's
 * (fixed_window for a calendar window), `burst` to `limit`. The rules that span fields (one
 * window, unique names, a known time zone) are checked when the policy is normalised (422).
 */
export class PolicyLimitDto {
  @IsDefined({ message: 'is required' })
  @Matches(POLICY_RULES.limitName.pattern, { message: `must be ${POLICY_RULES.limitName.hint}` })
  name!: string;

  @IsDefined({ message: 'is required' })
  @IsInt({ message: ADMIN_MESSAGES.limit })
  @Min(ADMIN_BOUNDS.limitMin, { message: ADMIN_MESSAGES.limit })
  @Max(ADMIN_BOUNDS.limitMax, { message: ADMIN_MESSAGES.limit })
  limit!: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: ADMIN_MESSAGES.windowSeconds })
  @Min(ADMIN_BOUNDS.windowSecondsMin, { message: ADMIN_MESSAGES.windowSeconds })
  @Max(ADMIN_BOUNDS.windowSecondsMax, { message: ADMIN_MESSAGES.windowSeconds })
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
  @IsInt({ message: ADMIN_MESSAGES.burst })
  @Min(ADMIN_BOUNDS.burstMin, { message: ADMIN_MESSAGES.burst })
  @Max(ADMIN_BOUNDS.burstMax, { message: ADMIN_MESSAGES.burst })
  burst?: number;
}
