import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, ValidateNested } from 'class-validator';
import { FAILURE_MODES, type FailureMode } from '../policies/failure-mode';
import { POLICY_ALGORITHMS, type PolicyAlgorithm } from '../policies/policy-algorithm';
import { POLICY_MODES, type PolicyMode } from '../policies/policy-mode';
import { POLICY_SCOPES, type PolicyScope } from '../policies/policy-scope';
import { ADMIN_MESSAGES } from './admin-bounds';
import { IsBurstValue, IsCustomerId, IsLimitValue, IsWindow } from './admin-validators';
import { EscalationSettingsDto } from './escalation-settings.dto';
import { Required } from '../validation/field-decorators';

/**
 * `PUT /admin/limits`: sets one customer's override, which wins over every other policy.
 * `customer_id`, `limit` and `window` are the contract; the other fields are optional extensions
 * with the policy defaults (token bucket, burst = limit, regional, open, enforce).
 */
export class SetLimitDto {
  @Required()
  @IsCustomerId()
  customer_id!: string;

  @Required()
  @IsLimitValue()
  limit!: number;

  /** Seconds (a JSON number), or a duration string such as "30s", "1m", "1h", "1d". */
  @Required()
  @IsWindow()
  window!: number | string;

  @IsOptional()
  @IsIn(POLICY_ALGORITHMS, { message: ADMIN_MESSAGES.oneOf(POLICY_ALGORITHMS) })
  algorithm?: PolicyAlgorithm;

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

  /** When the override's denials block a key automatically (EscalationSettings). */
  @IsOptional()
  @ValidateNested()
  @Type(() => EscalationSettingsDto)
  escalation?: EscalationSettingsDto;
}
