import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';
import { PolicyFieldsDto } from './policy-fields.dto';

/** `PUT /v1/policies/{id}`: the whole policy; `If-Match` carries the version it replaces. */
export class ReplacePolicyDto extends PolicyFieldsDto {
  /** Optional; when given it must equal the id in the path. */
  @IsOptional()
  @Matches(POLICY_RULES.id.pattern, { message: ADMIN_MESSAGES.policyId })
  id?: string;

  /** Ignored: the server assigns versions (the precondition is the `If-Match` header). */
  @IsOptional()
  @IsInt({ message: ADMIN_MESSAGES.version })
  @Min(1, { message: ADMIN_MESSAGES.version })
  @Max(Number.MAX_SAFE_INTEGER, { message: ADMIN_MESSAGES.version })
  version?: number;
}
