import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import type { PolicyRef } from '../check/policy-ref';
import type { CounterLimitStateView, CounterStateView, LeaseStateView } from './counter-state-view';

export class CounterPolicyRefDto implements PolicyRef {
  @IsString()
  id!: string;

  @Min(0)
  @IsInt()
  version!: number;
}

/** What a counter holds, of the whole counter or of one stacked limit. */
class CounterNumbersDto {
  @Min(0)
  @IsNumber()
  limit!: number;

  @Min(0)
  @IsNumber()
  used!: number;

  @IsNumber()
  remaining!: number;

  @Min(0)
  @IsNumber()
  resetSeconds!: number;
}

export class CounterLimitStateDto extends CounterNumbersDto implements CounterLimitStateView {
  @IsString()
  name!: string;
}

export class LeaseStateDto implements LeaseStateView {
  @Min(0)
  @IsInt()
  inFlight!: number;

  @Min(0)
  @IsNumber()
  nextExpirySeconds!: number;
}

/**
 * A region's answer to `GET /internal/v1/counters` (CounterStateView) as the policy service
 * receives it: validated before it is shown, so a wrong body reads as that region being
 * unreachable, never as a counter of zero.
 */
export class CounterStateDto extends CounterNumbersDto implements CounterStateView {
  @IsString()
  region!: string;

  @IsString()
  instance!: string;

  @ValidateNested()
  @Type(() => CounterPolicyRefDto)
  policy!: CounterPolicyRefDto;

  @IsString()
  key!: string;

  @IsString()
  algorithm!: string;

  @IsIn(['regional', 'global'])
  scope!: 'regional' | 'global';

  @Min(0)
  @IsNumber()
  leasedUnits!: number;

  @IsBoolean()
  denyCached!: boolean;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CounterLimitStateDto)
  limits?: CounterLimitStateDto[];

  @IsOptional()
  @ValidateNested()
  @Type(() => LeaseStateDto)
  leases?: LeaseStateDto;
}
