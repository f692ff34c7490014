import { validatePolicy, type Policy, type PolicyFieldsDto } from '@rl/contracts';
import { RuleViolationError } from '../errors/api-errors';

/** Ids a policy may not take: `snapshot` is a route, `override-*` are the ids of customer overrides. */
export function reservedIdProblem(id: string): string | undefined {
  if (id === 'snapshot') return 'is reserved (GET /v1/policies/snapshot)';
  if (id.startsWith('override-')) return 'must not start with "override-": those ids belong to customer overrides (PUT /admin/limits)';
  return undefined;
}

/**
 * The stored form of a validated DTO: defaults filled (burst = limit, regional, open, enforce),
 * method upper-cased, exactly what enforcers accept (validatePolicy from contracts).
 */
export function normalizePolicy(input: { readonly id: string; readonly fields: PolicyFieldsDto; readonly version: number }): Policy {
  const { fields } = input;
  const result = validatePolicy({
    id: input.id,
    match: {
      customerTier: fields.match.customerTier,
      customerId: fields.match.customerId,
      route: fields.match.route,
      method: fields.match.method,
    },
    algorithm: fields.algorithm,
    limit: fields.limit,
    windowSeconds: fields.windowSeconds,
    leaseSeconds: fields.leaseSeconds,
    burst: fields.burst,
    scope: fields.scope,
    failureMode: fields.failureMode,
    mode: fields.mode,
    version: input.version,
    escalation: fields.escalation === undefined ? undefined : { ...fields.escalation },
    limits: fields.limits?.map((limit) => ({ ...limit })),
  });
  if (!result.ok) throw new RuleViolationError(result.errors);
  return result.value;
}
