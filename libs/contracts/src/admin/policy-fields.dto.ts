import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNumber, IsOptional, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { FAILURE_MODES, type FailureMode } from '../policies/failure-mode';
import { CONCURRENCY_ALGORITHM, STORED_POLICY_ALGORITHMS, type ConcurrencyAlgorithm, type PolicyAlgorithm } from '../policies/policy-algorithm';
import { POLICY_MODES, type PolicyMode } from '../policies/policy-mode';
import { POLICY_SCOPES, type PolicyScope } from '../policies/policy-scope';
import { ADMIN_BOUNDS, ADMIN_MESSAGES } from './admin-bounds';
import { IsPolicyMatch } from './admin-validators';
import { EscalationSettingsDto } from './escalation-settings.dto';
import { PolicyMatchDto } from './policy-match.dto';
import { Required } from '../validation/field-decorators';

/**
 * The fields of a policy a client writes. `burst` defaults to `limit`, `scope` to regional,
 * `failureMode` to open and `mode` to enforce; `escalation` is optional.
 */
export class PolicyFieldsDto {
  @Required()
  @IsPolicyMatch()
  @ValidateNested()
  @Type(() => PolicyMatchDto)
  match!: PolicyMatchDto;

  @Required()
  @IsIn(STORED_POLICY_ALGORITHMS, { message: ADMIN_MESSAGES.oneOf(STORED_POLICY_ALGORITHMS) })
  algorithm!: PolicyAlgorithm | ConcurrencyAlgorithm;

  @Required()
  @IsInt({ message: ADMIN_MESSAGES.limit })
  @Min(ADMIN_BOUNDS.limitMin, { message: ADMIN_MESSAGES.limit })
  @Max(ADMIN_BOUNDS.limitMax, { message: ADMIN_MESSAGES.limit })
  limit!: number;

  /** Required, except for a concurrency policy (it defaults to `leaseSeconds`). */
  @ValidateIf((fields: PolicyFieldsDto) => fields.algorithm !== CONCURRENCY_ALGORITHM || fields.windowSeconds !== undefined)
  @Required()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: ADMIN_MESSAGES.windowSeconds })
  @Min(ADMIN_BOUNDS.windowSecondsMin, { message: ADMIN_MESSAGES.windowSeconds })
  @Max(ADMIN_BOUNDS.windowSecondsMax, { message: ADMIN_MESSAGES.windowSeconds })
  windowSeconds!: number;

  /** Concurrency policies only, and required there: seconds after which an unreleased lease expires. */
  @ValidateIf((fields: PolicyFieldsDto) => fields.algorithm === CONCURRENCY_ALGORITHM || fields.leaseSeconds !== undefined)
  @IsDefined({ message: 'is required for a concurrency policy' })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: ADMIN_MESSAGES.windowSeconds })
  @Min(ADMIN_BOUNDS.windowSecondsMin, { message: ADMIN_MESSAGES.windowSeconds })
  @Max(ADMIN_BOUNDS.windowSecondsMax, { message: ADMIN_MESSAGES.windowSeconds })
  leaseSeconds?: number;

  /** Bucket capacity (token bucket, GCRA, leaky bucket); defaults to `limit`. */
  @IsOptional()
  @IsInt({ message: ADMIN_MESSAGES.burst })
  @Min(ADMIN_BOUNDS.burstMin, { message: ADMIN_MESSAGES.burst })
  @Max(ADMIN_BOUNDS.burstMax, { message: ADMIN_MESSAGES.burst })
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
}
