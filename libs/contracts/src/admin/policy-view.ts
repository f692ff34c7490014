import { IsInt, Matches, Min } from 'class-validator';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';
import { PolicyFieldsDto } from './policy-fields.dto';

/** A stored policy as the API returns it (the contract's Policy): every default filled in. */
export class PolicyView extends PolicyFieldsDto {
  @Matches(POLICY_RULES.id.pattern, { message: ADMIN_MESSAGES.policyId })
  id!: string;

  /** Assigned by the server: 1 on create, +1 on every change. */
  @IsInt()
  @Min(1)
  version!: number;
}
