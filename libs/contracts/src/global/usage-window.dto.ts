import 'reflect-metadata';
import { IsDefined, IsNumber, Max, Min } from 'class-validator';
import { IsIntegerIn, SatisfiesRule } from '../control-plane/rule-decorators';
import { GLOBAL_BOUNDS } from './global-bounds';
import type { UsageKey } from './usage-report';
import { IsUsageKeys } from './tuple-validators';

const windowMessage = `must be a number from ${GLOBAL_BOUNDS.windowSeconds.min} to ${GLOBAL_BOUNDS.windowSeconds.max}`;

/** One policy window of a UsageReport. */
export class UsageWindowDto {
  @IsDefined({ message: 'is required' })
  @SatisfiesRule(GLOBAL_BOUNDS.policyId)
  policyId!: string;

  @IsDefined({ message: 'is required' })
  @IsIntegerIn(GLOBAL_BOUNDS.timeMs)
  windowStartMs!: number;

  @IsDefined({ message: 'is required' })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: windowMessage })
  @Min(GLOBAL_BOUNDS.windowSeconds.min, { message: windowMessage })
  @Max(GLOBAL_BOUNDS.windowSeconds.max, { message: windowMessage })
  windowSeconds!: number;

  @IsDefined({ message: 'is required' })
  @IsIntegerIn(GLOBAL_BOUNDS.limit)
  limit!: number;

  @IsDefined({ message: 'is required' })
  @IsUsageKeys()
  keys!: UsageKey[];
}
