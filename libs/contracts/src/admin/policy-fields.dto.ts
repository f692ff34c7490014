import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, ValidateIf, ValidateNested } from 'class-validator';
import { FAILURE_MODES, type FailureMode } from '../policies/failure-mode';
import { POLICY_ALGORITHMS, type PolicyAlgorithm } from '../policies/policy-algorithm';
import { POLICY_MODES, type PolicyMode } from '../policies/policy-mode';
import { POLICY_SCOPES, type PolicyScope } from '../policies/policy-scope';
import { POLICY_LIMIT_BOUNDS } from '../policies/policy-limit';
import { ADMIN_MESSAGES } from './admin-bounds';
import { IsBurstValue, IsLimitValue, IsPolicyMatch, IsWindowSecondsValue } from './admin-validators';
import { EscalationSettingsDto } from './escalation-settings.dto';
import { PolicyLimitDto } from './policy-limit.dto';
import { PolicyMatchDto } from './policy-match.dto';
import { Required } from '../validation/field-decorators';

/**
 * The fields of a policy a client writes. `burst` defaults to `limit`, `scope` to regional,
 * `failureMode` to open and `mode` to enforce; `escalation` is optional. With `limits` (stacked
 * limits), `limit` and `windowSeconds` may be left out: the server fills them from the limit with
 * the shortest window.
 */

/** `limit` and `windowSeconds` are required unless the policy has stacked `limits`. */
const unlessStacked = (fields: PolicyFieldsDto, value: unknown): boolean => fields.limits === undefined || value !== undefined;
export class PolicyFieldsDto {
  @Required()
  @IsPolicyMatch()
  @ValidateNested()
  @Type(() => PolicyMatchDto)
  match!: PolicyMatchDto;

  @Required()
  @IsIn(POLICY_ALGORITHMS, { message: ADMIN_MESSAGES.oneOf(POLICY_ALGORITHMS) })
  algorithm!: PolicyAlgorithm;

  @ValidateIf((fields: PolicyFieldsDto) => unlessStacked(fields, fields.limit))
  @Required()
  @IsLimitValue()
  limit!: number;

  @ValidateIf((fields: PolicyFieldsDto) => unlessStacked(fields, fields.windowSeconds))
  @Required()
  @IsWindowSecondsValue()
  windowSeconds!: number;

  /** Bucket capacity (token bucket, GCRA, leaky bucket); defaults to `limit`. */
  @IsOptional()
  @IsBurstValue()
  burst?: number;

  @IsOptional()
  @IsIn(POLICY_SCOPES, { message: ADMIN_MESSAGES.oneOf(POLICY_SCOPES) })
  scope?: PolicyScope;

  @IsOptional()
  @IsIn(FAILURE_MODES, { message: ADMIN_MESSAGES.oneOf(FAILURE_MODES) })
  failureMode?: FailureMode;

  @IsOptional()
  @IsIn(POLICY_MODES, { message: ADMIN_MESSAGES.oneOf(POLICY_MODES) })
  mode?: PolicyMode;

  /** When this policy's denials block a key automatically; absent: the enforcers' defaults. */
  @IsOptional()
  @ValidateNested()
  @Type(() => EscalationSettingsDto)
  escalation?: EscalationSettingsDto;

  /** Stacked limits: every one must admit a request, which takes its cost from all or none (regional policies). */
  @IsOptional()
  @IsArray({ message: `must be an array of 1 to ${POLICY_LIMIT_BOUNDS.maxLimits} limits` })
  @ArrayMinSize(1, { message: `must be an array of 1 to ${POLICY_LIMIT_BOUNDS.maxLimits} limits` })
  @ArrayMaxSize(POLICY_LIMIT_BOUNDS.maxLimits, { message: `must be an array of 1 to ${POLICY_LIMIT_BOUNDS.maxLimits} limits` })
  @ValidateNested({ each: true })
  @Type(() => PolicyLimitDto)
  limits?: readonly PolicyLimitDto[];
}
