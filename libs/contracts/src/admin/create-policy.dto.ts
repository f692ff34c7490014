import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';
import { PolicyFieldsDto } from './policy-fields.dto';
import { Required } from '../validation/field-decorators';

/** `POST /v1/policies`. */
export class CreatePolicyDto extends PolicyFieldsDto {
  @Required()
  @Matches(POLICY_RULES.id.pattern, { message: ADMIN_MESSAGES.policyId })
  id!: string;

  /** Ignored: the server assigns versions. Accepted so that a fetched policy can be posted back. */
  @IsOptional()
  @IsInt({ message: ADMIN_MESSAGES.version })
  @Min(1, { message: ADMIN_MESSAGES.version })
  @Max(Number.MAX_SAFE_INTEGER, { message: ADMIN_MESSAGES.version })
  version?: number;
}
