import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsOptional, ValidateIf, ValidateNested } from 'class-validator';
import { FAILURE_MODES, type FailureMode } from '../policies/failure-mode';
import { CONCURRENCY_ALGORITHM, STORED_POLICY_ALGORITHMS, type ConcurrencyAlgorithm, type PolicyAlgorithm } from '../policies/policy-algorithm';
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
  @IsIn(STORED_POLICY_ALGORITHMS, { message: ADMIN_MESSAGES.oneOf(STORED_POLICY_ALGORITHMS) })
  algorithm!: PolicyAlgorithm | ConcurrencyAlgorithm;

  @ValidateIf((fields: PolicyFieldsDto) => unlessStacked(fields, fields.limit))
  @Required()
  @IsLimitValue()
  limit!: number;

  /** Required, except for a stacked policy and a concurrency policy (it defaults to `leaseSeconds`). */
  @ValidateIf((fields: PolicyFieldsDto) => fields.algorithm !== CONCURRENCY_ALGORITHM ? unlessStacked(fields, fields.windowSeconds) : fields.windowSeconds !== undefined)
  @Required()
  @IsWindowSecondsValue()
  windowSeconds!: number;

  /** Concurrency policies only, and required there: seconds after which an unreleased lease expires. */
  @ValidateIf((fields: PolicyFieldsDto) => fields.algorithm === CONCURRENCY_ALGORITHM || fields.leaseSeconds !== undefined)
  @IsDefined({ message: 'is required for a concurrency policy' })
  @IsWindowSecondsValue()
  leaseSeconds?: number;

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
