import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, Matches, ValidateNested } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { PolicyVersionView } from './policy-version-view';

/** `GET /v1/policies/{id}/versions`: oldest first. Stays readable after the policy is deleted. */
export class PolicyVersionListView {
  @Matches(POLICY_RULES.id.pattern)
  id!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PolicyVersionView)
  items!: PolicyVersionView[];
}
