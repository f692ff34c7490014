import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsString, IsUUID, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { CHECK_BOUNDS, PRINTABLE_PATTERN } from '../check/check-bounds';
import { ENVOY_RULE_BOUNDS } from '../policies/envoy-rule';
import { ENVOY_RULE_TEXT } from '../policies/read-envoy-rule';
import { POLICY_RULES } from '../policies/validate-policy';
import { BlockDto } from './block.dto';
import { CustomerAssignmentDto } from './customer-assignment.dto';
import { POLICY_CHANGE_KINDS, type PolicyChangeKind } from './policy-change';
import { SatisfiesRule } from './rule-decorators';
import { Required } from '../validation/field-decorators';

const WITH_POLICY: readonly string[] = ['policy.upserted', 'override.upserted'];
const WITH_CUSTOMER: readonly string[] = ['override.upserted', 'override.deleted', 'customer.upserted', 'customer.deleted'];

/**
 * `change` of a policy-change message. Which fields are required depends on `kind`; fields another
 * kind carries are not checked. `policy` is checked here only for being an object: the policy
 * model's own validator (validatePolicy) reads it afterwards, so messages and policy files share
 * one set of policy rules.
 */
export class PolicyChangeDto {
  @Required()
  @IsIn(POLICY_CHANGE_KINDS, { message: `must be one of ${POLICY_CHANGE_KINDS.join(', ')}` })
  kind!: PolicyChangeKind;

  @ValidateIf((change: PolicyChangeDto) => WITH_POLICY.includes(change.kind))
  @Required()
  @IsObject({ message: 'must be an object' })
  policy?: Record<string, unknown>;

  @ValidateIf((change: PolicyChangeDto) => change.kind === 'policy.deleted' || change.kind === 'counter.reset')
  @Required()
  @SatisfiesRule(POLICY_RULES.id)
  policyId?: string;

  @ValidateIf((change: PolicyChangeDto) => change.kind === 'counter.reset')
  @Required()
  @IsString({ message: 'must be a string' })
  @Length(1, CHECK_BOUNDS.keyMaxLength, { message: `must be 1 to ${CHECK_BOUNDS.keyMaxLength} characters` })
  @Matches(new RegExp(PRINTABLE_PATTERN, 'u'), { message: 'must be printable characters' })
  key?: string;

  @ValidateIf((change: PolicyChangeDto) => WITH_CUSTOMER.includes(change.kind))
  @Required()
  @SatisfiesRule(POLICY_RULES.customerId)
  customerId?: string;

  @ValidateIf((change: PolicyChangeDto) => change.kind === 'customer.upserted')
  @Required()
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => CustomerAssignmentDto)
  assignment?: CustomerAssignmentDto;

  @ValidateIf((change: PolicyChangeDto) => change.kind === 'block.added')
  @Required()
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => BlockDto)
  block?: BlockDto;

  @ValidateIf((change: PolicyChangeDto) => change.kind === 'block.removed')
  @Required()
  @IsUUID('all', { message: 'must be a UUID' })
  blockId?: string;

  @ValidateIf((change: PolicyChangeDto) => change.kind === 'envoy.domain.replaced')
  @Required()
  @SatisfiesRule(ENVOY_RULE_TEXT.domain)
  domain?: string;

  /** Checked here only for being an array of at most descriptorsMax; each entry is read by validatePolicy. */
  @ValidateIf((change: PolicyChangeDto) => change.kind === 'envoy.domain.replaced')
  @Required()
  @IsArray({ message: 'must be an array' })
  @ArrayMaxSize(ENVOY_RULE_BOUNDS.descriptorsMax, { message: `must hold at most ${ENVOY_RULE_BOUNDS.descriptorsMax} policies` })
  policies?: unknown[];
}
