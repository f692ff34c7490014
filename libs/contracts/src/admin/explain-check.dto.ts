import { IsInt, IsIP, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { CHECK_BOUNDS, PRINTABLE_PATTERN } from '../check/check-bounds';

const PRINTABLE = new RegExp(PRINTABLE_PATTERN, 'u');
const REGION = /^[a-z0-9-]{1,32}$/;

/**
 * `POST /v1/counters/explain`: the check a caller would send (CONTRACT.md `POST /v1/check`, without
 * an inline limit), which the policy service forwards to one region's enforcer as a dry run.
 * `region` picks the enforcer (default: the first of ENFORCER_URLS).
 */
export class ExplainCheckDto {
  @IsString()
  @Length(1, CHECK_BOUNDS.keyMaxLength, { message: `must be 1 to ${CHECK_BOUNDS.keyMaxLength} characters` })
  @Matches(PRINTABLE, { message: 'must be printable characters' })
  key!: string;

  @IsOptional()
  @IsString()
  @Length(1, CHECK_BOUNDS.customerIdMaxLength, { message: `must be 1 to ${CHECK_BOUNDS.customerIdMaxLength} characters` })
  @Matches(PRINTABLE, { message: 'must be printable characters' })
  customerId?: string;

  @IsOptional()
  @IsString()
  @Length(1, CHECK_BOUNDS.routeMaxLength, { message: `must be 1 to ${CHECK_BOUNDS.routeMaxLength} characters` })
  @Matches(PRINTABLE, { message: 'must be printable characters' })
  route?: string;

  @IsOptional()
  @IsString()
  @Length(1, CHECK_BOUNDS.methodMaxLength, { message: `must be 1 to ${CHECK_BOUNDS.methodMaxLength} characters` })
  @Matches(/^[A-Za-z]+$/, { message: 'must be letters only' })
  method?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CHECK_BOUNDS.costMax)
  cost?: number;

  @IsOptional()
  @IsIP()
  ip?: string;

  @IsOptional()
  @Matches(REGION, { message: 'must be 1 to 32 characters from [a-z0-9-]' })
  region?: string;
}

