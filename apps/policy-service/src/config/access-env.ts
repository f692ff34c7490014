import { envInt, envString, optional, type EnvValues } from '@rl/platform';

const TOKEN = /^[\x21-\x7e]{1,256}$/;
const TOKEN_HINT = '1 to 256 visible ASCII characters';

/**
 * Least privilege (part of POLICY_SERVICE_ENV): the enforcers' own API key, how wide a block may be
 * without a confirmation, and the token the console's global-usage view sends to the reconciler.
 */
export const ACCESS_ENV = {
  ENFORCER_API_KEY: optional(
    envString({
      pattern: TOKEN,
      patternHint: TOKEN_HINT,
      sensitive: true,
      description:
        "The enforcers' API key (their POLICY_SERVICE_TOKEN), stored on boot as a key of the `enforcer` role: reads the snapshot, creates automatic blocks, nothing else",
    }),
  ),
  BLOCKS_MIN_IPV4_PREFIX: envInt({
    min: 0,
    max: 32,
    default: 8,
    description: 'A CIDR block of IPv4 addresses with a shorter prefix (0.0.0.0/0 included) needs `"confirm": true`, else 422',
  }),
  BLOCKS_MIN_IPV6_PREFIX: envInt({
    min: 0,
    max: 128,
    default: 32,
    description: 'A CIDR block of IPv6 addresses with a shorter prefix (::/0 included) needs `"confirm": true`, else 422',
  }),
  RECONCILER_API_TOKEN: optional(
    envString({
      pattern: /^[\x21-\x7e]{16,256}$/,
      patternHint: '16 to 256 visible ASCII characters',
      sensitive: true,
      description: "Bearer token GET /v1/global-usage sends to the reconciler: the reconciler's own RECONCILER_API_TOKEN",
    }),
  ),
};

/** Who may do what beyond the roles themselves. */
export interface AccessSettings {
  /** ENFORCER_API_KEY: stored at boot as a key of the `enforcer` role. */
  readonly enforcerApiKey: string | undefined;
  /** CIDR blocks with a shorter prefix need `"confirm": true`. */
  readonly blockMinPrefix: { readonly ipv4: number; readonly ipv6: number };
}

export function accessSettings(env: EnvValues<typeof ACCESS_ENV>): AccessSettings {
  return { enforcerApiKey: env.ENFORCER_API_KEY, blockMinPrefix: { ipv4: env.BLOCKS_MIN_IPV4_PREFIX, ipv6: env.BLOCKS_MIN_IPV6_PREFIX } };
}

/** Problems across variables: the enforcers' key must not be the admin token. */
export function accessProblems(env: EnvValues<typeof ACCESS_ENV> & { readonly ADMIN_TOKEN: string | undefined }): string[] {
  return env.ENFORCER_API_KEY !== undefined && env.ENFORCER_API_KEY === env.ADMIN_TOKEN ? ['ENFORCER_API_KEY must differ from ADMIN_TOKEN (enforcers never get the admin token)'] : [];
}
