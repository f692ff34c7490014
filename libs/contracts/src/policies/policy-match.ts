/**
 * Which requests a policy applies to. All given fields must match. `customerId` and `customerTier`
 * exclude each other; `route` is a glob where `*` matches within one path segment and `**` across
 * segments; `method` is an upper-case HTTP method.
 */
export interface PolicyMatch {
  readonly customerTier?: string;
  readonly customerId?: string;
  readonly route?: string;
  readonly method?: string;
}
