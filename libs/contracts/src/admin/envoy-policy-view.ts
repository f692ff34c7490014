import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ENVOY_RATE_LIMIT_KINDS, ENVOY_RULE_BOUNDS, type EnvoyRateLimitKind } from '../policies/envoy-rule';
import { ENVOY_UNITS, type EnvoyUnit } from '../policies/envoy-unit';
import { FAILURE_MODES, type FailureMode } from '../policies/failure-mode';
import { POLICY_ALGORITHMS, type PolicyAlgorithm } from '../policies/policy-algorithm';
import { POLICY_MODES, type PolicyMode } from '../policies/policy-mode';
import { POLICY_SCOPES, type PolicyScope } from '../policies/policy-scope';
import { POLICY_RULES } from '../policies/validate-policy';

/** One level of an imported descriptor path (EnvoyDescriptorEntry). */
export class EnvoyDescriptorEntryView {
  @IsString()
  key!: string;

  /** Absent: any value of `key`. */
  @IsOptional()
  @IsString()
  value?: string;
}

/** `match.envoy`: the domain and the descriptor path of an imported rule. */
export class EnvoyDescriptorMatchView {
  @IsString()
  domain!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => EnvoyDescriptorEntryView)
  descriptors!: EnvoyDescriptorEntryView[];
}

export class EnvoyPolicyMatchView {
  @IsDefined()
  @ValidateNested()
  @Type(() => EnvoyDescriptorMatchView)
  envoy!: EnvoyDescriptorMatchView;
}

/** A policy's `envoy` block (EnvoyRule). */
export class EnvoyRuleView {
  @IsInt()
  @Min(0)
  position!: number;

  @IsIn(ENVOY_RATE_LIMIT_KINDS)
  rateLimit!: EnvoyRateLimitKind;

  @IsOptional()
  @IsIn(ENVOY_UNITS)
  unit?: EnvoyUnit;

  @IsOptional()
  @IsString()
  name?: string;

  @IsArray()
  @IsString({ each: true })
  replaces!: string[];

  @IsBoolean()
  shareThreshold!: boolean;

  @IsBoolean()
  quotaMode!: boolean;

  @IsBoolean()
  detailedMetric!: boolean;

  @IsBoolean()
  valueToMetric!: boolean;
}

/**
 * A policy imported from an envoyproxy/ratelimit file (the contract's Policy with `match.envoy` and
 * `envoy`): `limit` is requests_per_unit (0 denies everything) and `windowSeconds` the unit's
 * length up to a year; both 0 for an unlimited descriptor or one without a rate limit.
 */
export class EnvoyPolicyView {
  @Matches(POLICY_RULES.id.pattern)
  id!: string;

  @ValidateNested()
  @Type(() => EnvoyPolicyMatchView)
  match!: EnvoyPolicyMatchView;

  @IsIn(POLICY_ALGORITHMS)
  algorithm!: PolicyAlgorithm;

  @IsInt()
  @Min(0)
  @Max(ENVOY_RULE_BOUNDS.requestsPerUnitMax)
  limit!: number;

  @IsNumber()
  @Min(0)
  @Max(31_536_000)
  windowSeconds!: number;

  @IsInt()
  @Min(0)
  @Max(ENVOY_RULE_BOUNDS.requestsPerUnitMax)
  burst!: number;

  @IsIn(POLICY_SCOPES)
  scope!: PolicyScope;

  @IsIn(FAILURE_MODES)
  failureMode!: FailureMode;

  @IsIn(POLICY_MODES)
  mode!: PolicyMode;

  @IsInt()
  @Min(1)
  version!: number;

  @ValidateNested()
  @Type(() => EnvoyRuleView)
  envoy!: EnvoyRuleView;
}
