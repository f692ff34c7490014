import { envString, optional } from '@rl/platform';

/** Envoy's rate-limit configuration files, for an enforcer without a policy service (src/envoy, src/policies/envoy). */
export const ENVOY_RULES_ENV = {
  ENVOY_RATELIMIT_CONFIG_DIR: optional(
    envString({
      description: "Directory of envoyproxy/ratelimit config files (*.yaml, *.yml; one domain each), reloaded on change: they decide their domains' gRPC requests. Not with POLICY_SERVICE_URL",
    }),
  ),
};
