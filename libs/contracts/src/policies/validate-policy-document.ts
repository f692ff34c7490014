import { fieldPath, FieldReader, indexPath } from '../validation/field-reader';
import type { ValidationResult } from '../validation/validation-result';
import type { CustomerAssignment } from './customer-assignment';
import type { Policy } from './policy';
import type { PolicyDocument } from './policy-document';
import { CONCURRENCY_ALGORITHM } from './policy-algorithm';
import { POLICY_RULES, readPolicy, type ValidatePolicyOptions } from './validate-policy';

const DOCUMENT_FIELDS = ['policies', 'overrides', 'customers'];

/**
 * Validates a whole policy document (POLICY_FILE): every policy and override, the customer tiers,
 * and the rules that span entries: ids are unique, no two policies match the same requests, and an
 * override matches exactly one `customerId`. `overrides` and `customers` may be omitted.
 */
export function validatePolicyDocument(
  input: unknown,
  options: Pick<ValidatePolicyOptions, 'unknownFields'> = {},
): ValidationResult<PolicyDocument> {
  const reader = new FieldReader();
  const raw = reader.object(input, '');
  if (raw === undefined) return { ok: false, errors: reader.errors };
  if (options.unknownFields !== 'ignore') reader.knownKeys(raw, '', DOCUMENT_FIELDS);

  const policies = readPolicies(reader, raw.policies, 'policies', options);
  const overrides = raw.overrides === undefined ? [] : readPolicies(reader, raw.overrides, 'overrides', options);
  const customers = raw.customers === undefined ? {} : readCustomers(reader, raw.customers);

  checkUniqueIds(reader, [...policies, ...overrides]);
  checkDistinctMatches(reader, policies);
  checkOverrides(reader, overrides);

  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };
  return {
    ok: true,
    value: { policies: policies.map((p) => p.policy), overrides: overrides.map((p) => p.policy), customers },
  };
}

interface Located {
  readonly policy: Policy;
  readonly path: string;
}

function readPolicies(reader: FieldReader, input: unknown, path: string, options: ValidatePolicyOptions): Located[] {
  if (input === undefined) return reader.fail(path, 'is required') ?? [];
  if (!Array.isArray(input)) return reader.fail(path, 'must be an array') ?? [];
  const located: Located[] = [];
  input.forEach((item, index) => {
    const itemPath = indexPath(path, index);
    const policy = readPolicy(reader, item, { ...options, path: itemPath });
    if (policy !== undefined) located.push({ policy, path: itemPath });
  });
  return located;
}

function readCustomers(reader: FieldReader, input: unknown): Record<string, CustomerAssignment> {
  const raw = reader.object(input, 'customers');
  const customers: Record<string, CustomerAssignment> = {};
  if (raw === undefined) return customers;
  for (const [customerId, assignment] of Object.entries(raw)) {
    const path = fieldPath('customers', customerId);
    if (!POLICY_RULES.customerId.pattern.test(customerId)) {
      reader.fail(path, `must be keyed by ${POLICY_RULES.customerId.hint}`);
      continue;
    }
    const value = reader.object(assignment, path);
    if (value === undefined) continue;
    reader.knownKeys(value, path, ['tier']);
    const tier = reader.string(value.tier, fieldPath(path, 'tier'), POLICY_RULES.customerTier);
    if (tier !== undefined) customers[customerId] = { tier };
  }
  return customers;
}

function checkUniqueIds(reader: FieldReader, located: readonly Located[]): void {
  const seen = new Map<string, string>();
  for (const { policy, path } of located) {
    const first = seen.get(policy.id);
    if (first !== undefined) reader.fail(fieldPath(path, 'id'), `duplicates ${first}.id "${policy.id}"`);
    else seen.set(policy.id, path);
  }
}

/** A concurrency policy limits another thing than a rate policy: the two may share a match. */
function matchSignature(policy: Policy): string {
  const match = policy.match;
  if (match.envoy !== undefined) return JSON.stringify(['envoy', match.envoy.domain, match.envoy.descriptors.map((e) => [e.key, e.value ?? null])]);
  const signature = [match.customerId ?? null, match.customerTier ?? null, match.route ?? null, match.method ?? null];
  return JSON.stringify(policy.algorithm === CONCURRENCY_ALGORITHM ? [...signature, CONCURRENCY_ALGORITHM] : signature);
}

function checkDistinctMatches(reader: FieldReader, located: readonly Located[]): void {
  const seen = new Map<string, string>();
  for (const { policy, path } of located) {
    const signature = matchSignature(policy);
    const first = seen.get(signature);
    if (first !== undefined) reader.fail(fieldPath(path, 'match'), `matches the same requests as ${first}.match`);
    else seen.set(signature, path);
  }
}

function checkOverrides(reader: FieldReader, located: readonly Located[]): void {
  const seen = new Map<string, string>();
  for (const { policy, path } of located) {
    const { customerId, ...rest } = policy.match;
    if (customerId === undefined || Object.keys(rest).length > 0) {
      reader.fail(fieldPath(path, 'match'), 'an override must match exactly one customerId and nothing else');
      continue;
    }
    const first = seen.get(customerId);
    if (first !== undefined) reader.fail(fieldPath(path, 'match.customerId'), `duplicates ${first}.match.customerId "${customerId}"`);
    else seen.set(customerId, path);
  }
}
