import { IsOptional, Matches } from 'class-validator';
import { CHECK_BOUNDS } from '../check/check-bounds';
import { POLICY_RULES } from '../policies/validate-policy';
import { ADMIN_MESSAGES } from './admin-bounds';
import { IsCustomerId, IsPrintable } from './admin-validators';

/** Which requests a policy applies to (PolicyMatch); every given field must match. */
export class PolicyMatchDto {
  /** Tier name; excludes `customerId`. */
  @IsOptional()
  @Matches(POLICY_RULES.customerTier.pattern, { message: ADMIN_MESSAGES.customerTier })
  customerTier?: string;

  /** One customer; excludes `customerTier`. */
  @IsOptional()
  @IsCustomerId()
  customerId?: string;

  /** Route glob: `*` matches within one path segment, `**` across segments. */
  @IsOptional()
  @IsPrintable(CHECK_BOUNDS.routeMaxLength, { message: ADMIN_MESSAGES.route })
  route?: string;

  /** HTTP method; stored upper-case. */
  @IsOptional()
  @Matches(POLICY_RULES.method.pattern, { message: ADMIN_MESSAGES.method })
  method?: string;
}
