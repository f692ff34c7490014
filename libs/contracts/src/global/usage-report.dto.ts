import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsIn, ValidateNested } from 'class-validator';
import { IsIntegerIn, SatisfiesRule } from '../control-plane/rule-decorators';
import { Required } from '../validation/field-decorators';
import type { FieldError } from '../validation/field-error';
import { parseMessage } from '../validation/parse-message';
import type { ValidationResult } from '../validation/validation-result';
import { GLOBAL_BOUNDS, GLOBAL_SCHEMA_VERSION } from './global-bounds';
import { instanceWithoutKeyTuples, windowErrors } from './global-message';
import { UsageWindowDto, type UsageKey } from './policy-window.dto';
import { GLOBAL_REGION_PATTERN } from './subjects';

/**
 * One enforcer instance's usage of global policies (subject `<ns>.global.usage.<region>`).
 * Counts are ABSOLUTE per (instance, policy, identity, window), never deltas: a duplicate or a
 * redelivery changes nothing, and the reconciler keeps the entry from the highest `sequence`.
 * The class is the type, the validation (on receipt: parseUsageReport) and the wire form.
 */
export class UsageReportDto {
  static readonly maxBytes = GLOBAL_BOUNDS.messageMaxBytes;

  static fromPlain(plain: Record<string, unknown>): UsageReportDto {
    return instanceWithoutKeyTuples(UsageReportDto, plain);
  }

  static crossFieldErrors(report: UsageReportDto): FieldError[] {
    return windowErrors(report, 3);
  }

  @Required()
  @IsIn([GLOBAL_SCHEMA_VERSION], { message: `must be ${GLOBAL_SCHEMA_VERSION}` })
  readonly schema!: 1;

  @Required()
  @SatisfiesRule({ pattern: GLOBAL_REGION_PATTERN, hint: 'a region name of 1 to 32 characters from [a-z0-9-]' })
  readonly region!: string;

  @Required()
  @SatisfiesRule(GLOBAL_BOUNDS.instanceId)
  readonly instanceId!: string;

  /** Monotonic per instance (restart: start above the last one, e.g. from the clock). */
  @Required()
  @IsIntegerIn(GLOBAL_BOUNDS.count)
  readonly sequence!: number;

  @Required()
  @IsIntegerIn(GLOBAL_BOUNDS.timeMs)
  readonly sentAtMs!: number;

  /** Highest allocation epoch this instance has applied (its acknowledgement). */
  @Required()
  @IsIntegerIn(GLOBAL_BOUNDS.epoch)
  readonly appliedEpoch!: number;

  @Required()
  @IsArray({ message: 'must be an array' })
  @ValidateNested({ each: true })
  @Type(() => UsageWindowDto)
  readonly windows!: readonly UsageWindowDto[];
}

export type UsageReport = UsageReportDto;
export type UsageWindow = UsageWindowDto;
export type { UsageKey };

/** One usage report as received (bytes or text): the report, or every problem with its field path (`windows[0].keys`). */
export function parseUsageReport(input: Uint8Array | string): ValidationResult<UsageReport> {
  return parseMessage(UsageReportDto, input);
}
