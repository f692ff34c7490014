import { IsDefined, IsOptional, Length, Matches, ValidateIf } from 'class-validator';
import { CHECK_BOUNDS, PRINTABLE_PATTERN } from '../check/check-bounds';
import { POLICY_RULES } from '../policies/validate-policy';

const PRINTABLE = new RegExp(PRINTABLE_PATTERN, 'u');

/**
 * Which counter an operator asks about (`GET|DELETE /v1/counters`, and each enforcer's internal
 * `GET /internal/v1/counters`): `key` (the counted identity) with `policyId`, or `customerId`
 * alone, which names the counter a check `{ key: <customerId>, customerId: <customerId> }` uses:
 * the customer's own key under the policy that matches the customer.
 */
export class CounterQueryDto {
  @ValidateIf((query: CounterQueryDto) => query.customerId === undefined)
  @IsDefined({ message: 'is required unless customerId is given' })
  @Length(1, CHECK_BOUNDS.keyMaxLength, { message: `must be 1 to ${CHECK_BOUNDS.keyMaxLength} characters` })
  @Matches(PRINTABLE, { message: 'must be printable characters' })
  key?: string;

  @ValidateIf((query: CounterQueryDto) => query.key !== undefined)
  @IsDefined({ message: 'is required with key' })
  @Matches(POLICY_RULES.id.pattern, { message: `must be ${POLICY_RULES.id.hint}` })
  policyId?: string;

  @IsOptional()
  @Length(1, CHECK_BOUNDS.customerIdMaxLength, { message: `must be 1 to ${CHECK_BOUNDS.customerIdMaxLength} characters` })
  @Matches(PRINTABLE, { message: 'must be printable characters' })
  customerId?: string;
}
