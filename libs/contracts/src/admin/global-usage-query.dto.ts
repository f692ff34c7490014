import { IsOptional, Matches } from 'class-validator';
import { GLOBAL_BOUNDS } from '../global/global-bounds';
import { Required } from '../validation/field-decorators';

/**
 * `GET /v1/global-usage?policyId=&key=&limitName=`: the reconciler's view of a global policy in the
 * current window. With `key` (a counter identity, limiter-core `safeIdentity`): that key per region;
 * without: the policy's top keys by demand. With `limitName`: that global limit of a stacked policy.
 */
export class GlobalUsageQueryDto {
  @Required()
  @Matches(GLOBAL_BOUNDS.policyId.pattern, { message: `must be ${GLOBAL_BOUNDS.policyId.hint}` })
  policyId!: string;

  @IsOptional()
  @Matches(GLOBAL_BOUNDS.identity.pattern, {
    message: 'must be a counter identity: 1 to 64 characters from [A-Za-z0-9:_.@/-], or # and 22 base64url characters for a hashed key',
  })
  key?: string;

  @IsOptional()
  @Matches(GLOBAL_BOUNDS.limitName.pattern, { message: `must be ${GLOBAL_BOUNDS.limitName.hint}` })
  limitName?: string;
}
