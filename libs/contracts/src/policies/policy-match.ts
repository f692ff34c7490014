import type { EnvoyDescriptorMatch } from './envoy-rule';

/**
 * Which requests a policy applies to. All given fields must match. `customerId` and `customerTier`
 * exclude each other; `route` is a glob where `*` matches within one path segment and `**` across
 * segments; `method` is an upper-case HTTP method. `envoy` (a rule imported from an
 * envoyproxy/ratelimit file) excludes every other field.
 */
export interface PolicyMatch {
  readonly customerTier?: string;
  readonly customerId?: string;
  readonly route?: string;
  readonly method?: string;
  readonly envoy?: EnvoyDescriptorMatch;
}
