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
import { AllocationWindowDto, type AllocationKey } from './policy-window.dto';
import { GLOBAL_REGION_PATTERN } from './subjects';

/**
 * Allocations for one region (subject `<ns>.global.allocations.<region>`, JetStream).
 * `allocation` is the most requests the region may admit in the WHOLE window (cumulative).
 * Per key, an enforcer keeps the epoch it holds and ignores an update whose epoch is <= it.
 * Only changed allocations need to be sent; large updates are split into several messages.
 * The class is the type, the validation (on receipt: parseAllocationUpdate) and the wire form.
 */
export class AllocationUpdateDto {
  static readonly maxBytes = GLOBAL_BOUNDS.messageMaxBytes;

  static fromPlain(plain: Record<string, unknown>): AllocationUpdateDto {
    return instanceWithoutKeyTuples(AllocationUpdateDto, plain);
  }

  static crossFieldErrors(update: AllocationUpdateDto): FieldError[] {
    return windowErrors(update, 2);
  }

  @Required()
  @IsIn([GLOBAL_SCHEMA_VERSION], { message: `must be ${GLOBAL_SCHEMA_VERSION}` })
  readonly schema!: 1;

  /** Monotonic across reconciler restarts and leader changes. */
  @Required()
  @IsIntegerIn(GLOBAL_BOUNDS.epoch)
  readonly epoch!: number;

  @Required()
  @SatisfiesRule({ pattern: GLOBAL_REGION_PATTERN, hint: 'a region name of 1 to 32 characters from [a-z0-9-]' })
  readonly region!: string;

  @Required()
  @IsIntegerIn(GLOBAL_BOUNDS.timeMs)
  readonly issuedAtMs!: number;

  /** Region lease: how long the reconciler considers the allocation current without hearing from the region. */
  @Required()
  @IsIntegerIn(GLOBAL_BOUNDS.leaseSeconds)
  readonly leaseSeconds!: number;

  @Required()
  @IsArray({ message: 'must be an array' })
  @ValidateNested({ each: true })
  @Type(() => AllocationWindowDto)
  readonly windows!: readonly AllocationWindowDto[];
}

export type AllocationUpdate = AllocationUpdateDto;
export type AllocationWindow = AllocationWindowDto;
export type { AllocationKey };

/** One allocation update as received (bytes or text): the update, or every problem with its field path. */
export function parseAllocationUpdate(input: Uint8Array | string): ValidationResult<AllocationUpdate> {
  return parseMessage(AllocationUpdateDto, input);
}
