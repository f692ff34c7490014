/**
 * The answers envoyproxy/ratelimit gives for its README's Examples 1-6 and for `fixtures/edge.yaml`
 * (nested rules, key+value over key-only, whitelists, zero limits, unlimited, shadow mode,
 * `replaces`, wildcards with and without shared thresholds, week/month/year units, several
 * descriptors per request, `hits_addend`, request limit overrides, and our extension), as data, so
 * that every way of running the rules (ENVOY_RATELIMIT_CONFIG_DIR, an import through the policy
 * service, each region) is driven over gRPC through the same expectations.
 *
 * A step's values may hold `$`: the driver replaces it with a token of its own, so a case can be run
 * again with fresh counters when a run straddled a window boundary (see `windowSeconds`).
 */
export interface MatrixDescriptor {
  readonly entries: readonly (readonly [string, string])[];
  /** The descriptor's `limit` override. */
  readonly limit?: { readonly requests_per_unit: number; readonly unit: string };
}

export interface MatrixStep {
  readonly descriptors: readonly MatrixDescriptor[];
  readonly hitsAddend?: number;
  readonly overall: 'OK' | 'OVER_LIMIT';
  /** Each status as `describeStatus` writes it. */
  readonly statuses: readonly string[];
}

export interface MatrixCase {
  readonly name: string;
  /** The configuration file that defines the domain (libs/envoy-config/src/fixtures). */
  readonly file: string;
  readonly domain: string;
  /**
   * The steps must run within one window of this length (the shortest unit they count in); the
   * driver starts them early in a window and runs the case again with a fresh token if they
   * straddled a boundary.
   */
  readonly windowSeconds: number;
  /** `duration_until_reset` is the time to the end of the unit (fixed windows aligned to it), else our algorithm's. */
  readonly alignedResets: boolean;
  readonly steps: readonly MatrixStep[];
}

/** A status as `<code> <requests_per_unit>/<UNIT>[ <name>] r<limit_remaining>`, or `<code> - r<limit_remaining>` without a current limit. */
export function describeStatus(status: {
  readonly code: string;
  readonly current_limit: { readonly name: string; readonly requests_per_unit: number; readonly unit: string | number } | null;
  readonly limit_remaining: number;
}): string {
  const limit = status.current_limit;
  if (limit === null) return `${status.code} - r${status.limit_remaining}`;
  // WEEK is 7 in the protos that define it, and arrives as a number through ones that do not.
  const unit = limit.unit === 7 ? 'WEEK' : String(limit.unit);
  return `${status.code} ${limit.requests_per_unit}/${unit}${limit.name === '' ? '' : ` ${limit.name}`} r${status.limit_remaining}`;
}

/** Seconds of each unit as `describeStatus` names it. */
export const MATRIX_UNIT_SECONDS: Readonly<Record<string, number>> = {
  SECOND: 1,
  MINUTE: 60,
  HOUR: 3_600,
  DAY: 86_400,
  WEEK: 604_800,
  MONTH: 2_592_000,
  YEAR: 31_536_000,
};

const MAX = 4_294_967_295;
const one = (...entries: [string, string][]): MatrixDescriptor[] => [{ entries }];
const repeat = (count: number, step: (i: number) => MatrixStep): MatrixStep[] => Array.from({ length: count }, (_, i) => step(i));

