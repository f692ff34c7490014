import 'reflect-metadata';
import { IsIn, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { CALENDAR_WINDOWS, type CalendarWindow } from '../policies/calendar-window';
import { IsIntegerIn, SatisfiesRule } from '../control-plane/rule-decorators';
import { Required } from '../validation/field-decorators';
import { GLOBAL_BOUNDS } from './global-bounds';
import { IsAllocationKeys, IsUsageKeys } from './tuple-validators';

const windowMessage = `must be a number from ${GLOBAL_BOUNDS.windowSeconds.min} to ${GLOBAL_BOUNDS.windowSeconds.max}`;

/** `[identity, admitted, denied]`: one instance's absolute counts in a window. */
export type UsageKey = readonly [identity: string, admitted: number, denied: number];

/** `[identity, allocation]`. */
export type AllocationKey = readonly [identity: string, allocation: number];

/**
 * One policy window of a global message: the same fields in usage reports and allocation updates,
 * only the key tuples differ (validated by `keys`, a tuple decorator).
 */
function policyWindow<Key>(keys: PropertyDecorator) {
  class PolicyWindow {
    @Required()
    @SatisfiesRule(GLOBAL_BOUNDS.policyId)
    readonly policyId!: string;

    /**
     * The limit of a stacked policy this window counts (its `limits[].name`), absent for a policy
     * of one limit: the reconciler keeps one book per (policy, limit) and answers per limit.
     */
    @IsOptional()
    @SatisfiesRule(GLOBAL_BOUNDS.limitName)
    readonly limitName?: string;

    /**
     * A calendar window (a global stacked limit's `window`) in `timeZone`: `windowStartMs` is then
     * that window's start and `windowSeconds` its own length (a month, a DST day), both computed
     * by limiter-core's calendarBounds, instead of an epoch-aligned window.
     */
    @IsOptional()
    @IsIn(CALENDAR_WINDOWS, { message: `must be one of ${CALENDAR_WINDOWS.join(', ')}` })
    readonly window?: CalendarWindow;

    /** The IANA time zone of `window`; required with it. */
    @IsOptional()
    @SatisfiesRule(GLOBAL_BOUNDS.timeZone)
    readonly timeZone?: string;

    /** floor(nowMs / windowMs) * windowMs: the same aligned window in every region. */
    @Required()
    @IsIntegerIn(GLOBAL_BOUNDS.timeMs)
    readonly windowStartMs!: number;

    @Required()
    @IsNumber({ allowNaN: false, allowInfinity: false }, { message: windowMessage })
    @Min(GLOBAL_BOUNDS.windowSeconds.min, { message: windowMessage })
    @Max(GLOBAL_BOUNDS.windowSeconds.max, { message: windowMessage })
    readonly windowSeconds!: number;

    /** The policy's global limit per window. */
    @Required()
    @IsIntegerIn(GLOBAL_BOUNDS.limit)
    readonly limit!: number;

    @Required()
    @keys
    readonly keys!: readonly Key[];
  }
  return PolicyWindow;
}

/** One policy window of a UsageReport: this instance's absolute counts per identity. */
export class UsageWindowDto extends policyWindow<UsageKey>(IsUsageKeys()) {}

/** One policy window of an AllocationUpdate: each identity's allocation. */
export class AllocationWindowDto extends policyWindow<AllocationKey>(IsAllocationKeys()) {}
