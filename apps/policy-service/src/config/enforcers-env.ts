import { GLOBAL_REGION_PATTERN } from '@rl/contracts';
import { envInt, envString, optional, type EnvVar, type EnvValues } from '@rl/platform';

/** One region's enforcer as the policy service reaches it: `GET /internal/v1/counters`, `POST /v1/check`. */
export interface RegionEnforcer {
  readonly region: string;
  /** Base URL without a trailing slash. */
  readonly url: string;
}

/**
 * `region=url` pairs, comma-separated: each region once, each URL http(s) without credentials,
 * query or fragment. Read at boot, so a malformed list stops the service naming the entry.
 */
function envRegionUrls(description: string): EnvVar<readonly RegionEnforcer[]> {
  const expected = 'a comma-separated list of region=http(s)://host:port';
  return {
    description,
    required: false,
    defaultText: undefined,
    read(raw) {
      if (raw === undefined) return { ok: true, value: [] };
      const enforcers: RegionEnforcer[] = [];
      for (const [index, entry] of raw.split(',').entries()) {
        const separator = entry.indexOf('=');
        const region = separator === -1 ? '' : entry.slice(0, separator).trim();
        const where = `entry ${index + 1}`;
        if (!GLOBAL_REGION_PATTERN.test(region)) return { ok: false, problem: `must be ${expected}: ${where} does not start with a region name from [a-z0-9-]{1,32} and "="` };
        if (enforcers.some((known) => known.region === region)) return { ok: false, problem: `must name each region once: ${where} repeats ${region}` };
        const url = parseBaseUrl(entry.slice(separator + 1).trim());
        if (url === undefined) return { ok: false, problem: `must be ${expected}: ${where} (${region}) has no http(s) URL without credentials, query or fragment` };
        enforcers.push({ region, url });
      }
      return { ok: true, value: enforcers };
    },
  };
}

function parseBaseUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  return url.href.replace(/\/+$/, '');
}

/** The regions' enforcers (part of POLICY_SERVICE_ENV): `GET|DELETE /v1/counters` and `POST /v1/counters/explain`. */
export const ENFORCERS_ENV = {
  ENFORCER_URLS: envRegionUrls(
    'Each region\'s enforcer as `region=http://host:port`, comma-separated: GET /v1/counters asks each for its counter (internal route), POST /v1/counters/explain dry-runs a check on one; unset: those routes answer 503',
  ),
  ENFORCER_INTERNAL_TOKEN: optional(
    envString({
      sensitive: true,
      pattern: /^[\x21-\x7e]{16,1024}$/,
      patternHint: '16 to 1024 printable ASCII characters without spaces',
      description: "Bearer token sent to the enforcers' internal routes: their INTERNAL_API_TOKEN; required with ENFORCER_URLS",
    }),
  ),
  ENFORCER_TIMEOUT_MS: envInt({
    min: 50,
    max: 30_000,
    default: 1000,
    description: 'How long GET /v1/counters waits for each region (all asked in parallel) before showing it as unreachable',
  }),
};

export interface EnforcerSettings {
  /** Empty when ENFORCER_URLS is unset. */
  readonly regions: readonly RegionEnforcer[];
  readonly internalToken: string | undefined;
  readonly timeoutMs: number;
}

export function enforcerSettings(env: EnvValues<typeof ENFORCERS_ENV>): EnforcerSettings {
  return { regions: env.ENFORCER_URLS, internalToken: env.ENFORCER_INTERNAL_TOKEN, timeoutMs: env.ENFORCER_TIMEOUT_MS };
}

/** Problems across variables: the enforcers' internal routes need their token. */
export function enforcerProblems(env: EnvValues<typeof ENFORCERS_ENV>): string[] {
  return env.ENFORCER_URLS.length > 0 && env.ENFORCER_INTERNAL_TOKEN === undefined ? ['ENFORCER_INTERNAL_TOKEN is required with ENFORCER_URLS (the enforcers\' INTERNAL_API_TOKEN)'] : [];
}