export const ENVOY_SAMENESS_MATRIX: readonly MatrixCase[] = [
  {
    name: 'Example 1: each value of a key counts against its own limit; other values are not limited',
    file: 'example1.yaml',
    domain: 'mongo_cps',
    windowSeconds: 1,
    alignedResets: true,
    steps: [
      { descriptors: one(['database', 'users']), overall: 'OK', statuses: ['OK 500/SECOND r499'] },
      { descriptors: one(['database', 'users']), overall: 'OK', statuses: ['OK 500/SECOND r498'] },
      { descriptors: one(['database', 'default']), overall: 'OK', statuses: ['OK 500/SECOND r499'] },
      { descriptors: one(['database', 'orders$']), overall: 'OK', statuses: ['OK - r0'] },
    ],
  },
  {
    name: 'Example 2: a nested rule and an aggregate rule in one request; the request is over when either is',
    file: 'example2.yaml',
    domain: 'messaging',
    windowSeconds: 86_400,
    alignedResets: true,
    steps: [
      ...repeat(5, (i) => ({
        descriptors: [{ entries: [['message_type', 'marketing'], ['to_number', '206$']] }, { entries: [['to_number', '206$']] }],
        overall: 'OK',
        statuses: [`OK 5/DAY r${4 - i}`, `OK 100/DAY r${99 - i}`],
      })),
      {
        descriptors: [{ entries: [['message_type', 'marketing'], ['to_number', '206$']] }, { entries: [['to_number', '206$']] }],
        overall: 'OVER_LIMIT',
        statuses: ['OVER_LIMIT 5/DAY r0', 'OK 100/DAY r94'],
      },
      { descriptors: one(['to_number', '206$']), overall: 'OK', statuses: ['OK 100/DAY r93'] },
      { descriptors: one(['message_type', 'transactional'], ['to_number', '206$']), overall: 'OK', statuses: ['OK - r0'] },
    ],
  },
  {
    name: 'Example 3: key and value beat the key alone; a zero limit denies everything',
    file: 'example3.yaml',
    domain: 'edge_proxy_per_ip',
    windowSeconds: 1,
    alignedResets: true,
    steps: [
      { descriptors: one(['remote_address', '50.0.0.5']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 0/SECOND r0'] },
      ...repeat(10, (i) => ({ descriptors: one(['remote_address', '50.$.0.1']), overall: 'OK' as const, statuses: [`OK 10/SECOND r${9 - i}`] })),
      { descriptors: one(['remote_address', '50.$.0.1']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 10/SECOND r0'] },
      { descriptors: one(['remote_address', '50.0.0.5']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 0/SECOND r0'] },
    ],
  },
  {
    name: 'Example 4: a rule applies only to a descriptor exactly as deep as the rule',
    file: 'example4.yaml',
    domain: 'example4',
    windowSeconds: 1,
    alignedResets: true,
    steps: [
      { descriptors: one(['key', 'value'], ['subkey', 's$']), overall: 'OK', statuses: ['OK 300/SECOND r299'] },
      { descriptors: one(['key', 'value']), overall: 'OK', statuses: ['OK - r0'] },
      { descriptors: one(['key', 'value'], ['subkey', 's$'], ['deeper', 'x']), overall: 'OK', statuses: ['OK - r0'] },
      { descriptors: one(['key', 'other'], ['subkey', 's$']), overall: 'OK', statuses: ['OK - r0'] },
    ],
  },
  {
    name: 'Example 5: unlimited descriptors are OK with 2^32 - 1 remaining, never counted',
    file: 'example5.yaml',
    domain: 'internal',
    windowSeconds: 60,
    alignedResets: true,
    steps: [
      ...repeat(3, () => ({ descriptors: one(['ldap', 'u$']), overall: 'OK' as const, statuses: [`OK - r${MAX}`] })),
      { descriptors: one(['azure', 'a$']), overall: 'OK', statuses: ['OK 100/MINUTE r99'] },
      { descriptors: [{ entries: [['ldap', 'u$']] }, { entries: [['azure', 'a$']] }], overall: 'OK', statuses: [`OK - r${MAX}`, 'OK 100/MINUTE r98'] },
    ],
  },
  {
    name: 'Example 6: a shadow_mode rule counts but always answers OK',
    file: 'example6.yaml',
    domain: 'example6',
    windowSeconds: 1,
    alignedResets: true,
    steps: [
      ...repeat(10, (i) => ({ descriptors: one(['service', 'auth-$'], ['user', 'user-a']), overall: 'OK' as const, statuses: [`OK 10/SECOND r${9 - i}`] })),
      ...repeat(2, () => ({ descriptors: one(['service', 'auth-$'], ['user', 'user-a']), overall: 'OK' as const, statuses: ['OK 10/SECOND r0'] })),
    ],
  },
  {
    name: 'Example 6: its enforced sibling denies past its limit',
    file: 'example6.yaml',
    domain: 'example6',
    windowSeconds: 1,
    alignedResets: true,
    steps: [
      ...repeat(20, (i) => ({ descriptors: one(['service', 'auth-$'], ['user', 'user-b']), overall: 'OK' as const, statuses: [`OK 20/SECOND r${19 - i}`] })),
      { descriptors: one(['service', 'auth-$'], ['user', 'user-b']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 20/SECOND r0'] },
      { descriptors: one(['service', 'auth-$'], ['user', 'user-c']), overall: 'OK', statuses: ['OK - r0'] },
    ],
  },
  {
    name: 'edge: a key-only default counts each value, then denies',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 60,
    alignedResets: true,
    steps: [
      ...repeat(4, (i) => ({ descriptors: one(['remote_address', '10.$.0.7']), overall: 'OK' as const, statuses: [`OK 4/MINUTE r${3 - i}`] })),
      { descriptors: one(['remote_address', '10.$.0.7']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 4/MINUTE r0'] },
      { descriptors: one(['remote_address', '10.$.0.8']), overall: 'OK', statuses: ['OK 4/MINUTE r3'] },
    ],
  },
  {
    name: 'edge: a zero limit for one value, a whitelist (no rate_limit) for another',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 60,
    alignedResets: true,
    steps: [
      { descriptors: one(['remote_address', '10.0.0.66']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 0/MINUTE r0'] },
      ...repeat(6, () => ({ descriptors: one(['remote_address', '10.0.0.1']), overall: 'OK' as const, statuses: ['OK - r0'] })),
    ],
  },
  {
    name: 'edge: replaces drops the replaced rule from the request, and leaves its counter untouched',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 3_600,
    alignedResets: true,
    steps: [
      {
        descriptors: [{ entries: [['plan', 'gold'], ['api_key', 'k$']] }, { entries: [['plan', 'promo'], ['api_key', 'k$']] }],
        overall: 'OK',
        statuses: ['OK - r0', 'OK 5/HOUR r4'],
      },
      { descriptors: one(['plan', 'gold'], ['api_key', 'k$']), overall: 'OK', statuses: ['OK 3/HOUR gold_api_key r2'] },
      { descriptors: one(['plan', 'promo'], ['api_key', 'k$']), overall: 'OK', statuses: ['OK 5/HOUR r3'] },
      { descriptors: one(['plan', 'gold'], ['api_key', 'trusted']), overall: 'OK', statuses: [`OK - r${MAX}`] },
      { descriptors: one(['plan', 'gold']), overall: 'OK', statuses: ['OK - r0'] },
    ],
  },
  {
    name: 'edge: values under a share_threshold wildcard share one counter',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 3_600,
    alignedResets: true,
    steps: [
      { descriptors: one(['path', '/files/$a.pdf']), overall: 'OK', statuses: ['OK 3/HOUR r2'] },
      { descriptors: one(['path', '/files/$b.csv']), overall: 'OK', statuses: ['OK 3/HOUR r1'] },
      { descriptors: one(['path', '/files/$c.txt']), overall: 'OK', statuses: ['OK 3/HOUR r0'] },
      { descriptors: one(['path', '/files/$d.txt']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 3/HOUR r0'] },
    ],
  },
  {
    name: 'edge: values under a wildcard without share_threshold count alone',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 3_600,
    alignedResets: true,
    steps: [
      { descriptors: one(['path', '/images/$a.png']), overall: 'OK', statuses: ['OK 2/HOUR r1'] },
      { descriptors: one(['path', '/images/$a.png']), overall: 'OK', statuses: ['OK 2/HOUR r0'] },
      { descriptors: one(['path', '/images/$a.png']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 2/HOUR r0'] },
      { descriptors: one(['path', '/images/$b.png']), overall: 'OK', statuses: ['OK 2/HOUR r1'] },
      { descriptors: one(['path', '/other/$']), overall: 'OK', statuses: ['OK - r0'] },
    ],
  },
  {
    name: 'edge: shadow mode reports the would-be denial as OK with nothing remaining',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 86_400,
    alignedResets: true,
    steps: [
      { descriptors: one(['tenant', 't$']), overall: 'OK', statuses: ['OK 2/DAY r1'] },
      { descriptors: one(['tenant', 't$']), overall: 'OK', statuses: ['OK 2/DAY r0'] },
      { descriptors: one(['tenant', 't$']), overall: 'OK', statuses: ['OK 2/DAY r0'] },
    ],
  },
  {
    name: 'edge: week, month and year units',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 604_800,
    alignedResets: true,
    steps: [
      { descriptors: one(['report', 'weekly'], ['user', 'u$']), overall: 'OK', statuses: ['OK 2/WEEK r1'] },
      { descriptors: one(['report', 'monthly'], ['user', 'u$']), overall: 'OK', statuses: ['OK 2/MONTH r1'] },
      { descriptors: one(['report', 'yearly'], ['user', 'u$']), overall: 'OK', statuses: ['OK 2/YEAR r1'] },
      { descriptors: one(['report', 'yearly'], ['user', 'u$']), overall: 'OK', statuses: ['OK 2/YEAR r0'] },
      { descriptors: one(['report', 'yearly'], ['user', 'u$']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 2/YEAR r0'] },
    ],
  },
  {
    name: 'edge: our extension counts in a sliding window',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 60,
    alignedResets: false,
    steps: [
      ...repeat(3, (i) => ({ descriptors: one(['search', 'q$']), overall: 'OK' as const, statuses: [`OK 3/MINUTE r${2 - i}`] })),
      { descriptors: one(['search', 'q$']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 3/MINUTE r0'] },
    ],
  },
  {
    name: 'edge: every descriptor of a request is decided; one over limit makes the request over limit',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 60,
    alignedResets: true,
    steps: [
      ...repeat(4, (i) => ({ descriptors: one(['remote_address', '10.$.0.9']), overall: 'OK' as const, statuses: [`OK 4/MINUTE r${3 - i}`] })),
      {
        descriptors: [
          { entries: [['remote_address', '10.$.0.9']] },
          { entries: [['path', '/images/$z.png']] },
          { entries: [['plan', 'gold'], ['api_key', 'trusted']] },
          { entries: [['nothing', 'x']] },
        ],
        overall: 'OVER_LIMIT',
        statuses: ['OVER_LIMIT 4/MINUTE r0', 'OK 2/HOUR r1', `OK - r${MAX}`, 'OK - r0'],
      },
    ],
  },
  {
    name: 'edge: hits_addend is the cost of every descriptor, 1 when unset',
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 60,
    alignedResets: true,
    steps: [
      { descriptors: one(['remote_address', '10.$.0.11']), hitsAddend: 3, overall: 'OK', statuses: ['OK 4/MINUTE r1'] },
      { descriptors: one(['remote_address', '10.$.0.11']), overall: 'OK', statuses: ['OK 4/MINUTE r0'] },
      { descriptors: one(['remote_address', '10.$.0.11']), overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 4/MINUTE r0'] },
    ],
  },
  {
    name: "edge: a descriptor's limit override applies instead of the configured rules",
    file: 'edge.yaml',
    domain: 'edge',
    windowSeconds: 60,
    alignedResets: true,
    steps: [
      { descriptors: [{ entries: [['remote_address', '10.$.0.12']], limit: { requests_per_unit: 1, unit: 'MINUTE' } }], overall: 'OK', statuses: ['OK 1/MINUTE r0'] },
      { descriptors: [{ entries: [['remote_address', '10.$.0.12']], limit: { requests_per_unit: 1, unit: 'MINUTE' } }], overall: 'OVER_LIMIT', statuses: ['OVER_LIMIT 1/MINUTE r0'] },
      // The configured rule's counter is another one: the override's requests did not count there.
      { descriptors: one(['remote_address', '10.$.0.12']), overall: 'OK', statuses: ['OK 4/MINUTE r3'] },
    ],
  },
];

/** The fixture files the matrix needs, each once. */
export const MATRIX_FILES: readonly string[] = [...new Set(ENVOY_SAMENESS_MATRIX.map((c) => c.file))];
